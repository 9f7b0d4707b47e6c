/**
 * kthread — a kernel thread running work that may be on a fence's signalling path: the scheduler's
 * run_job work, an IRQ completion handler, the TDR/reset handler, preempt-fence work, eviction-suspend
 * work, a GPU page-fault handler (dma-fence.c "fence signalling annotation", lockdep priming in
 * dma-resv.c `dma_resv_lockdep`).
 *
 * Contract (kernel-sync-semantics.md §1.2, I11):
 * - R22 code needed to reach dma_fence_signal runs inside dma_fence_begin/end_signalling; sections nest.
 * - R23 anyone may dma_fence_wait holding a dma_resv lock; this means a signalling section must never
 *       take a dma_resv lock.
 * - R24 shrinkers may dma_fence_wait; this means a signalling section must never allocate GFP_KERNEL.
 * - R25 mmu notifiers may dma_fence_wait; this means not GFP_NOFS/GFP_NOIO either, only GFP_ATOMIC.
 * - R29 a dma_fence_wait inside a section is a lock cycle to lockdep.
 * - H3, H4, H14 the historical bugs of each kind.
 *
 * Models: `sigFor` (the fences this thread is on the signalling path of: begin_signalling depth is its
 * length), held locks, and what it blocks on. A GFP_KERNEL/NOFS/NOIO allocation under memory pressure
 * enters direct reclaim, where a shrinker picks a busy BO and waits on one of its fences (R24): the
 * thread is then `blocked` in reclaim. GFP_ATOMIC never reclaims (it may fail; the caller copes).
 * Locks are mutexes named by the kernel's field ('resv:bo0', 'vm0->lock', 'proc0 userq_mutex'): one
 * holder at a time across all kthreads; `mutex_lock` blocks the caller (waitingOn = the lock) while
 * another thread holds it, and `mutex_unlock` hands it to the first waiter (kernel/locking/mutex.c
 * __mutex_unlock_slowpath wakes the first waiter). Abstracted away: interrupt context vs process context
 * (both are signalling paths), lockdep's class graph (I11's fourth clause: a lock is named;
 * properties/signalling-section-discipline judges it), lock fairness beyond FIFO hand-off.
 *
 * Events: KTHREAD_WORK {work, sigFor} (dma_fence_begin_signalling when sigFor is not empty),
 *   KTHREAD_LOCK {lock}, KTHREAD_UNLOCK {lock}, KTHREAD_ALLOC {gfp, reclaimWaits} (reclaimWaits = the
 *   fence the shrinker waits on, '' when there is no memory pressure), KTHREAD_WAIT {on},
 *   KTHREAD_WAKE {fence} (the fence it blocked on signaled), KTHREAD_DONE (end_signalling).
 */
import { setup, assign } from 'xstate';
import { withView, type Edge } from '../view.ts';
import { ctx, idsOf, must, stateOf, type World } from '../world.ts';

const GFP = ['GFP_ATOMIC', 'GFP_NOWAIT', 'GFP_KERNEL', 'GFP_NOFS', 'GFP_NOIO'] as const;
export type Gfp = (typeof GFP)[number];
/** R24, R25: these may enter direct reclaim (and so wait on fences). */
const mayReclaim = (g: Gfp): boolean => g === 'GFP_KERNEL' || g === 'GFP_NOFS' || g === 'GFP_NOIO';

export interface KthreadContext {
  /** running, blocked: the work item ('run_job proc0.j0', 'page fault ctx1'). */
  work: string;
  /** running, blocked: fences this work must finish before they can signal (begin_signalling, R22). */
  sigFor: string[];
  /** running, blocked: held locks ('resv:bo0', 'vm->lock'). */
  locks: string[];
  /** blocked: the fence (or lock) it waits on. */
  waitingOn: string;
  /** blocked: the wait is the shrinker's, inside a reclaiming allocation (R24). */
  reclaim: string;
}

type E =
  | { type: 'KTHREAD_WORK'; work: string; sigFor: string[] }
  | { type: 'KTHREAD_LOCK'; lock: string }
  | { type: 'KTHREAD_UNLOCK'; lock: string }
  | { type: 'KTHREAD_ALLOC'; gfp: Gfp; reclaimWaits: string }
  | { type: 'KTHREAD_WAIT'; on: string }
  | { type: 'KTHREAD_WAKE'; fence?: string }
  | { type: 'KTHREAD_DONE' };

export const kthreadMachine = setup({
  types: { context: {} as KthreadContext, events: {} as E },
  guards: {
    'enters reclaim': ({ event }) =>
      event.type === 'KTHREAD_ALLOC' && mayReclaim(event.gfp) && event.reclaimWaits !== '',
    'holds it': ({ context, event }) => event.type === 'KTHREAD_UNLOCK' && context.locks.includes(event.lock),
    'lock free here': ({ context, event }) => event.type === 'KTHREAD_LOCK' && !context.locks.includes(event.lock),
  },
}).createMachine({
  id: 'kthread',
  context: () => ({ work: '', sigFor: [], locks: [], waitingOn: '', reclaim: '' }),
  initial: 'idle',
  states: {
    idle: {
      on: {
        KTHREAD_WORK: {
          target: 'running',
          description: 'R22: dma_fence_begin_signalling for each fence in sigFor',
          actions: assign(({ event }) => ({ work: event.work, sigFor: event.sigFor })),
        },
      },
    },
    running: {
      tags: ['busy'],
      on: {
        KTHREAD_LOCK: {
          guard: 'lock free here',
          actions: assign({ locks: ({ context, event }) => [...context.locks, event.lock] }),
        },
        KTHREAD_UNLOCK: {
          guard: 'holds it',
          actions: assign({ locks: ({ context, event }) => context.locks.filter((l) => l !== event.lock) }),
        },
        KTHREAD_ALLOC: [
          {
            guard: 'enters reclaim',
            target: 'blocked',
            description: 'R24: direct reclaim; a shrinker waits on a busy BO fence',
            actions: assign({ waitingOn: ({ event }) => event.reclaimWaits, reclaim: ({ event }) => event.gfp }),
          },
          // the assign keeps the step visible: an identical snapshot would read as "refused"
          { description: 'no reclaim (GFP_ATOMIC, or no memory pressure)', actions: assign({ reclaim: '' }) },
        ],
        KTHREAD_WAIT: {
          target: 'blocked',
          description: 'R12 dma_fence_wait (R29: a lock cycle inside a section)',
          actions: assign({ waitingOn: ({ event }) => event.on }),
        },
        KTHREAD_DONE: {
          target: 'idle',
          description: 'R22: dma_fence_end_signalling',
          actions: assign({ work: '', sigFor: [], locks: [] }),
        },
      },
    },
    blocked: {
      tags: ['busy', 'blocked'],
      on: {
        KTHREAD_WAKE: { target: 'running', actions: assign({ waitingOn: '', reclaim: '' }) },
        // mutex hand-off (mutex.c): the unlocker gives the lock to its first waiter, which runs on holding it
        KTHREAD_LOCK: {
          guard: 'lock free here',
          target: 'running',
          actions: assign({
            locks: ({ context, event }) => [...context.locks, event.lock],
            waitingOn: '',
            reclaim: '',
          }),
        },
      },
    },
  },
});

/** The kthread holding `lock`, or undefined (one holder at a time: the mutex's owner field). */
export function mutexOwner(w: World, lock: string): string | undefined {
  return idsOf(w, 'kthread').find((t) => ctx<KthreadContext>(w, t).locks.includes(lock));
}

/** Threads blocked on `lock`, oldest first by id (the mutex wait list, FIFO abstracted to id order). */
const mutexWaiters = (w: World, lock: string): string[] =>
  idsOf(w, 'kthread').filter((t) => stateOf(w, t) === 'blocked' && ctx<KthreadContext>(w, t).waitingOn === lock);

/**
 * mutex_lock(lock) by kthread `t` (running): take it if free, else block on it (waitingOn = the lock).
 * Kernel: kernel/locking/mutex.c mutex_lock -> __mutex_lock_slowpath (sleeps until handed the lock).
 */
export function mutex_lock(w: World, t: string, lock: string): World {
  const owner = mutexOwner(w, lock);
  if (owner === undefined) return must(w, t, { type: 'KTHREAD_LOCK', lock });
  return must(w, t, { type: 'KTHREAD_WAIT', on: lock });
}

/** mutex_unlock(lock) by `t`: release it and hand it to the first waiter, which then holds it. */
export function mutex_unlock(w: World, t: string, lock: string): World {
  w = must(w, t, { type: 'KTHREAD_UNLOCK', lock });
  const next = mutexWaiters(w, lock)[0];
  return next === undefined ? w : must(w, next, { type: 'KTHREAD_LOCK', lock });
}

// R22: the fences this thread signals wait on it; it waits on what it blocks on; a lock waits on its holder.
withView(kthreadMachine, {
  waitEdges: (id, c: KthreadContext, _w, value) => {
    if (value === 'idle') return [];
    const out: Edge[] = c.sigFor.map((f): Edge => [f, id, `${f} is signalled by ${id} (${c.work}) (R22)`]);
    for (const l of c.locks) out.push([l, id, `${l} is held by ${id} (${c.work})`]);
    if (value === 'blocked')
      out.push([
        id,
        c.waitingOn,
        c.reclaim
          ? `${id} reclaims (${c.reclaim}); the shrinker waits on ${c.waitingOn} (R24)`
          : `${id} waits on ${c.waitingOn}`,
      ]);
    return out;
  },
});
