/**
 * dma_fence_chain — drivers/dma-buf/dma-fence-chain.c, include/linux/dma-fence-chain.h.
 *
 * Contract (shared/reference/kernel-sync-semantics.md §1.5):
 * - R43 a node holds `prev` (the previous node or a plain fence), `prev_seqno`, the contained `fence`,
 *       and a base fence whose seqno is the point; the node is allocated with GFP_KERNEL, so it must
 *       be allocated before a signalling section is entered.
 * - R44 dma_fence_chain_init reuses prev's context when prev is a chain and the point is later; this
 *       means an unordered point gets a new context, and its seqno is raised to max(prev, point).
 *       A contained fence must not itself be a chain.
 * - R45 a node is signaled iff its contained fence and every earlier node's contained fence are; this
 *       means a later point can never signal before an earlier one (I15).
 * - R46 dma_fence_chain_walk swings `prev` past nodes whose contained fence signaled (cmpxchg); the
 *       chain shrinks, the signaled-ness of the nodes that stay does not change.
 * - R47 find_seqno(p): p == 0 is a no-op; a non-chain or a head below p is -EINVAL (not submitted
 *       yet); otherwise the node whose prev_seqno < p; a garbage-collected point yields NULL and the
 *       caller substitutes a stub.
 * - R49 a deadline fans out to every contained fence.
 * R44, R46 (the cmpxchg) and R47 read other objects, so they live in models/drm-syncobj/drm-syncobj-api.ts;
 * this machine is one node, and `chainWalkPrev` (the read half of R46's walk) is here, its one home, for
 * the walk and for the node's ops (what the container contains, R19/R50).
 *
 * Models: a node as a fence kind (defineFenceKind: its ops are `signaled`, R45, and `contained`) with its
 * two links.
 * Abstracted away (why that is sound):
 * - lazy signalling through enable_signaling and the irq_work re-arm (R45): the node registers its
 *   callbacks at init and signals as soon as R45's condition holds, which is exactly what
 *   dma_fence_is_signaled() reports to any observer (R9);
 * - refcounts and the iterative release (R48): nothing is freed in the model, so nothing recurses;
 * - deadlines (R49): hints that never change fence state (R32);
 * - error propagation: the kernel's chain node signals with error 0; the contained fence keeps its own
 *   (a dma_fence_set_error on the node itself is the generic one, as in the kernel; no path does it).
 *
 * Events (caller -> node):
 *   DMA_FENCE_ENABLE_SW_SIGNALING      any waiter -> node
 *   DMA_FENCE_ADD_CALLBACK {cb}        waiter -> node (R10); SET_ERROR, SIGNAL as for dma_fence
 *   DMA_FENCE_REMOVE_CALLBACK {to}     waiter -> node (R11)
 *   DMA_FENCE_PUBLISH {via}            ghost: the node became reachable by another thread (R26)
 *   DMA_FENCE_CHAIN_CB {fence}         contained fence or prev -> node: it signaled (R45)
 *   DMA_FENCE_CHAIN_SET_PREV {expected, prev}  dma_fence_chain_walk -> node: cmpxchg of prev (R46)
 */
import type { World } from '../world.ts';
import { ctx, hasTag, kindOf } from '../world.ts';
import type { Edge } from '../view.ts';
import { defineFenceKind, dmaFenceBaseContext, type DmaFenceContext, type Signaller } from './dma-fence.ts';

export interface DmaFenceChainContext extends DmaFenceContext {
  /** always: R43 the contained fence (never a chain, R44). */
  fence: string;
  /** always: R43 the previous node or plain fence; '' = NULL (first node, or garbage-collected, R46). */
  prev: string;
  /** always: R44 prev's seqno when the context was reused, else 0. */
  prevSeqno: number;
  /** unsignaled: the links (contained fence, prev at init) whose callback has not come yet (R45). */
  pending: string[];
}

export interface DmaFenceChainInput {
  context?: number;
  seqno?: number;
  signaller?: Signaller;
  owner?: string;
  fence?: string;
  prev?: string;
  prevSeqno?: number;
  /** The links still unsignaled at init; empty = the node is born signaled (R45). */
  pending?: string[];
}

type E =
  | { type: 'DMA_FENCE_CHAIN_CB'; fence: string; fenceError?: number }
  | { type: 'DMA_FENCE_CHAIN_SET_PREV'; expected: string; prev: string };

const swingPrev = (_c: DmaFenceChainContext, e: Extract<E, { type: 'DMA_FENCE_CHAIN_SET_PREV' }>) => ({ prev: e.prev });

/**
 * Where dma_fence_chain_walk would swing `node`'s prev to (R46), without doing it ('' = NULL): past
 * every predecessor node whose contained fence signaled, and past a signaled plain fence.
 */
export function chainWalkPrev(w: World, node: string): string {
  let prev = ctx<DmaFenceChainContext>(w, node).prev;
  while (prev) {
    if (kindOf(w, prev) === 'dma_fence_chain') {
      const p = ctx<DmaFenceChainContext>(w, prev);
      if (!hasTag(w, p.fence, 'signaled')) break;
      prev = p.prev;
    } else {
      if (!hasTag(w, prev, 'signaled')) break;
      prev = '';
    }
  }
  return prev;
}

/** The ops of a chain node (dma_fence_chain_ops); the R4-R11 transitions are the base's. */
export const dmaFenceChainOps = {
  kind: 'dma_fence_chain',
  context: (input: DmaFenceChainInput) => ({
    ...dmaFenceBaseContext(input, { ops: 'dma_fence_chain' }),
    fence: input?.fence ?? '',
    prev: input?.prev ?? '',
    prevSeqno: input?.prevSeqno ?? 0,
    pending: input?.pending ?? [],
  }),
  /** R45 dma_fence_chain_signaled: the contained fence and everything before it signaled. */
  signaled: (c: DmaFenceChainContext) => c.pending.length === 0,
  guards: {
    'is a pending link': (c: DmaFenceChainContext, e: E) =>
      e.type === 'DMA_FENCE_CHAIN_CB' && c.pending.includes(e.fence),
    /** R46: cmpxchg succeeds only if prev is still what the walker read. */
    'prev unchanged': (c: DmaFenceChainContext, e: E) =>
      e.type === 'DMA_FENCE_CHAIN_SET_PREV' && c.prev === e.expected && e.prev !== e.expected,
  },
  unsignaled: {
    DMA_FENCE_CHAIN_CB: [
      {
        guard: 'is a pending link',
        description: 'R45: dma_fence_chain_cb, one link signaled',
        update: (c: DmaFenceChainContext, e: Extract<E, { type: 'DMA_FENCE_CHAIN_CB' }>) => ({
          pending: c.pending.filter((f) => f !== e.fence),
        }),
      },
    ],
    DMA_FENCE_CHAIN_SET_PREV: [
      { guard: 'prev unchanged', description: 'R46: GC swings prev past a signaled link', update: swingPrev },
    ],
  },
  whenSignaled: {
    DMA_FENCE_CHAIN_SET_PREV: [
      { guard: 'prev unchanged', description: 'R46: GC of a signaled node', update: swingPrev },
    ],
  },
  /**
   * R19/R50: a node is a container whose children are its contained fence and the prev that
   * dma_fence_chain_for_each would visit next (signaled links garbage-collected as by R46), so
   * dma_fence_unwrap walks a whole timeline to its pending leaves.
   */
  contained: (w: World, id: string) => {
    const prev = chainWalkPrev(w, id);
    const { fence } = ctx<DmaFenceChainContext>(w, id);
    return prev ? [fence, prev] : [fence];
  },
  // R45: a node cannot signal before its contained fence and its prev.
  waitEdges: (id: string, c: DmaFenceChainContext) => {
    const out: Edge[] = [];
    if (c.fence) out.push([id, c.fence, `${id} contains ${c.fence} (R45)`]);
    if (c.prev) out.push([id, c.prev, `${id} follows ${c.prev} (R45)`]);
    return out;
  },
};

export const dmaFenceChainMachine = defineFenceKind<DmaFenceChainContext, E, DmaFenceChainInput>(dmaFenceChainOps);
