/**
 * dma_fence_array — drivers/dma-buf/dma-fence-array.c, include/linux/dma-fence-array.h.
 *
 * Contract (kernel-sync-semantics.md §1.4):
 * - R36 dma_fence_array_create(n, fences, ctx, seqno, signal_on_any) takes the children; num_pending
 *       starts at 1 with signal_on_any, else at n.
 * - R37 the array signals once every child has (or, with signal_on_any, once the first has); the
 *       final signal runs after the child's callback returned (irq_work), never inside it.
 * - R38 error starts as PENDING_ERROR (1); the first non-zero child error is latched; if none was,
 *       it is cleared to 0 when the array signals, so a signaled array's error is some child's error.
 * - R39 a container child (array or chain) is a WARN: callers must flatten first (models/dma-buf/dma-fence-api.ts).
 * - R40 enable_signaling adds one callback per child; a child that is already signaled is counted at
 *       once (add_callback returned -ENOENT), and if that brings num_pending to 0 the array signals.
 * - R41 signaled(): once enabled, iff num_pending <= 0; before that it scans the children, and then
 *       signals with the pending error cleared, without latching child errors (see DMA_FENCE_IS_SIGNALED).
 * - R42 dma_fence_match_context (a pure function in models/dma-buf/dma-fence-api.ts).
 * Generic fence behaviour is dma_fence's (R4-R11): one-shot, callbacks once, set_error only unsignaled.
 *
 * Models: the array as a fence kind with its own ops (dma_fence_array_ops: enable_signaling, signaled;
 * the base R4-R11 transitions come from defineFenceKind). Abstracted away (why that is sound): the extra
 * references enable_signaling takes (no refcounts anywhere, R15); the irq_work hop is the world's
 * delivery order (deliveries run after the child's transition returned, which is what R37 protects);
 * an external dma_fence_signal on an array (drivers never do it) is the generic one, as in the kernel:
 * it signals with the error the array has, PENDING_ERROR included (only the array's own paths clear it).
 *
 * A machine never reads other objects, so it cannot see whether a child is already signaled when it
 * registers its callbacks (R40). The rule `dma_fence_array_settle` (models/dma-buf/dma-fence-api.ts) does
 * that -ENOENT accounting in the same atomic operation for every caller in this repository; an enable
 * by a path that does not call it (another model sending DMA_FENCE_ADD_CALLBACK directly) is settled
 * by the kernel step `dma_fence_array_settle` of `dmaFenceArraySteps()`, a bounded, harmless delay.
 *
 * Events (caller -> array):
 *   DMA_FENCE_ENABLE_SW_SIGNALING, DMA_FENCE_ADD_CALLBACK {cb}, DMA_FENCE_REMOVE_CALLBACK {to},
 *   DMA_FENCE_SET_ERROR {error}, DMA_FENCE_PUBLISH {via}   as for dma_fence
 *   DMA_FENCE_ARRAY_CB {child, fenceError}   child -> array (the callback R40 registered, or the
 *                                            -ENOENT accounting of an already-signaled child)
 *   DMA_FENCE_IS_SIGNALED                    rules -> array: R41 ops->signaled() found it complete
 */
import type { World } from '../world.ts';
import { ctx } from '../world.ts';
import type { Edge } from '../view.ts';
import { defineFenceKind, dmaFenceBaseContext, type DmaFenceContext, type Signaller } from './dma-fence.ts';

/** R38: the sentinel error of an array whose children reported no error yet. */
export const PENDING_ERROR = 1;

export interface DmaFenceArrayContext extends DmaFenceContext {
  /** always: this object's id (callbacks from children are addressed to it). */
  self: string;
  /** always: R36 the children, in order. */
  fences: string[];
  /** always: R36 signal on the first child instead of all. */
  signalOnAny: boolean;
  /** unsignaled: R36 children still to report before the array signals (1 with signal_on_any). */
  numPending: number;
  /** unsignaled: children whose signal has not been counted yet (R40). */
  waiting: string[];
}

export interface DmaFenceArrayInput {
  self?: string;
  fences?: string[];
  signalOnAny?: boolean;
  context?: number;
  seqno?: number;
  owner?: string;
  signaller?: Signaller;
}

type E = { type: 'DMA_FENCE_ARRAY_CB'; child: string; fenceError: number } | { type: 'DMA_FENCE_IS_SIGNALED' };

type ArrayCb = Extract<E, { type: 'DMA_FENCE_ARRAY_CB' }>;

/** R38 cmpxchg(PENDING_ERROR, error): count the child; only the first non-zero child error sticks. */
const count = (c: DmaFenceArrayContext, e: ArrayCb): Partial<DmaFenceArrayContext> => ({
  waiting: c.waiting.filter((ch) => ch !== e.child),
  numPending: c.numPending - 1,
  error: c.error === PENDING_ERROR && e.fenceError !== 0 ? e.fenceError : c.error,
});

export const dmaFenceArrayMachine = defineFenceKind<DmaFenceArrayContext, E, DmaFenceArrayInput>({
  kind: 'dma_fence_array',
  context: (input) => {
    const fences = input?.fences ?? [];
    return {
      ...dmaFenceBaseContext(input, { ops: 'array', error: PENDING_ERROR }),
      self: input?.self ?? '',
      fences,
      signalOnAny: input?.signalOnAny ?? false,
      numPending: input?.signalOnAny ? Math.min(1, fences.length) : fences.length,
      waiting: fences,
    };
  },
  /** R40 dma_fence_array_enable_signaling: one callback per child not yet counted (the rule settles
   *  the already-signaled ones, see above). */
  enable_signaling: (c) =>
    c.waiting.map((child) => ({
      to: child,
      ev: { type: 'DMA_FENCE_ADD_CALLBACK', cb: { to: c.self, ev: { type: 'DMA_FENCE_ARRAY_CB', child } } },
    })),
  /** R36 with n == 0: nothing to wait for (the kernel returns such an array signaled on first check). */
  signaled: (c) => c.numPending <= 0,
  /** R37/R38: the array's own signal clears an unlatched PENDING_ERROR (dma_fence_array_clear_pending_error). */
  complete: (c) => ({ error: c.error === PENDING_ERROR ? 0 : c.error }),
  detach: { waiting: [] },
  guards: {
    'child waiting': (c, e) => e.type === 'DMA_FENCE_ARRAY_CB' && c.waiting.includes(e.child),
    /** R37: this report brings num_pending to 0. */
    'last pending child': (c, e) => e.type === 'DMA_FENCE_ARRAY_CB' && c.waiting.includes(e.child) && c.numPending <= 1,
  },
  unsignaled: {
    DMA_FENCE_ARRAY_CB: [
      {
        guard: 'last pending child',
        signal: true,
        update: count,
        description: 'R37, R38: the last pending child reported; latch, clear, signal',
      },
      { guard: 'child waiting', update: count, description: 'R38, R40: count the child, latch its error if first' },
    ],
    DMA_FENCE_IS_SIGNALED: [
      {
        signal: true,
        description: 'R41, R9: ops->signaled() true; pending error cleared, child errors not latched',
      },
    ],
  },
  /** R19: an array is a container of its children. */
  contained: (w: World, id: string) => ctx<DmaFenceArrayContext>(w, id).fences,
  // I7: an unsignaled array cannot signal before its children that have not reported (R37).
  waitEdges: (id, c: DmaFenceArrayContext, _w, value) => {
    if (value === 'signaled') return [];
    // With signal_on_any the array waits for any child, not each: no single edge is a must-wait,
    // but a cycle through all of them is still a hang; the edges are kept (conservative for I7).
    return c.waiting.map((ch): Edge => [id, ch, `${id} signals after its child ${ch} (R37)`]);
  },
});
