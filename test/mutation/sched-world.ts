/**
 * Small drm_sched worlds for the mutation tests (test/mutation/sched-main.test.ts and its neighbours), built
 * with the world API as a driver's CS ioctl would: init, dependencies, arm, push (R89-R92).
 */
import { emptyWorld, spawn, type World } from '../../models/world.ts';
import { dmaFenceMachine } from '../../models/dma-buf/dma-fence.ts';
import type { DrmSchedPriority } from '../../models/drm-sched/drm-sched-entity.ts';
import type { EntitySelection } from '../../models/drm-sched/drm-gpu-scheduler.ts';
import {
  addEntity,
  addScheduler,
  drm_sched_entity_push_job,
  drm_sched_job_add_dependency,
  drm_sched_job_arm,
  drm_sched_job_init,
  drm_sched_policy,
} from '../../models/drm-sched/sched-main.ts';

export interface SchedWorldOpts {
  /** Schedulers and the ring each feeds (default one: sched0 on gpu0). */
  scheds?: [sched: string, ring: string][];
  entities?: [entity: string, priority?: DrmSchedPriority][];
  creditLimit?: number;
  timeout?: boolean;
  numRqs?: number;
  policy?: EntitySelection;
  /** Plain fences [id, context, seqno] (dependencies from outside the scheduler). */
  fences?: [string, number, number][];
}

export function schedWorld(o: SchedWorldOpts = {}): World {
  let w = emptyWorld;
  for (const [id, context, seqno] of o.fences ?? []) w = spawn(w, id, dmaFenceMachine, { context, seqno });
  for (const [s, r] of o.scheds ?? [['sched0', 'gpu0']]) {
    const numRqs = o.numRqs === undefined ? {} : { numRqs: o.numRqs };
    w = addScheduler(w, s, r, { timeout: o.timeout ?? true, creditLimit: o.creditLimit ?? 1, ...numRqs });
  }
  for (const [e, p] of o.entities ?? [['a'], ['b']]) w = addEntity(w, e, p);
  return drm_sched_policy(w, o.policy ?? 'any');
}

/** The CS ioctl's scheduler part: init, dependencies, arm, push. */
export function submit(w: World, entity: string, job: string, deps: string[] = [], sched = 'sched0'): World {
  w = drm_sched_job_init(w, job, entity, sched);
  for (const d of deps) w = drm_sched_job_add_dependency(w, job, d);
  w = drm_sched_job_arm(w, job);
  return drm_sched_entity_push_job(w, job);
}
