/**
 * io_uring for DRM — seed 003 (Liviu Dudau, "io_uring for DRM", XDC): one io_uring instance per DRM fd,
 * with a submission queue (SQ), a kernel SQ thread and a completion queue (CQ).
 *
 * Contract (seed 003; kernel-sync-semantics.md R89-R96 for the job it wraps):
 * - a submission queue entry only carries pointers to buffers and fences ("should eliminate kernel
 *   copies of the submission"); it names the fences its job waits on, which exist by the time the
 *   entry is consumed because entries are consumed in order.
 * - the SQ thread (one per fd) consumes entries strictly in order and turns each into an ordinary DRM
 *   job submission ("rest of the DRM submission path stays the same"): drm_sched_job_init/arm/push.
 * - "fence signalling stays in the kernel": a completion entry is posted when the job finishes,
 *   i.e. from the job's finished fence's callback, with the fence's error as `res`; this means a
 *   completion entry never precedes its fence's signal.
 * - "kernel thread runs submission jobs in order, but they can complete in any order": the CQ holds
 *   entries in posting order, which may differ from submission order.
 *
 * Models: the SQ (entries submitted by io_uring_enter, in order), what the SQ thread consumed, the
 * in-flight entries, the CQ and the entries userspace has reaped. The CQ may hold more than its size:
 * the entries past it are the overflow list, whose allocation the poster makes (io-uring-drm.ts).
 * Abstracted away (why that is sound): SQ ring size (no property reads it), SQPOLL wake-ups (the thread is an explicit
 * kernel
 * step), registered buffers and the "interesting" non-DRM opcodes the seed worries about.
 *
 * Events: IO_URING_ENTER {sqe} (userspace submits one entry), IO_SQ_THREAD_CONSUME (the SQ thread
 *   takes the head entry and submits its job, models/io-uring/io-uring-drm.ts),
 *   IO_URING_CQE_POST {user_data} (completion; from the fence callback), IO_URING_CQE_QUEUE {user_data}
 *   (the fence callback hands the completion to a poster thread), IO_URING_CQE_SEEN (userspace reaps the
 *   CQ head).
 */
import { setup, assign } from 'xstate';
import { withView } from '../view.ts';

/** A type, not an interface, so that it is plain JSON and travels in IO_URING_ENTER as it is. */
export type IoUringSqe = {
  /** the entry's user_data, echoed in its CQE. */
  user_data: string;
  /** the drm scheduler (GPU queue) the job goes to. */
  sched: string;
  /** pointers to the fences the job waits on (in-fences). */
  in: string[];
  /** pointers to the buffers the job uses (never copied). */
  bos: string[];
};

/** struct io_uring_cqe (flags not modelled); the fence it reports is the job's, named from user_data. */
interface IoUringCqe {
  user_data: string;
  /** 0 or the job fence's error. */
  res: number;
}

export interface IoUringContext {
  /** always: entries submitted by io_uring_enter and not yet consumed, in order. */
  sq: IoUringSqe[];
  /** always: entries consumed by the SQ thread so far. */
  consumed: number;
  /** always: user_data of the consumed entries whose completion is not posted yet. */
  inflight: string[];
  /** always: posted completions not yet reaped, in posting order. */
  cq: IoUringCqe[];
  /** always: entries whose fence signalled and whose CQE the completion path has still to post, in order. */
  completing: string[];
  /** always: completions userspace has reaped, in order. */
  reaped: IoUringCqe[];
}

type E =
  | { type: 'IO_URING_ENTER'; sqe: IoUringSqe }
  | { type: 'IO_SQ_THREAD_CONSUME' }
  | { type: 'IO_URING_CQE_POST'; user_data: string; fenceError?: number }
  | { type: 'IO_URING_CQE_QUEUE'; user_data: string }
  | { type: 'IO_URING_CQE_SEEN' };

export const ioUringMachine = setup({
  types: { context: {} as IoUringContext, events: {} as E },
  guards: {
    'sq not empty': ({ context }) => context.sq.length > 0,
    'in flight': ({ context, event }) =>
      event.type === 'IO_URING_CQE_POST' && context.inflight.includes(event.user_data),
    'cq not empty': ({ context }) => context.cq.length > 0,
    'in flight, not queued': ({ context, event }) =>
      event.type === 'IO_URING_CQE_QUEUE' &&
      context.inflight.includes(event.user_data) &&
      !context.completing.includes(event.user_data),
  },
}).createMachine({
  id: 'io_uring',
  context: () => ({ sq: [], consumed: 0, inflight: [], cq: [], reaped: [], completing: [] }),
  on: {
    IO_URING_ENTER: {
      description: 'seed 003: the entry only carries pointers',
      actions: assign({ sq: ({ context, event }) => [...context.sq, event.sqe] }),
    },
    IO_SQ_THREAD_CONSUME: {
      guard: 'sq not empty',
      description: 'seed 003: the kernel thread consumes entries in order',
      actions: assign(({ context }) => ({
        sq: context.sq.slice(1),
        consumed: context.consumed + 1,
        inflight: [...context.inflight, context.sq[0].user_data],
      })),
    },
    IO_URING_CQE_POST: {
      guard: 'in flight',
      description: 'seed 003: completions in any order',
      actions: assign(({ context, event }) => ({
        inflight: context.inflight.filter((u) => u !== event.user_data),
        completing: context.completing.filter((u) => u !== event.user_data),
        cq: [...context.cq, { user_data: event.user_data, res: event.fenceError ?? 0 }],
      })),
    },
    IO_URING_CQE_QUEUE: {
      guard: 'in flight, not queued',
      description: 'the fence callback hands the completion to the CQE poster (inline or task_work)',
      actions: assign({ completing: ({ context, event }) => [...context.completing, event.user_data] }),
    },
    IO_URING_CQE_SEEN: {
      guard: 'cq not empty',
      actions: assign(({ context }) => ({ cq: context.cq.slice(1), reaped: [...context.reaped, context.cq[0]] })),
    },
  },
});

// Completions are not waits: the ring adds no wait-for edge (the job's own edges are the scheduler's).
withView(ioUringMachine, {});
