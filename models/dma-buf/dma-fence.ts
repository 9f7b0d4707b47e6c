/**
 * dma_fence — drivers/dma-buf/dma-fence.c, include/linux/dma-fence.h.
 *
 * Contract (shared/reference/kernel-sync-semantics.md §1.1):
 * - R1  a fence starts unsignaled with error 0 and its (context, seqno) fixed.
 * - R2  fences on one context are totally ordered by seqno.
 * - R4  dma_fence_signal is one-shot: the first call detaches the callbacks and runs each exactly once,
 *       in list order; a repeat returns -EINVAL and runs nothing.
 * - R5  there is no transition from signaled back to unsignaled.
 * - R6  dma_fence_set_error is allowed only while unsignaled, with -MAX_ERRNO <= e < 0; this means the
 *       error is set before the signal, so waiters see it when they wake.
 * - R7  status = 0 while unsignaled, 1 when signaled with no error, else the error.
 * - R8  the first enable_signaling sets ENABLE_SIGNAL and calls ops->enable_signaling once (lazy fences,
 *       such as preempt fences, start their work there).
 * - R10 add_callback on a signaled fence returns -ENOENT and never calls the callback; otherwise it
 *       enables signaling and queues the callback.
 * - R11 remove_callback returns whether the callback was still queued.
 *
 * Models: the fence as seen through its API. Abstracted away (why that is sound): refcounts and RCU
 * lifetime (R15, R16: no property here reads freed driver data), timestamps (no property orders by
 * time), deadlines (hints that never change fence state, R32).
 *
 * Events (caller -> fence):
 *   DMA_FENCE_ENABLE_SW_SIGNALING   any waiter -> fence
 *   DMA_FENCE_ADD_CALLBACK {cb}     waiter -> fence
 *   DMA_FENCE_REMOVE_CALLBACK {to}  waiter -> fence (hardware-lockup recovery only)
 *   DMA_FENCE_SET_ERROR {error}     signaller -> fence
 *   DMA_FENCE_SIGNAL                signaller -> fence
 *   DMA_FENCE_PUBLISH {via}         ghost: the fence became reachable by another thread (R26)
 */
import { setup, assign, enqueueActions } from 'xstate';
import type { Ev, Json, World } from '../world.ts';
import { ctx, hasTag, deliver } from '../world.ts';
import { withView } from '../view.ts';

export const EINVAL = -22;
export const ENOENT = -2;
export const ETIME = -62;
export const ECANCELED = -125;
export const ESRCH = -3;
export const EDEADLK = -35;
export const ENODATA = -61;
export const ENOMEM = -12;
export const EOPNOTSUPP = -95;
export const EIO = -5;
export const MAX_ERRNO = 4095;

/** A queued callback: when the fence signals, `ev` (plus the fence id and its error) goes to `to`. */
export interface DmaFenceCb {
  to: string;
  ev: Ev;
}

/** Who can make this fence signal. A drain (finite-time) never counts on a 'user' signaller. */
export type Signaller = 'kernel' | 'user';

export interface DmaFenceContext {
  /** always: R2 fence context and seqno. */
  context: number;
  seqno: number;
  /** always: what the fence stands for ('hw', 'sched.finished', 'move', 'stub', 'umf-wrap', ...). */
  ops: string;
  /** always: who signals it; 'user' fences are the ones R30 forbids as dma_fences. */
  signaller: Signaller;
  /** always: the object that owns it (a job, a BO move, a syncobj), '' if none. */
  owner: string;
  /** ghost, always: reachable by another thread (installed in a resv, syncobj, sync_file, dep list). */
  published: boolean;
  /** unsignaled: R8 ENABLE_SIGNAL bit. */
  enableSignal: boolean;
  /** unsignaled: R8 ops->enable_signaling target, delivered once on first enable ('' = none). */
  onEnable: DmaFenceCb | null;
  /** unsignaled: R10 callbacks, detached on signal (R4). */
  cbs: DmaFenceCb[];
  /** unsignaled: set at most before signal (R6); signaled: immutable. 0 or a negative errno. */
  error: number;
}

export interface DmaFenceInput {
  context?: number;
  seqno?: number;
  ops?: string;
  signaller?: Signaller;
  owner?: string;
  published?: boolean;
  onEnable?: DmaFenceCb | null;
  /** R17 stubs are created signaled. */
  signaled?: boolean;
  error?: number;
}

type E =
  | { type: 'DMA_FENCE_ENABLE_SW_SIGNALING' }
  | { type: 'DMA_FENCE_ADD_CALLBACK'; cb: DmaFenceCb }
  | { type: 'DMA_FENCE_REMOVE_CALLBACK'; to: string }
  | { type: 'DMA_FENCE_SET_ERROR'; error: number }
  | { type: 'DMA_FENCE_SIGNAL' }
  | { type: 'DMA_FENCE_PUBLISH'; via?: string };

/** R6: an error a fence may carry: -MAX_ERRNO <= e < 0. */
export const validFenceError = (e: number): boolean => e < 0 && e >= -MAX_ERRNO;

type BaseGuardArgs = {
  context: Pick<DmaFenceContext, 'enableSignal' | 'published' | 'cbs'>;
  event: { type: string; to?: string; error?: number };
};

/**
 * The guards of the base dma_fence contract, shared by every fence kind (array, chain, proxy, ...):
 * derived kinds add their own guards next to these instead of copying them.
 */
export const dmaFenceGuards = {
  /** R6 */
  'valid error': ({ event }: BaseGuardArgs) => event.type === 'DMA_FENCE_SET_ERROR' && validFenceError(event.error ?? 0),
  /** R8: enable_signaling runs once */
  'signaling disabled': ({ context }: BaseGuardArgs) => !context.enableSignal,
  'not published': ({ context }: BaseGuardArgs) => !context.published,
  /** R11 */
  'callback queued': ({ context, event }: BaseGuardArgs) => event.type === 'DMA_FENCE_REMOVE_CALLBACK' && context.cbs.some((c) => c.to === event.to),
};

export const dmaFenceMachine = setup({
  types: { context: {} as DmaFenceContext, events: {} as E, input: {} as DmaFenceInput },
  guards: {
    ...dmaFenceGuards,
    'created signaled': ({ context }) => context.error === 1,
  },
  actions: {
    deliver: (_, _p: { to: string; ev: Ev }) => {},
    /** R8: set ENABLE_SIGNAL and call ops->enable_signaling once. */
    enable: enqueueActions(({ context, enqueue }) => {
      enqueue.assign({ enableSignal: true });
      if (context.onEnable) enqueue(deliver(context.onEnable.to, context.onEnable.ev));
    }),
    /** R4: detach cb_list and run every callback once, in order, with the fence and its error. */
    runCallbacks: enqueueActions(({ context, enqueue }) => {
      for (const cb of context.cbs) enqueue(deliver(cb.to, { ...cb.ev, fenceError: context.error }));
      enqueue.assign({ cbs: [], onEnable: null });
    }),
  },
}).createMachine({
  id: 'dma_fence',
  context: ({ input }) => ({
    context: input?.context ?? 0,
    seqno: input?.seqno ?? 0,
    ops: input?.ops ?? 'hw',
    signaller: input?.signaller ?? 'kernel',
    owner: input?.owner ?? '',
    published: input?.published ?? false,
    enableSignal: input?.signaled ?? false,
    onEnable: input?.signaled ? null : input?.onEnable ?? null,
    cbs: [],
    // error 1 is a transient marker for "created signaled" (R17 stubs); cleared on entry below.
    error: input?.signaled ? 1 : input?.error ?? 0,
  }),
  initial: 'unsignaled',
  states: {
    unsignaled: {
      always: { guard: 'created signaled', target: 'signaled', actions: assign({ error: 0 }) },
      on: {
        DMA_FENCE_ENABLE_SW_SIGNALING: { guard: 'signaling disabled', actions: 'enable', description: 'R8' },
        DMA_FENCE_ADD_CALLBACK: {
          description: 'R10: queue the callback and enable signaling',
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
        DMA_FENCE_SIGNAL: { target: 'signaled', description: 'R4: one-shot', actions: 'runCallbacks' },
        DMA_FENCE_PUBLISH: { guard: 'not published', actions: assign({ published: true }) },
      },
    },
    signaled: {
      tags: ['signaled'],
      description: 'R5: final for the fence; SIGNAL here is refused (-EINVAL), ADD_CALLBACK too (-ENOENT)',
      on: {
        DMA_FENCE_PUBLISH: { guard: 'not published', actions: assign({ published: true }) },
      },
    },
  },
});

/** What the kernel returns for `ev` on this fence, given whether the model accepted it (R4, R6, R10, R11). */
export function dmaFenceErrno(c: DmaFenceContext, signaled: boolean, ev: E): number {
  switch (ev.type) {
    case 'DMA_FENCE_SIGNAL': return signaled ? EINVAL : 0;
    case 'DMA_FENCE_ADD_CALLBACK': return signaled ? ENOENT : 0;
    case 'DMA_FENCE_SET_ERROR': return signaled || !validFenceError(ev.error) ? EINVAL : 0;
    case 'DMA_FENCE_REMOVE_CALLBACK': return c.cbs.some((x) => x.to === ev.to) ? 1 : 0;
    default: return 0;
  }
}

/** R7 dma_fence_get_status. */
export function dmaFenceStatus(w: World, id: string): number {
  if (!hasTag(w, id, 'signaled')) return 0;
  const e = ctx<DmaFenceContext>(w, id).error;
  return e === 0 ? 1 : e;
}

export function isSignaled(w: World, id: string): boolean {
  return hasTag(w, id, 'signaled');
}

/** R3 __dma_fence_is_later for 64-bit seqnos; different contexts are never ordered. */
export function isLater(a: DmaFenceContext, b: DmaFenceContext): boolean {
  return a.context === b.context && a.seqno > b.seqno;
}

export type { Json };

withView(dmaFenceMachine, { fence: true });
