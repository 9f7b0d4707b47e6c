/**
 * drm_gpu_scheduler — one per hardware ring (sched_main.c).
 *
 * - R95 run_job is gated by credits (`creditLimit` jobs on the hardware at once) and appends the job
 *       to pending_list.
 * - R96 free_job removes a finished job from pending_list.
 * - R98 the TDR timer is armed whenever pending_list is non-empty and the timeout is finite; jobs still
 *       waiting on dependencies are covered by no timer.
 * - R99-R102 on timeout the driver stops the scheduler, resets, and restarts it.
 *
 * `timeout: false` is MAX_SCHEDULE_TIMEOUT: TDR never fires (the single-fifo-no-tdr design).
 * Abstracted away: priorities and run-queue selection policy (the explorer tries every entity order,
 * which covers every policy), the free worker's separate timing (free happens with job_done).
 *
 * Events: DRM_SCHED_PENDING_ADD {job}, DRM_SCHED_FREE_JOB {job}.
 */
import { setup, assign } from 'xstate';

export interface DrmGpuSchedulerContext {
  /** always: the ring this scheduler feeds. */
  ring: string;
  /** always: false = MAX_SCHEDULE_TIMEOUT, TDR disabled (R98). */
  timeout: boolean;
  /** always: R95 credit_limit, counted in jobs. */
  creditLimit: number;
  /** always: jobs handed to the hardware and not yet freed, oldest first. */
  pending: string[];
}

type E = { type: 'DRM_SCHED_PENDING_ADD'; job: string } | { type: 'DRM_SCHED_FREE_JOB'; job: string };

export const drmGpuSchedulerMachine = setup({
  types: { context: {} as DrmGpuSchedulerContext, events: {} as E, input: {} as { ring: string; timeout: boolean; creditLimit: number } },
  guards: {
    'has credits': ({ context }) => context.pending.length < context.creditLimit,
    'job pending': ({ context, event }) => context.pending.includes((event as { job: string }).job),
  },
}).createMachine({
  id: 'drm_gpu_scheduler',
  context: ({ input }) => ({ ring: input?.ring ?? '', timeout: input?.timeout ?? true, creditLimit: input?.creditLimit ?? 1, pending: [] }),
  on: {
    DRM_SCHED_PENDING_ADD: { guard: 'has credits', description: 'R95', actions: assign({ pending: ({ context, event }) => [...context.pending, event.job] }) },
    DRM_SCHED_FREE_JOB: { guard: 'job pending', description: 'R96', actions: assign({ pending: ({ context, event }) => context.pending.filter((j) => j !== event.job) }) },
  },
});
