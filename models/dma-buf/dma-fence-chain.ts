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
 * R44, R46 and R47 read other objects, so they live in models/drm-syncobj/drm-syncobj-api.ts; this machine is
 * one node.
 *
 * Models: a node as a fence-like kind (its context extends DmaFenceContext) with its two links.
 * Abstracted away (why that is sound):
 * - lazy signalling through enable_signaling and the irq_work re-arm (R45): the node registers its
 *   callbacks at init and signals as soon as R45's condition holds, which is exactly what
 *   dma_fence_is_signaled() reports to any observer (R9);
 * - refcounts and the iterative release (R48): nothing is freed in the model, so nothing recurses;
 * - deadlines (R49): hints that never change fence state (R32);
 * - error propagation: the kernel's chain node signals with error 0; the contained fence keeps its own.
 *
 * Events (caller -> node):
 *   DMA_FENCE_ENABLE_SW_SIGNALING      any waiter -> node
 *   DMA_FENCE_ADD_CALLBACK {cb}        waiter -> node (R10)
 *   DMA_FENCE_REMOVE_CALLBACK {to}     waiter -> node (R11)
 *   DMA_FENCE_PUBLISH {via}            ghost: the node became reachable by another thread (R26)
 *   DMA_FENCE_CHAIN_CB {fence}         contained fence or prev -> node: it signaled (R45)
 *   DMA_FENCE_CHAIN_SET_PREV {expected, prev}  dma_fence_chain_walk -> node: cmpxchg of prev (R46)
 */
import { setup, assign, enqueueActions } from 'xstate';
import type { Ev } from '../world.ts';
import { deliver } from '../world.ts';
import { withView, type Edge } from '../view.ts';
import { dmaFenceGuards, type DmaFenceCb, type DmaFenceContext, type Signaller } from './dma-fence.ts';
import { registerContainer } from './dma-fence-api.ts';

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
  | { type: 'DMA_FENCE_ENABLE_SW_SIGNALING' }
  | { type: 'DMA_FENCE_ADD_CALLBACK'; cb: DmaFenceCb }
  | { type: 'DMA_FENCE_REMOVE_CALLBACK'; to: string }
  | { type: 'DMA_FENCE_PUBLISH'; via?: string }
  | { type: 'DMA_FENCE_CHAIN_CB'; fence: string; fenceError?: number }
  | { type: 'DMA_FENCE_CHAIN_SET_PREV'; expected: string; prev: string };

export const dmaFenceChainMachine = setup({
  types: { context: {} as DmaFenceChainContext, events: {} as E, input: {} as DmaFenceChainInput },
  guards: {
    /** R45: the contained fence and everything before it signaled. */
    'all links signaled': ({ context }) => context.pending.length === 0,
    'is a pending link': ({ context, event }) => event.type === 'DMA_FENCE_CHAIN_CB' && context.pending.includes(event.fence),
    ...dmaFenceGuards,
    /** R46: cmpxchg succeeds only if prev is still what the walker read. */
    'prev unchanged': ({ context, event }) => event.type === 'DMA_FENCE_CHAIN_SET_PREV' && context.prev === event.expected && event.prev !== event.expected,
  },
  actions: {
    deliver: (_, _p: { to: string; ev: Ev }) => {},
    /** R4: detach cb_list and run every callback once, in order. */
    runCallbacks: enqueueActions(({ context, enqueue }) => {
      for (const cb of context.cbs) enqueue(deliver(cb.to, { ...cb.ev, fenceError: context.error }));
      enqueue.assign({ cbs: [] });
    }),
    swingPrev: assign({ prev: ({ event }) => (event as { prev: string }).prev }),
  },
}).createMachine({
  id: 'dma_fence_chain',
  context: ({ input }) => ({
    context: input?.context ?? 0,
    seqno: input?.seqno ?? 0,
    ops: 'dma_fence_chain',
    signaller: input?.signaller ?? 'kernel',
    owner: input?.owner ?? '',
    published: false,
    enableSignal: false,
    onEnable: null,
    cbs: [],
    error: 0,
    fence: input?.fence ?? '',
    prev: input?.prev ?? '',
    prevSeqno: input?.prevSeqno ?? 0,
    pending: input?.pending ?? [],
  }),
  initial: 'unsignaled',
  states: {
    unsignaled: {
      always: { guard: 'all links signaled', target: 'signaled', actions: 'runCallbacks', description: 'R45: own fence and all earlier links signaled' },
      on: {
        DMA_FENCE_CHAIN_CB: {
          guard: 'is a pending link',
          description: 'R45: dma_fence_chain_cb, one link signaled',
          actions: assign({ pending: ({ context, event }) => context.pending.filter((f) => f !== (event as { fence: string }).fence) }),
        },
        DMA_FENCE_ENABLE_SW_SIGNALING: { guard: 'signaling disabled', description: 'R8', actions: assign({ enableSignal: true }) },
        DMA_FENCE_ADD_CALLBACK: {
          description: 'R10: queue the callback',
          actions: assign({ cbs: ({ context, event }) => [...context.cbs, event.cb], enableSignal: true }),
        },
        DMA_FENCE_REMOVE_CALLBACK: {
          guard: 'callback queued',
          description: 'R11',
          actions: assign({ cbs: ({ context, event }) => context.cbs.filter((c) => c.to !== event.to) }),
        },
        DMA_FENCE_PUBLISH: { guard: 'not published', actions: assign({ published: true }) },
        DMA_FENCE_CHAIN_SET_PREV: { guard: 'prev unchanged', description: 'R46: GC swings prev past a signaled link', actions: 'swingPrev' },
      },
    },
    signaled: {
      tags: ['signaled'],
      description: 'R5: final; ADD_CALLBACK here is refused (-ENOENT)',
      on: {
        DMA_FENCE_PUBLISH: { guard: 'not published', actions: assign({ published: true }) },
        DMA_FENCE_CHAIN_SET_PREV: { guard: 'prev unchanged', description: 'R46: GC of a signaled node', actions: 'swingPrev' },
      },
    },
  },
});

// R45: a node cannot signal before its contained fence and its prev.
withView(dmaFenceChainMachine, {
  fence: true,
  waitEdges: (id, c: DmaFenceChainContext) => {
    const out: Edge[] = [];
    if (c.fence) out.push([id, c.fence, `${id} contains ${c.fence} (R45)`]);
    if (c.prev) out.push([id, c.prev, `${id} follows ${c.prev} (R45)`]);
    return out;
  },
});

/**
 * R19/R50: a node is a container whose children are its contained fence and the prev that
 * dma_fence_chain_for_each would visit next (signaled links garbage-collected as by R46), so
 * dma_fence_unwrap walks a whole timeline to its pending leaves.
 */
registerContainer('dma_fence_chain', (w, id) => {
  const s = w.o[id];
  const c = s.context as DmaFenceChainContext;
  let prev = c.prev;
  while (prev) {
    const p = w.o[prev];
    if (p.machine.id === 'dma_fence_chain') {
      if (!w.o[(p.context as DmaFenceChainContext).fence].hasTag('signaled')) break;
      prev = (p.context as DmaFenceChainContext).prev;
    } else {
      if (!p.hasTag('signaled')) break;
      prev = '';
    }
  }
  return prev ? [c.fence, prev] : [c.fence];
});
