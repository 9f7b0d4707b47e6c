/**
 * drm_sched_job — drivers/gpu/drm/scheduler/sched_main.c, sched_entity.c, sched_fence.c.
 *
 * Lifecycle (R89-R96): init -> armed -> queued -> running -> done.
 * - R89 drm_sched_job_init: no fence exists yet.
 * - R90 drm_sched_job_arm: the scheduled and finished fences are initialized; this is the point of no
 *       return: the job must be pushed, and the finished fence may be published from here on.
 * - R91 drm_sched_job_add_dependency: same-context dependencies keep only the later fence.
 * - R92 drm_sched_entity_push_job: the job joins its entity's queue.
 * - R93 the job waits for each dependency (a callback on it) before it may run.
 * - R94 a job of a guilty entity gets -ECANCELED and run_job returns no hardware fence.
 * - R95 run_job: the hardware fence becomes the parent, then `scheduled` signals; the parent's
 *       callback completes the job.
 * - R96 drm_sched_job_done: `finished` signals, with the result as error if non-zero; free_job.
 * - R101/R102 reset: drm_sched_stop detaches the parent; drm_sched_start completes the job with an error.
 *
 * Events: DRM_SCHED_JOB_ADD_DEPENDENCY {fence}, DRM_SCHED_JOB_ARM {scheduled, finished},
 *   DRM_SCHED_ENTITY_PUSH_JOB, DRM_SCHED_DEP_SIGNALED {fence} (dependency callback),
 *   DRM_SCHED_RUN_JOB {parent, error} (scheduler), DRM_SCHED_PARENT_SIGNALED (hw fence callback),
 *   DRM_SCHED_JOB_DETACH_PARENT (drm_sched_stop), DRM_SCHED_JOB_DONE {error} (drm_sched_start).
 */
import { setup, assign, enqueueActions } from 'xstate';
import { deliver } from '../world.ts';
import { withView, type Edge } from '../view.ts';

export interface DrmSchedJobContext {
  /** always: this job's id, its entity and scheduler. */
  id: string;
  entity: string;
  sched: string;
  /** init..queued: dependencies not yet signaled (R91, R93). */
  deps: string[];
  /** armed..: R90 the scheduler fences ('' before arm). */
  scheduled: string;
  finished: string;
  /** running: R95 the hardware fence ('' when run_job returned none, or after drm_sched_stop). */
  parent: string;
  /** done: the result the finished fence carried (0 or -errno). */
  result: number;
}

type E =
  | { type: 'DRM_SCHED_JOB_ADD_DEPENDENCY'; fence: string }
  | { type: 'DRM_SCHED_JOB_ARM'; scheduled: string; finished: string }
  | { type: 'DRM_SCHED_ENTITY_PUSH_JOB' }
  | { type: 'DRM_SCHED_DEP_SIGNALED'; fence: string }
  | { type: 'DRM_SCHED_RUN_JOB'; parent: string; error: number }
  | { type: 'DRM_SCHED_PARENT_SIGNALED'; fenceError: number }
  | { type: 'DRM_SCHED_JOB_DETACH_PARENT' }
  | { type: 'DRM_SCHED_JOB_DONE'; error: number };

export const drmSchedJobMachine = setup({
  types: {
    context: {} as DrmSchedJobContext,
    events: {} as E,
    input: {} as { id: string; entity: string; sched: string },
  },
  guards: {
    'no pending dependencies': ({ context }) => context.deps.length === 0,
    'is a pending dependency': ({ context, event }) =>
      event.type === 'DRM_SCHED_DEP_SIGNALED' && context.deps.includes(event.fence),
    'run_job returned no fence': ({ event }) => event.type === 'DRM_SCHED_RUN_JOB' && event.parent === '',
    'parent attached': ({ context }) => context.parent !== '',
    'parent detached': ({ context }) => context.parent === '',
  },
  actions: {
    deliver: (_, _p: unknown) => {},
    /** R96: finished signals with the result as its error, then free_job. */
    finish: enqueueActions(({ context, enqueue }, p: { error: number }) => {
      enqueue.assign({ result: p.error, parent: '' });
      if (p.error) enqueue(deliver(context.finished, { type: 'DMA_FENCE_SET_ERROR', error: p.error }));
      enqueue(deliver(context.finished, { type: 'DMA_FENCE_SIGNAL' }));
      enqueue(deliver(context.sched, { type: 'DRM_SCHED_FREE_JOB', job: context.id }));
    }),
  },
}).createMachine({
  id: 'drm_sched_job',
  context: ({ input }) => ({
    id: input?.id ?? '',
    entity: input?.entity ?? '',
    sched: input?.sched ?? '',
    deps: [],
    scheduled: '',
    finished: '',
    parent: '',
    result: 0,
  }),
  initial: 'init',
  on: {
    DRM_SCHED_DEP_SIGNALED: {
      guard: 'is a pending dependency',
      actions: assign({ deps: ({ context, event }) => context.deps.filter((d) => d !== event.fence) }),
    },
  },
  states: {
    init: {
      on: {
        DRM_SCHED_JOB_ADD_DEPENDENCY: {
          description: 'R91',
          actions: assign({ deps: ({ context, event }) => [...context.deps, event.fence] }),
        },
        DRM_SCHED_JOB_ARM: {
          target: 'armed',
          description: 'R90',
          actions: assign({ scheduled: ({ event }) => event.scheduled, finished: ({ event }) => event.finished }),
        },
      },
    },
    armed: {
      on: {
        // R93: prepare_job may still add dependencies after arm (I8 watches these).
        DRM_SCHED_JOB_ADD_DEPENDENCY: {
          actions: assign({ deps: ({ context, event }) => [...context.deps, event.fence] }),
        },
        DRM_SCHED_ENTITY_PUSH_JOB: { target: 'queued', description: 'R92' },
      },
    },
    queued: {
      on: {
        DRM_SCHED_RUN_JOB: [
          {
            guard: 'run_job returned no fence',
            target: 'done',
            description: 'R95: NULL from run_job completes the job at once (R94 guilty jobs)',
            actions: [
              enqueueActions(({ context, enqueue }) =>
                enqueue(deliver(context.scheduled, { type: 'DMA_FENCE_SIGNAL' })),
              ),
              { type: 'finish', params: ({ event }) => ({ error: event.error }) },
            ],
          },
          {
            guard: 'no pending dependencies',
            target: 'running',
            description: 'R95: parent first, then scheduled signals',
            actions: [
              assign({ parent: ({ event }) => event.parent }),
              enqueueActions(({ context, enqueue, event }) => {
                enqueue(deliver(context.scheduled, { type: 'DMA_FENCE_SIGNAL' }));
                const parent = event.parent;
                enqueue(
                  deliver(parent, {
                    type: 'DMA_FENCE_ADD_CALLBACK',
                    cb: { to: context.id, ev: { type: 'DRM_SCHED_PARENT_SIGNALED' } },
                  }),
                );
              }),
            ],
          },
        ],
      },
    },
    running: {
      tags: ['on-hardware'],
      on: {
        DRM_SCHED_PARENT_SIGNALED: {
          guard: 'parent attached',
          target: 'done',
          actions: { type: 'finish', params: ({ event }) => ({ error: event.fenceError }) },
        },
        DRM_SCHED_JOB_DETACH_PARENT: {
          guard: 'parent attached',
          description: 'R101 drm_sched_stop',
          actions: assign({ parent: '' }),
        },
        DRM_SCHED_JOB_DONE: {
          guard: 'parent detached',
          target: 'done',
          description: 'R102 drm_sched_start',
          actions: { type: 'finish', params: ({ event }) => ({ error: event.error }) },
        },
      },
    },
    done: { tags: ['done'] },
  },
});

withView(drmSchedJobMachine, {
  waitEdges: (id, c: DrmSchedJobContext, _w, value) => {
    if (value === 'done' || value === 'init') return [];
    const out: Edge[] = [];
    for (const d of c.deps) {
      out.push([c.finished, d, `${id} depends on ${d} (R93)`]);
      out.push([c.scheduled, d, `${id} runs after ${d} (R93)`]);
    }
    if (c.parent) out.push([c.finished, c.parent, `${id} finishes when its hardware fence does (R95)`]);
    return out;
  },
});
