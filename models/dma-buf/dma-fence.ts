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
 * Every fence kind (dma_fence_array, dma_fence_chain, the proxy, the UMF wrapper) is built by
 * `defineFenceKind` from these base states and transitions plus its `FenceOps`, as the kernel builds each
 * kind from `struct dma_fence` and its `dma_fence_ops`: R4-R11 are written once, here.
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
 *   DMA_FENCE_SET_USER_BIT {bit}    owner -> fence: set_bit(bit, &fence->flags) on a DMA_FENCE_FLAG_USER_BITS bit
 *                                   (drm_sched's DRM_SCHED_FENCE_DONT_PIPELINE, H6)
 */
import { setup, assign, enqueueActions, type EventObject } from 'xstate';
import type { DeliverParams, Ev, World } from '../world.ts';
import { ctx, hasTag, deliver } from '../world.ts';
import { withView, type KindView } from '../view.ts';

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
export type DmaFenceCb = {
  to: string;
  ev: Ev;
};

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
  /** always, present once one is set: the owner's DMA_FENCE_FLAG_USER_BITS (DRM_SCHED_FENCE_DONT_PIPELINE). */
  userBits?: string[];
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

/** The events every fence kind accepts: the dma_fence API (R4-R11) and the R26 ghost. */
export type DmaFenceEvent =
  | { type: 'DMA_FENCE_ENABLE_SW_SIGNALING' }
  | { type: 'DMA_FENCE_ADD_CALLBACK'; cb: DmaFenceCb }
  | { type: 'DMA_FENCE_REMOVE_CALLBACK'; to: string }
  | { type: 'DMA_FENCE_SET_ERROR'; error: number }
  | { type: 'DMA_FENCE_SIGNAL' }
  | { type: 'DMA_FENCE_PUBLISH'; via?: string }
  | { type: 'DMA_FENCE_SET_USER_BIT'; bit: string };

/** R6: an error a fence may carry: -MAX_ERRNO <= e < 0. */
export const validFenceError = (e: number): boolean => e < 0 && e >= -MAX_ERRNO;

/** The base fields of a fence's context, in the order every kind keeps them. */
export function dmaFenceBaseContext(
  input: DmaFenceInput | undefined,
  defaults: Partial<DmaFenceContext> = {},
): DmaFenceContext {
  return {
    context: input?.context ?? defaults.context ?? 0,
    seqno: input?.seqno ?? defaults.seqno ?? 0,
    ops: input?.ops ?? defaults.ops ?? 'hw',
    signaller: input?.signaller ?? defaults.signaller ?? 'kernel',
    owner: input?.owner ?? defaults.owner ?? '',
    published: input?.published ?? false,
    enableSignal: input?.signaled ?? false,
    onEnable: input?.signaled ? null : (input?.onEnable ?? null),
    cbs: [],
    error: input?.signaled ? CREATED_SIGNALED : (input?.error ?? defaults.error ?? 0),
  };
}

/**
 * One transition a kind adds for its own events: a named guard (the kind's or the base's), the context
 * change, and whether the fence signals by it (then the kind's `complete` runs, then R4's signal).
 */
interface FenceTransition<C, E> {
  guard?: string;
  update?: (c: C, e: E) => Partial<C>;
  signal?: boolean;
  description?: string;
}

type Handlers<C, E extends EventObject> = { [K in E['type']]?: FenceTransition<C, Extract<E, { type: K }>>[] };

/**
 * A fence kind's ops, as `struct dma_fence_ops` (include/linux/dma-fence.h) gives them to the core: the
 * base (R4-R11) calls them; a kind never writes its own signal, set_error or callback transitions.
 * `C` is the kind's context, `E` its own events (besides DmaFenceEvent), `I` its input.
 */
export interface FenceOps<C extends DmaFenceContext, E extends EventObject, I> {
  /** Required: the kind, i.e. the machine id that properties and traces key on (get_driver_name). */
  kind: string;
  /** Required: the context of a new fence from its input (`dmaFenceBaseContext` for the base fields). */
  context: (input: I) => C;
  /**
   * Optional, default: deliver `onEnable` if set (a lazy fence's work, R8). ops->enable_signaling: what
   * the first enable (ENABLE_SIGNAL test_and_set, R8, R10) asks of other objects, once.
   */
  enable_signaling?: (c: C) => DeliverParams[];
  /**
   * Optional, default none (only the SIGNALED flag counts, R9). ops->signaled: when it holds in the
   * unsignaled state the fence signals at once (eagerly, as dma_fence_is_signaled would make it).
   */
  signaled?: (c: C) => boolean;
  /** Optional, default none: what the kind settles when it signals by its own ops (ops->signaled, its events). */
  complete?: (c: C) => Partial<C>;
  /** Optional, default none: the kind's unsignaled-only fields, dropped with the callbacks on signal (R4). */
  detach?: Partial<C>;
  /** Optional: the kind's own guards, by name, over its context and events. */
  guards?: Record<string, (c: C, e: E) => boolean>;
  /** Optional: transitions for the kind's own events while unsignaled, and once signaled. */
  unsignaled?: Handlers<C, E>;
  whenSignaled?: Handlers<C, E>;
  /** Optional, default a leaf: R19 dma_fence_is_container; the fences it contains now (R50 visit order). */
  contained?: (w: World, id: string) => string[];
  /** Optional: the wait-for edges of its view (I7). */
  waitEdges?: KindView['waitEdges'];
}

/** The marker of a fence created signaled (R17 stubs), cleared by the base ops on entry. */
const CREATED_SIGNALED = 1;

type BaseArgs = { context: DmaFenceContext; event: DmaFenceEvent };

/**
 * The guards of the base dma_fence contract, shared by every fence kind: derived kinds add their own
 * guards next to these.
 */
const dmaFenceGuards = {
  /** R6 */
  'valid error': ({ event }: BaseArgs) => event.type === 'DMA_FENCE_SET_ERROR' && validFenceError(event.error),
  /** R8: enable_signaling runs once */
  'signaling disabled': ({ context }: BaseArgs) => !context.enableSignal,
  'not published': ({ context }: BaseArgs) => !context.published,
  'bit clear': ({ context, event }: BaseArgs) =>
    event.type === 'DMA_FENCE_SET_USER_BIT' && !(context.userBits ?? []).includes(event.bit),
  /** R11 */
  'callback queued': ({ context, event }: BaseArgs) =>
    event.type === 'DMA_FENCE_REMOVE_CALLBACK' && context.cbs.some((c) => c.to === event.to),
};

const OPS = Symbol('fencecheck.fence-ops');

/** What the core reads of a kind's ops outside its machine (R19). */
export type FenceKindInfo = { kind: string; contained?: (w: World, id: string) => string[] };

/** The ops of a snapshot's fence kind, or undefined if it is no fence. */
export function fenceOpsOf(s: { machine: { config: object } }): FenceKindInfo | undefined {
  return (s.machine.config as { [OPS]?: FenceKindInfo })[OPS];
}

/**
 * Build a fence kind's machine from the base states and transitions (R4-R11) and the kind's ops; its
 * view (a fence, with its wait-for edges) and its ops travel with the machine. The machine is typed
 * over the base context and events: a kind's own fields are read through ctx<C>() as everywhere.
 */
export function defineFenceKind<C extends DmaFenceContext, E extends EventObject = never, I = DmaFenceInput>(
  ops: FenceOps<C, E, I>,
) {
  const enableSignaling = ops.enable_signaling ?? ((c: C): DeliverParams[] => (c.onEnable ? [c.onEnable] : []));
  // xstate runs the kind's functions with the machine's base-typed arguments; the context was built by
  // ops.context (so it is a C) and a kind's handler only runs on its own events (so the event is an E).
  const own =
    <R>(f: (c: C, e: E) => R) =>
    ({ context, event }: { context: DmaFenceContext; event: DmaFenceEvent }): R =>
      f(context as C, event as unknown as E);
  const kindGuards: Record<string, (a: BaseArgs) => boolean> = {};
  for (const [name, g] of Object.entries(ops.guards ?? {})) kindGuards[name] = own(g);
  const { signaled, complete } = ops;

  const transitions = (hs: Handlers<C, E> | undefined): object => {
    const on: Record<string, object[]> = {};
    for (const [type, list] of Object.entries(hs ?? {}) as [string, FenceTransition<C, E>[]][]) {
      on[type] = list.map((t) => ({
        ...(t.guard ? { guard: t.guard } : {}),
        ...(t.signal ? { target: 'signaled' } : {}),
        ...(t.description ? { description: t.description } : {}),
        actions: [
          ...(t.update ? [assign(own((c, e) => t.update?.(c, e) ?? {}))] : []),
          ...(t.signal ? ['complete', 'signal'] : []),
        ],
      }));
    }
    return on;
  };

  const machine = setup({
    types: { context: {} as DmaFenceContext, events: {} as DmaFenceEvent, input: {} as I },
    guards: {
      ...dmaFenceGuards,
      'ops.signaled': own((c) => signaled?.(c) ?? false),
      ...kindGuards,
    },
    actions: {
      deliver: (_, _p: { to: string; ev: Ev }) => {},
      /** R8: set ENABLE_SIGNAL and call ops->enable_signaling once. */
      enable: enqueueActions(({ context, enqueue }) => {
        enqueue.assign({ enableSignal: true });
        for (const d of own(enableSignaling)({ context, event: { type: 'DMA_FENCE_ENABLE_SW_SIGNALING' } }))
          enqueue(deliver(d.to, d.ev));
      }),
      /** R10: queue the callback; the first add enables signaling (R8). */
      queueCallback: enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'DMA_FENCE_ADD_CALLBACK') return;
        enqueue.assign({ cbs: [...context.cbs, event.cb] });
        if (context.enableSignal) return;
        enqueue.assign({ enableSignal: true });
        const c = { ...context, cbs: [...context.cbs, event.cb], enableSignal: true };
        for (const d of own(enableSignaling)({ context: c, event })) enqueue(deliver(d.to, d.ev));
      }),
      removeCallback: assign(({ context, event }) =>
        event.type === 'DMA_FENCE_REMOVE_CALLBACK' ? { cbs: context.cbs.filter((c) => c.to !== event.to) } : {},
      ),
      setError: assign(({ context, event }) => ({
        error: event.type === 'DMA_FENCE_SET_ERROR' ? event.error : context.error,
      })),
      publish: assign({ published: true }),
      setUserBit: assign(({ context, event }) =>
        event.type === 'DMA_FENCE_SET_USER_BIT' ? { userBits: [...(context.userBits ?? []), event.bit] } : {},
      ),
      complete: assign(({ context, event }) => (complete ? own(complete)({ context, event }) : {})),
      /** R4: detach cb_list and run every callback once, in order, with the fence and its error. */
      signal: enqueueActions(({ context, enqueue }) => {
        for (const cb of context.cbs) enqueue(deliver(cb.to, { ...cb.ev, fenceError: context.error }));
        enqueue.assign({ cbs: [], onEnable: null, ...ops.detach });
      }),
    },
  }).createMachine({
    id: ops.kind,
    context: ({ input }) => ops.context(input),
    initial: 'unsignaled',
    states: {
      unsignaled: {
        always: {
          guard: 'ops.signaled',
          target: 'signaled',
          actions: ['complete', 'signal'],
          description: 'R9: ops->signaled',
        },
        on: {
          DMA_FENCE_ENABLE_SW_SIGNALING: { guard: 'signaling disabled', actions: 'enable', description: 'R8' },
          DMA_FENCE_ADD_CALLBACK: {
            description: 'R10: queue the callback and enable signaling',
            actions: 'queueCallback',
          },
          DMA_FENCE_REMOVE_CALLBACK: { guard: 'callback queued', description: 'R11', actions: 'removeCallback' },
          DMA_FENCE_SET_ERROR: { guard: 'valid error', description: 'R6', actions: 'setError' },
          DMA_FENCE_SIGNAL: { target: 'signaled', description: 'R4: one-shot', actions: 'signal' },
          DMA_FENCE_PUBLISH: { guard: 'not published', actions: 'publish' },
          DMA_FENCE_SET_USER_BIT: { guard: 'bit clear', actions: 'setUserBit' },
          ...transitions(ops.unsignaled),
        },
      },
      signaled: {
        tags: ['signaled'],
        description: 'R5: final for the fence; SIGNAL here is refused (-EINVAL), ADD_CALLBACK too (-ENOENT)',
        on: {
          DMA_FENCE_PUBLISH: { guard: 'not published', actions: 'publish' },
          DMA_FENCE_SET_USER_BIT: { guard: 'bit clear', actions: 'setUserBit' },
          ...transitions(ops.whenSignaled),
        },
      },
    },
  });
  const info: FenceKindInfo = { kind: ops.kind, ...(ops.contained ? { contained: ops.contained } : {}) };
  Object.defineProperty(machine.config, OPS, { value: info, enumerable: false });
  return withView(machine, { fence: true, ...(ops.waitEdges ? { waitEdges: ops.waitEdges } : {}) });
}

/**
 * The plain dma_fence (hardware, scheduler, move, stub fences): no ops of its own but the stub's
 * (R17: dma_fence_allocate_private_stub sets SIGNALED at creation) and an optional lazy `onEnable`.
 */
export const dmaFenceOps = {
  signaled: (c: DmaFenceContext) => c.error === CREATED_SIGNALED,
  complete: (c: DmaFenceContext) => (c.error === CREATED_SIGNALED ? { error: 0 } : {}),
};

export const dmaFenceMachine = defineFenceKind<DmaFenceContext, never, DmaFenceInput>({
  kind: 'dma_fence',
  context: (input) => dmaFenceBaseContext(input),
  ...dmaFenceOps,
});

/** What the kernel returns for `ev` on this fence, given whether the model accepted it (R4, R6, R10, R11). */
export function dmaFenceErrno(c: DmaFenceContext, signaled: boolean, ev: DmaFenceEvent): number {
  switch (ev.type) {
    case 'DMA_FENCE_SIGNAL':
      return signaled ? EINVAL : 0;
    case 'DMA_FENCE_ADD_CALLBACK':
      return signaled ? ENOENT : 0;
    case 'DMA_FENCE_SET_ERROR':
      return signaled || !validFenceError(ev.error) ? EINVAL : 0;
    case 'DMA_FENCE_REMOVE_CALLBACK':
      return c.cbs.some((x) => x.to === ev.to) ? 1 : 0;
    default:
      return 0;
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

/** Is a DMA_FENCE_FLAG_USER_BITS bit set on this fence (test_bit)? */
export function dma_fence_test_user_bit(c: DmaFenceContext, bit: string): boolean {
  return (c.userBits ?? []).includes(bit);
}

/** R3 __dma_fence_is_later for 64-bit seqnos; different contexts are never ordered. */
export function isLater(a: DmaFenceContext, b: DmaFenceContext): boolean {
  return a.context === b.context && a.seqno > b.seqno;
}
