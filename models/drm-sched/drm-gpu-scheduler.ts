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
 *
 * Entity selection (the drm.sched_policy module parameter, sched_main.c): 'round-robin' is
 * drm_sched_rq_select_entity_rr, 'fifo' drm_sched_rq_select_entity_fifo; both read run-queue state
 * kept here as the kernel keeps it in struct drm_sched_rq (rq->entities, rq->current_entity, the
 * rb tree keyed by the head job's submit_ts). 'any' is the model's own default: any ready entity may
 * go next, a nondeterministic choice that over-approximates every kernel policy; it reads no
 * run-queue state, so it keeps no `rq` (and its worlds are those of a scheduler without policies).
 * Priorities: sched->sched_rq[] has `numRqs` run queues (drm_sched_init_args.num_rqs, default
 * DRM_SCHED_PRIORITY_COUNT = 4); drm_sched_entity_init clamps an entity's priority to num_rqs - 1
 * (sched_entity.c), so a scheduler with one run queue puts every entity on the same one.
 * Abstracted away: the free worker's separate timing (free happens with job_done); one `rq` record
 * serves every priority level (a policy's state is not split per level).
 *
 * Events: DRM_SCHED_PENDING_ADD {job}, DRM_SCHED_FREE_JOB {job}, DRM_SCHED_SET_POLICY {policy},
 *   DRM_SCHED_RQ_PUSH {entity, job} (drm_sched_entity_push_job), DRM_SCHED_RQ_SELECT {entity, job}
 *   (drm_sched_select_entity took this entity's head job).
 */
import { setup, assign } from 'xstate';

/** Entity selection policy: 'any' (model default, every order), or a kernel policy of drm.sched_policy. */
export type EntitySelection = 'any' | KernelPolicy;
type KernelPolicy = 'round-robin' | 'fifo';

/** struct drm_sched_rq, as far as a kernel policy reads it. */
export interface DrmSchedRq {
  /** drm.sched_policy (0444: fixed before the first job is pushed). */
  policy: KernelPolicy;
  /** round-robin: rq->entities, in drm_sched_rq_add_entity order (an entity joins at its first push). */
  entities: string[];
  /** round-robin: rq->current_entity, the entity selected last ('' = NULL). */
  currentEntity: string;
  /** fifo: queued jobs in submit_ts order (push order); an entity's key is its head job's submit_ts. */
  submitted: string[];
}

export interface DrmGpuSchedulerContext {
  /** always: the ring this scheduler feeds. */
  ring: string;
  /** always: false = MAX_SCHEDULE_TIMEOUT, TDR disabled (R98). */
  timeout: boolean;
  /** always: R95 credit_limit, counted in jobs. */
  creditLimit: number;
  /** always: jobs handed to the hardware and not yet freed, oldest first. */
  pending: string[];
  /** under a kernel policy: sched->sched_rq (one priority); absent under 'any', which reads none. */
  rq?: DrmSchedRq;
  /** always: num_rqs when fewer than the 4 priorities (absent: one run queue per priority). */
  numRqs?: number;
}

type E =
  | { type: 'DRM_SCHED_PENDING_ADD'; job: string }
  | { type: 'DRM_SCHED_FREE_JOB'; job: string }
  | { type: 'DRM_SCHED_SET_POLICY'; policy: KernelPolicy }
  | { type: 'DRM_SCHED_RQ_PUSH'; entity: string; job: string }
  | { type: 'DRM_SCHED_RQ_SELECT'; entity: string; job: string };

interface Input {
  ring: string;
  timeout: boolean;
  creditLimit: number;
  numRqs?: number;
}

/** drm_sched_entity_push_job: the first job adds the entity (drm_sched_rq_add_entity); FIFO keys by submit_ts. */
function rqPush(rq: DrmSchedRq, entity: string, job: string): DrmSchedRq {
  if (rq.policy === 'fifo') return { ...rq, submitted: [...rq.submitted, job] };
  return rq.entities.includes(entity) ? rq : { ...rq, entities: [...rq.entities, entity] };
}

/** drm_sched_select_entity took `entity`: RR moves current_entity; FIFO re-keys it by its next job (pop). */
function rqSelect(rq: DrmSchedRq, entity: string, job: string): DrmSchedRq {
  if (rq.policy === 'fifo') return { ...rq, submitted: rq.submitted.filter((j) => j !== job) };
  return { ...rq, currentEntity: entity };
}

export const drmGpuSchedulerMachine = setup({
  types: { context: {} as DrmGpuSchedulerContext, events: {} as E, input: {} as Input },
  guards: {
    'has credits': ({ context }) => context.pending.length < context.creditLimit,
    'job pending': ({ context, event }) => event.type === 'DRM_SCHED_FREE_JOB' && context.pending.includes(event.job),
    'nothing pushed yet': ({ context }) => context.pending.length === 0 && context.rq === undefined,
    'a kernel policy': ({ context }) => context.rq !== undefined,
  },
}).createMachine({
  id: 'drm_gpu_scheduler',
  context: ({ input }) => ({
    ring: input?.ring ?? '',
    timeout: input?.timeout ?? true,
    creditLimit: input?.creditLimit ?? 1,
    pending: [],
    ...(input?.numRqs !== undefined && input.numRqs < 4 ? { numRqs: input.numRqs } : {}),
  }),
  on: {
    DRM_SCHED_PENDING_ADD: {
      guard: 'has credits',
      description: 'R95 drm_sched_can_queue',
      actions: assign({ pending: ({ context, event }) => [...context.pending, event.job] }),
    },
    DRM_SCHED_FREE_JOB: {
      guard: 'job pending',
      description: 'R96',
      actions: assign({ pending: ({ context, event }) => context.pending.filter((j) => j !== event.job) }),
    },
    DRM_SCHED_SET_POLICY: {
      guard: 'nothing pushed yet',
      description: 'drm.sched_policy, read-only once loaded',
      actions: assign({
        rq: ({ event }) => ({ policy: event.policy, entities: [], currentEntity: '', submitted: [] }),
      }),
    },
    DRM_SCHED_RQ_PUSH: {
      guard: 'a kernel policy',
      description: 'drm_sched_entity_push_job: drm_sched_rq_add_entity, submit_ts',
      actions: assign({ rq: ({ context, event }) => context.rq && rqPush(context.rq, event.entity, event.job) }),
    },
    DRM_SCHED_RQ_SELECT: {
      guard: 'a kernel policy',
      description: 'drm_sched_rq_select_entity_rr / _fifo took this entity',
      actions: assign({ rq: ({ context, event }) => context.rq && rqSelect(context.rq, event.entity, event.job) }),
    },
  },
});
