/**
 * drm_sched entity selection (issue 10, trial change "round-robin"): the kernel's policies pick
 * entities in the kernel's order, built with the world API (sched_main.c drm_sched_rq_select_entity_rr
 * and drm_sched_rq_select_entity_fifo); the default 'any' offers every ready entity.
 */
import { describe, expect, test } from 'vitest';
import { ctx, emptyWorld, must, spawn, type World } from '../../models/world.ts';
import { dmaFenceMachine } from '../../models/dma-buf/dma-fence.ts';
import type { DrmGpuSchedulerContext, DrmSchedRq, EntitySelection } from '../../models/drm-sched/drm-gpu-scheduler.ts';
import {
  addEntity,
  addScheduler,
  drm_sched_entity_push_job,
  drm_sched_job_add_dependency,
  drm_sched_job_arm,
  drm_sched_job_init,
  drm_sched_policy,
  drm_sched_run_job,
  drm_sched_run_job_enabled,
  drm_sched_select_entity,
} from '../../models/drm-sched/sched-main.ts';

const S = 'sched0';

function rq(w: World): DrmSchedRq {
  const r = ctx<DrmGpuSchedulerContext>(w, S).rq;
  if (!r) throw new Error('no run queue: the default policy');
  return r;
}

function world(policy: EntitySelection, entities: string[]): World {
  let w = addScheduler(emptyWorld, S, 'gpu0', { timeout: true, creditLimit: 1 });
  for (const e of entities) w = addEntity(w, e);
  return drm_sched_policy(w, policy);
}

/** The CS ioctl's scheduler part: init, dependencies, arm, push. */
function submit(w: World, entity: string, job: string, deps: string[] = []): World {
  w = drm_sched_job_init(w, job, entity, S);
  for (const d of deps) w = drm_sched_job_add_dependency(w, job, d);
  w = drm_sched_job_arm(w, job);
  return drm_sched_entity_push_job(w, job);
}

/** Run the selected entity's head job and let the ring complete it (its credit comes back). */
function runNext(w: World): { w: World; entity: string } {
  const sel = drm_sched_select_entity(w, S);
  expect(sel.length, 'a kernel policy selects at most one entity').toBeLessThanOrEqual(1);
  const entity = sel[0];
  expect(drm_sched_run_job_enabled(w, S, entity)).toBe(true);
  w = drm_sched_run_job(w, S, entity);
  return { w: must(w, 'gpu0', { type: 'GPU_RING_COMPLETE' }), entity };
}

function order(w: World, n: number): { w: World; picked: string[] } {
  const picked: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = runNext(w);
    w = r.w;
    picked.push(r.entity);
  }
  return { w, picked };
}

describe('round robin (drm_sched_rq_select_entity_rr)', () => {
  test('entities run in run-queue order (first push), each after rq->current_entity, wrapping around', () => {
    let w = world('round-robin', ['a', 'b', 'c']);
    // b pushes first, then a, then c: rq->entities is [b, a, c] (drm_sched_rq_add_entity on the first push)
    w = submit(w, 'b', 'b.j0');
    w = submit(w, 'a', 'a.j0');
    w = submit(w, 'c', 'c.j0');
    w = submit(w, 'a', 'a.j1');
    w = submit(w, 'b', 'b.j1');
    expect(rq(w).entities).toEqual(['b', 'a', 'c']);
    expect(rq(w).currentEntity).toBe('');
    const r = order(w, 5);
    expect(r.picked).toEqual(['b', 'a', 'c', 'b', 'a']);
    expect(rq(r.w).currentEntity).toBe('a');
  });

  test('an entity whose head still waits is passed over; current_entity itself is taken last', () => {
    let w = world('round-robin', ['a', 'b', 'c']);
    w = spawn(w, 'dep', dmaFenceMachine, { context: 77, seqno: 1, published: true });
    w = submit(w, 'a', 'a.j0');
    w = submit(w, 'b', 'b.j0', ['dep']);
    w = submit(w, 'c', 'c.j0');
    w = submit(w, 'c', 'c.j1');
    let r = order(w, 3);
    // after c, the loop goes a (empty), b (waiting), then c again: list_for_each_entry stops at current_entity
    expect(r.picked).toEqual(['a', 'c', 'c']);
    expect(drm_sched_select_entity(r.w, S)).toEqual([]);
    w = must(r.w, 'dep', { type: 'DMA_FENCE_SIGNAL' });
    r = order(w, 1);
    expect(r.picked).toEqual(['b']);
  });

  test('no credit: nothing runs and current_entity stays (drm_sched_can_queue)', () => {
    let w = world('round-robin', ['a', 'b']);
    w = submit(w, 'a', 'a.j0');
    w = submit(w, 'b', 'b.j0');
    w = drm_sched_run_job(w, S, 'a'); // on the ring, not completed: creditLimit 1 is used up
    expect(drm_sched_select_entity(w, S)).toEqual(['b']);
    expect(drm_sched_run_job_enabled(w, S, 'b')).toBe(false);
    expect(rq(w).currentEntity).toBe('a');
  });
});

describe('fifo (drm_sched_rq_select_entity_fifo) and the default', () => {
  test('fifo takes the ready entity whose head job was submitted first', () => {
    let w = world('fifo', ['a', 'b', 'c']);
    w = submit(w, 'b', 'b.j0');
    w = submit(w, 'a', 'a.j0');
    w = submit(w, 'b', 'b.j1');
    w = submit(w, 'c', 'c.j0');
    // round robin would take c before b's second job
    expect(order(w, 4).picked).toEqual(['b', 'a', 'b', 'c']);
  });

  test("'any' offers every ready entity and keeps no run queue", () => {
    let w = world('any', ['a', 'b', 'c']);
    w = submit(w, 'b', 'b.j0');
    w = submit(w, 'a', 'a.j0');
    expect(drm_sched_select_entity(w, S)).toEqual(['a', 'b']);
    expect(ctx<DrmGpuSchedulerContext>(drm_sched_run_job(w, S, 'b'), S).rq).toBeUndefined();
  });

  test('the policy is a load-time parameter: setting it once jobs exist is an error', () => {
    let w = world('any', ['a']);
    w = submit(w, 'a', 'a.j0');
    expect(() => drm_sched_policy(w, 'round-robin')).toThrow(/before the first job/);
  });
});
