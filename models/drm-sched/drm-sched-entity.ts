/**
 * drm_sched_entity — a submission context feeding one scheduler (sched_entity.c).
 *
 * - R90 each entity has two fence contexts (scheduled = ctx, finished = ctx + 1) and a seqno that arm
 *       increments; arm and push are serialized, so queue order equals seqno order.
 * - R97 jobs of one entity are popped in push order.
 * - R94 a guilty entity's later jobs are cancelled; R103 karma marks the entity guilty.
 * - drm_sched_entity_init(entity, priority, ...): the entity joins the run queue of its priority
 *   (enum drm_sched_priority: KERNEL > HIGH > NORMAL > LOW; gpu_scheduler.h); absent = NORMAL.
 *
 * Events: DRM_SCHED_ENTITY_ARM, DRM_SCHED_ENTITY_PUSH {job}, DRM_SCHED_ENTITY_POP,
 *         DRM_SCHED_ENTITY_SET_GUILTY.
 */
import { setup, assign } from 'xstate';
import { withView, type Edge } from '../view.ts';
import type { World } from '../world.ts';
import { ctx } from '../world.ts';
import type { DrmSchedJobContext } from './drm-sched-job.ts';

/** enum drm_sched_priority, highest first (drm_sched_select_entity walks the run queues in this order). */
export const DRM_SCHED_PRIORITIES = ['KERNEL', 'HIGH', 'NORMAL', 'LOW'] as const;
export type DrmSchedPriority = (typeof DRM_SCHED_PRIORITIES)[number];

export interface DrmSchedEntityContext {
  /** always: R90 fence_context (scheduled), +1 for finished. */
  fenceContext: number;
  /** always: last seqno handed out by arm. */
  fenceSeq: number;
  /** always: pushed jobs not yet popped by the scheduler, oldest first. */
  queue: string[];
  /** always: the last popped job (R94 last_scheduled), '' if none. */
  lastScheduled: string;
  /** always: R103 set when one of its jobs hung. */
  guilty: boolean;
  /** always: its run queue; absent = NORMAL (kept absent so worlds without priorities are unchanged). */
  priority?: DrmSchedPriority;
}

type E =
  | { type: 'DRM_SCHED_ENTITY_ARM' }
  | { type: 'DRM_SCHED_ENTITY_PUSH'; job: string }
  | { type: 'DRM_SCHED_ENTITY_POP' }
  | { type: 'DRM_SCHED_ENTITY_SET_GUILTY' };

export const drmSchedEntityMachine = setup({
  types: {
    context: {} as DrmSchedEntityContext,
    events: {} as E,
    input: {} as { fenceContext: number; priority?: DrmSchedPriority },
  },
  guards: { 'has queued job': ({ context }) => context.queue.length > 0, innocent: ({ context }) => !context.guilty },
}).createMachine({
  id: 'drm_sched_entity',
  context: ({ input }) => ({
    fenceContext: input?.fenceContext ?? 1,
    fenceSeq: 0,
    queue: [],
    lastScheduled: '',
    guilty: false,
    ...(input?.priority && input.priority !== 'NORMAL' ? { priority: input.priority } : {}),
  }),
  on: {
    DRM_SCHED_ENTITY_ARM: { description: 'R90', actions: assign({ fenceSeq: ({ context }) => context.fenceSeq + 1 }) },
    DRM_SCHED_ENTITY_PUSH: {
      description: 'R92',
      actions: assign({ queue: ({ context, event }) => [...context.queue, event.job] }),
    },
    DRM_SCHED_ENTITY_POP: {
      guard: 'has queued job',
      description: 'R97',
      actions: assign({
        lastScheduled: ({ context }) => context.queue[0],
        queue: ({ context }) => context.queue.slice(1),
      }),
    },
    DRM_SCHED_ENTITY_SET_GUILTY: { guard: 'innocent', description: 'R103', actions: assign({ guilty: true }) },
  },
});

/** The entity's run-queue priority (NORMAL when none was given). */
export function entityPriority(w: World, entity: string): DrmSchedPriority {
  return ctx<DrmSchedEntityContext>(w, entity).priority ?? 'NORMAL';
}

/** The entity's next job, if it has one queued. */
export function entityHead(w: World, entity: string): string | undefined {
  return ctx<DrmSchedEntityContext>(w, entity).queue[0];
}

// R97: a queued job runs after the job queued before it on the same entity.
withView(drmSchedEntityMachine, {
  waitEdges: (id, c: DrmSchedEntityContext, w) => {
    const out: Edge[] = [];
    const chain = c.lastScheduled ? [c.lastScheduled, ...c.queue] : c.queue;
    for (let i = 1; i < chain.length; i++) {
      const a = ctx<DrmSchedJobContext>(w, chain[i]);
      const b = ctx<DrmSchedJobContext>(w, chain[i - 1]);
      out.push([a.scheduled, b.scheduled, `${id} pops in order (R97)`]);
    }
    return out;
  },
});
