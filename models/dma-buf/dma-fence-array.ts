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
 * Models: the array as a fence kind with its own ops. Abstracted away (why that is sound): the extra
 * references enable_signaling takes (no refcounts anywhere, R15); the irq_work hop is the world's
 * delivery order (deliveries run after the child's transition returned, which is what R37 protects);
 * an external dma_fence_signal on an array (drivers never do it) is refused.
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
import { setup, assign, enqueueActions } from 'xstate';
import { deliver } from '../world.ts';
import { withView, type Edge } from '../view.ts';
import { dmaFenceGuards, type DmaFenceCb, type DmaFenceContext, type Signaller } from './dma-fence.ts';

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

type E =
  | { type: 'DMA_FENCE_ENABLE_SW_SIGNALING' }
  | { type: 'DMA_FENCE_ADD_CALLBACK'; cb: DmaFenceCb }
  | { type: 'DMA_FENCE_REMOVE_CALLBACK'; to: string }
  | { type: 'DMA_FENCE_SET_ERROR'; error: number }
  | { type: 'DMA_FENCE_PUBLISH'; via?: string }
  | { type: 'DMA_FENCE_ARRAY_CB'; child: string; fenceError: number }
  | { type: 'DMA_FENCE_IS_SIGNALED' };

const cbError = (e: E): number => (e.type === 'DMA_FENCE_ARRAY_CB' ? e.fenceError : 0);

export const dmaFenceArrayMachine = setup({
  types: { context: {} as DmaFenceArrayContext, events: {} as E, input: {} as DmaFenceArrayInput },
  guards: {
    ...dmaFenceGuards, // R6, R8, R11 on the array itself
    'child waiting': ({ context, event }) => event.type === 'DMA_FENCE_ARRAY_CB' && context.waiting.includes(event.child),
    /** R37: this report brings num_pending to 0. */
    'last pending child': ({ context, event }) => event.type === 'DMA_FENCE_ARRAY_CB' && context.waiting.includes(event.child) && context.numPending <= 1,
    'created empty': ({ context }) => context.numPending <= 0,
  },
  actions: {
    /** R40: one callback per child not yet counted; already-signaled ones are settled by the rule. */
    enable: enqueueActions(({ context, enqueue }) => {
      enqueue.assign({ enableSignal: true });
      for (const child of context.waiting)
        enqueue(deliver(child, { type: 'DMA_FENCE_ADD_CALLBACK', cb: { to: context.self, ev: { type: 'DMA_FENCE_ARRAY_CB', child } } }));
    }),
    /** R38 cmpxchg(PENDING_ERROR, error): only the first non-zero child error sticks. */
    count: assign(({ context, event }) => ({
      waiting: context.waiting.filter((c) => c !== (event as { child: string }).child),
      numPending: context.numPending - 1,
      error: context.error === PENDING_ERROR && cbError(event) !== 0 ? cbError(event) : context.error,
    })),
    /** R37/R38: clear an unlatched PENDING_ERROR, then R4: run every callback once, in order. */
    signal: enqueueActions(({ context, enqueue }) => {
      const error = context.error === PENDING_ERROR ? 0 : context.error;
      for (const cb of context.cbs) enqueue(deliver(cb.to, { ...cb.ev, fenceError: error }));
      enqueue.assign({ error, cbs: [], waiting: [] });
    }),
  },
}).createMachine({
  id: 'dma_fence_array',
  context: ({ input }) => {
    const fences = input?.fences ?? [];
    return {
      context: input?.context ?? 0,
      seqno: input?.seqno ?? 0,
      ops: 'array',
      signaller: input?.signaller ?? 'kernel',
      owner: input?.owner ?? '',
      published: false,
      enableSignal: false,
      onEnable: null,
      cbs: [],
      error: PENDING_ERROR,
      self: input?.self ?? '',
      fences,
      signalOnAny: input?.signalOnAny ?? false,
      numPending: input?.signalOnAny ? Math.min(1, fences.length) : fences.length,
      waiting: fences,
    };
  },
  initial: 'unsignaled',
  states: {
    unsignaled: {
      // R36 with n == 0: nothing to wait for (the kernel returns such an array signaled on first check).
      always: { guard: 'created empty', target: 'signaled', actions: assign({ error: 0, waiting: [] }) },
      on: {
        DMA_FENCE_ENABLE_SW_SIGNALING: { guard: 'signaling disabled', actions: 'enable', description: 'R8, R40: one callback per child' },
        DMA_FENCE_ADD_CALLBACK: {
          description: 'R10: queue the callback and enable signaling (R40)',
          actions: [
            assign({ cbs: ({ context, event }) => [...context.cbs, event.cb] }),
            enqueueActions(({ context, enqueue }) => { if (!context.enableSignal) enqueue('enable' as any); }),
          ],
        },
        DMA_FENCE_REMOVE_CALLBACK: {
          guard: 'callback queued',
          description: 'R11',
          actions: assign({ cbs: ({ context, event }) => context.cbs.filter((c) => c.to !== event.to) }),
        },
        DMA_FENCE_SET_ERROR: { guard: 'valid error', description: 'R6', actions: assign({ error: ({ event }) => event.error }) },
        DMA_FENCE_ARRAY_CB: [
          { guard: 'last pending child', target: 'signaled', description: 'R37, R38: the last pending child reported; latch, clear, signal', actions: ['count', 'signal'] },
          { guard: 'child waiting', description: 'R38, R40: count the child, latch its error if first', actions: 'count' },
        ],
        DMA_FENCE_IS_SIGNALED: { target: 'signaled', description: 'R41, R9: ops->signaled() true; pending error cleared, child errors not latched', actions: 'signal' },
        DMA_FENCE_PUBLISH: { guard: 'not published', actions: assign({ published: true }) },
      },
    },
    signaled: {
      tags: ['signaled'],
      description: 'R5: final; late child callbacks (signal_on_any) are dropped',
      on: {
        DMA_FENCE_PUBLISH: { guard: 'not published', actions: assign({ published: true }) },
      },
    },
  },
});

// I7: an unsignaled array cannot signal before its children that have not reported (R37).
withView(dmaFenceArrayMachine, {
  fence: true,
  waitEdges: (id, c: DmaFenceArrayContext, _w, value) => {
    if (value === 'signaled') return [];
    // With signal_on_any the array waits for any child, not each: no single edge is a must-wait,
    // but a cycle through all of them is still a hang; the edges are kept (conservative for I7).
    return c.waiting.map((ch): Edge => [id, ch, `${id} signals after its child ${ch} (R37)`]);
  },
});
