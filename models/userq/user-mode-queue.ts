/**
 * user_mode_queue — a user-mode (direct-to-firmware) queue: amdgpu user queues (amdgpu_userq.c,
 * amdgpu_userq_fence.c, amdgpu_eviction_fence.c); seed 001 "Intel has plans for a direct-to-firmware
 * submit model: kernel still manages memory; userspace submits batches directly to firmware".
 *
 * Contract (kernel-sync-semantics.md §1.12-1.13, I20, I23, H13):
 * - R122 the queue has a fence driver: a seq64 word the GPU writes (rptr) and pending dma_fences with
 *        seqno = wptr at creation; a fence is signaled iff rptr >= seqno, in order.
 * - R123 amdgpu_userq_signal_ioctl creates such a fence (GFP_ATOMIC) and sets last_fence; it goes into
 *        BO resvs as READ/WRITE: a dma_fence whose completion depends on user-controlled progress.
 * - R124 admissible only if bounded: the queue is preemptible through the eviction fence, and (hang
 *        detection) a timer of Tq starts **when the fence is created**, then detect, reset and
 *        force-complete with an error. `hangDetect` switches that on.
 * - R115 the eviction fence's suspend work waits for the queue's last_fence, unmaps the queue, signals;
 *        the restore worker maps it again.
 * - I23 every userq fence is S within Tq + Trst of its creation.
 *
 * Models: doorbell submission (the kernel never sees batches; userspace writes the ring and rings the
 * doorbell), batches with an optional GPU wait on a user memory fence and an optional store at their
 * end, the fence driver, map/unmap, hang and reset. `timers` are the hang-detect timers running, one per
 * fence, started at creation (R124). Abstracted away: MQD/doorbell BO contents, the MES firmware's
 * scheduling (the explorer tries every order), the 100 ms per-fence bail-out of the snapshot (H13 is
 * modelled as its no-hang-detect outcome: the wait never ends), queue priorities.
 *
 * Events: USERQ_DOORBELL {batch} (userspace), USERQ_SIGNAL {fence} (signal ioctl), USERQ_ATTACH_EVF
 *   {fence} (amdgpu_userq_ensure_ev_fence, restore worker), USERQ_EXEC (GPU),
 *   USERQ_UNMAP / USERQ_MAP (suspend / restore work), USERQ_HANG (fault), USERQ_RESET {by, error}
 *   (hang detect, or the process died).
 */
import { setup, assign, enqueueActions } from 'xstate';
import type { World } from '../world.ts';
import { deliver } from '../world.ts';
import { withView, type Edge } from '../view.ts';
import { umfReached } from './user-memory-fence.ts';
import type { Batch } from '../gpu/gpu-context.ts';

interface UserqFence {
  fence: string;
  seq: number;
}

export interface UserModeQueueContext {
  /** always: owning process and the BOs its batches touch. */
  proc: string;
  bos: string[];
  /** always: R124 hang detection on (a timer per fence, from creation). */
  hangDetect: boolean;
  /** always: batches rung in and not executed (the ring between rptr and wptr). */
  batches: Batch[];
  /** always: R122 write pointer (batches rung in) and the seq64 word the GPU writes (batches done). */
  wptr: number;
  rptr: number;
  /** always: R122 pending userq fences, oldest first. */
  fences: UserqFence[];
  /** always: R123 last_fence ('' = none). */
  lastFence: string;
  /** always: R114 the process's current eviction fence ('' = none); its suspend work waits on last_fence (R115). */
  evictionFence: string;
  /** always: R124 hang-detect timers running (fence ids). */
  timers: string[];
  /** banned: who reset it, with which error. */
  killedBy: string;
  error: number;
}

type E =
  | { type: 'USERQ_DOORBELL'; batch: Batch }
  | { type: 'USERQ_SIGNAL'; fence: string }
  | { type: 'USERQ_ATTACH_EVF'; fence: string }
  | { type: 'USERQ_EXEC' }
  | { type: 'USERQ_UNMAP' }
  | { type: 'USERQ_MAP' }
  | { type: 'USERQ_HANG' }
  | { type: 'USERQ_RESET'; by: string; error: number };

export const userModeQueueMachine = setup({
  types: {
    context: {} as UserModeQueueContext,
    events: {} as E,
    input: {} as { proc?: string; bos?: string[]; hangDetect?: boolean },
  },
  guards: { 'has a batch': ({ context }) => context.batches.length > 0 },
  actions: {
    deliver: (_, _p: unknown) => {},
    doorbell: assign(({ context, event }) =>
      event.type === 'USERQ_DOORBELL' ? { batches: [...context.batches, event.batch], wptr: context.wptr + 1 } : {},
    ),
    /** R122, R123, R124: a fence for the current wptr; its hang timer starts now. */
    createFence: assign(({ context, event }) =>
      event.type === 'USERQ_SIGNAL'
        ? {
            fences: [...context.fences, { fence: event.fence, seq: context.wptr }],
            lastFence: event.fence,
            timers: context.hangDetect ? [...context.timers, event.fence] : context.timers,
          }
        : {},
    ),
    /** R122: the GPU finished the head batch: its store lands, rptr advances, fences <= rptr signal. */
    execHead: enqueueActions(({ context, enqueue }) => {
      const b = context.batches[0];
      const rptr = context.rptr + 1;
      const done = context.fences.filter((f) => f.seq <= rptr);
      enqueue.assign({
        batches: context.batches.slice(1),
        rptr,
        fences: context.fences.filter((f) => f.seq > rptr),
        timers: context.timers.filter((t) => !done.some((f) => f.fence === t)),
      });
      if (b.writeUmf) enqueue(deliver(b.writeUmf, { type: 'UMF_WRITE', value: b.writeValue }));
      for (const f of done) enqueue(deliver(f.fence, { type: 'DMA_FENCE_SIGNAL' }));
    }),
    /** R124, I23: reset: force-complete every pending fence with the error. */
    reset: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'USERQ_RESET') return;
      for (const f of context.fences) {
        enqueue(deliver(f.fence, { type: 'DMA_FENCE_SET_ERROR', error: event.error }));
        enqueue(deliver(f.fence, { type: 'DMA_FENCE_SIGNAL' }));
      }
      enqueue.assign({ fences: [], timers: [], batches: [], killedBy: event.by, error: event.error });
    }),
  },
}).createMachine({
  id: 'user_mode_queue',
  context: ({ input }) => ({
    proc: input?.proc ?? '',
    bos: input?.bos ?? [],
    hangDetect: input?.hangDetect ?? false,
    batches: [],
    wptr: 0,
    rptr: 0,
    fences: [],
    lastFence: '',
    evictionFence: '',
    timers: [],
    killedBy: '',
    error: 0,
  }),
  initial: 'mapped',
  on: {
    USERQ_DOORBELL: {
      description: 'userspace writes the ring and rings the doorbell; the kernel sees nothing',
      actions: 'doorbell',
    },
    USERQ_SIGNAL: { description: 'R123', actions: 'createFence' },
    USERQ_ATTACH_EVF: {
      description: 'R114, R117: the eviction fence the queue runs under',
      actions: assign({ evictionFence: ({ event }) => event.fence }),
    },
    USERQ_RESET: { target: '.banned', description: 'R124: detect and reset, force completion', actions: 'reset' },
  },
  states: {
    mapped: {
      tags: ['accessing'],
      on: {
        USERQ_EXEC: {
          guard: 'has a batch',
          description: 'R122: the GPU runs the head batch and writes rptr',
          actions: 'execHead',
        },
        USERQ_UNMAP: {
          target: 'unmapped',
          description: 'R115 (2): the suspend work unmaps the queue (bounded: preemption)',
        },
        USERQ_HANG: { target: 'hung' },
      },
    },
    unmapped: {
      on: { USERQ_MAP: { target: 'mapped', description: 'R115 (4): the restore worker maps it again' } },
    },
    hung: { tags: ['accessing', 'hung'] },
    banned: {
      tags: ['killed'],
      on: { USERQ_DOORBELL: {}, USERQ_SIGNAL: {}, USERQ_RESET: {} },
    },
  },
});

/** The head batch's GPU compare holds (or it has none). */
export function userqHeadRunnable(w: World, c: UserModeQueueContext): boolean {
  const b = c.batches[0];
  return !!b && (!b.waitUmf || umfReached(w, b.waitUmf, b.waitValue));
}

// R122: each pending fence waits on the queue's progress; the queue's head waits on its UMF compare;
// R115: the eviction fence waits on the last fence.
withView(userModeQueueMachine, {
  waitEdges: (id, c: UserModeQueueContext, w, value) => {
    if (value === 'banned') return [];
    const out: Edge[] = c.fences.map(
      (f): Edge => [f.fence, id, `${f.fence} signals when ${id}'s rptr reaches ${f.seq} (R122)`],
    );
    const b = c.batches[0];
    if (b?.waitUmf && !umfReached(w, b.waitUmf, b.waitValue))
      out.push([id, b.waitUmf, `${id} spins on ${b.waitUmf} >= ${b.waitValue} (GPU compare)`]);
    if (c.evictionFence && c.lastFence && c.fences.some((f) => f.fence === c.lastFence))
      out.push([
        c.evictionFence,
        c.lastFence,
        `${c.evictionFence}'s suspend work waits for ${id}'s last_fence (R115 (1))`,
      ]);
    return out;
  },
});
