/**
 * drm_sched run-queue priorities (enum drm_sched_priority: KERNEL > HIGH > NORMAL > LOW): selection
 * takes the highest run queue with a ready entity; a scheduler with fewer run queues clamps priorities
 * (drm_sched_entity_init, num_rqs); R103 never marks a KERNEL entity guilty. And no-priority-inversion:
 * sched-priority-compositor holds it where the situation occurs, sched-priority-one-rq violates it.
 */
import { describe, expect, test } from 'vitest';
import { enabledActions, findAction } from '../../src/world/steps.ts';
import { emptyWorld, ctx, worldKey, type World } from '../../models/world.ts';
import type { Design } from '../../models/design.ts';
import {
  addEntity,
  addScheduler,
  drm_sched_entity_push_job,
  drm_sched_job_arm,
  drm_sched_job_init,
  drm_sched_job_timedout,
  drm_sched_run_job,
  drm_sched_select_entity,
} from '../../models/drm-sched/sched-main.ts';
import type { DrmSchedEntityContext, DrmSchedPriority } from '../../models/drm-sched/drm-sched-entity.ts';
import compositor from '../../models/designs/sched-priority-compositor.ts';
import oneRq from '../../models/designs/sched-priority-one-rq.ts';
import { variant, explore } from '../bugs/helpers.ts';

/** One scheduler, and one queued job per entity at the given priorities. */
function world(prios: DrmSchedPriority[], numRqs?: number): World {
  let w = addScheduler(emptyWorld, 'sched0', 'gpu0', { timeout: true, creditLimit: 1, numRqs });
  prios.forEach((p, i) => {
    w = addEntity(w, `e${i}`, p);
    w = drm_sched_job_init(w, `e${i}.j0`, `e${i}`, 'sched0');
    w = drm_sched_job_arm(w, `e${i}.j0`);
    w = drm_sched_entity_push_job(w, `e${i}.j0`);
  });
  return w;
}

describe('drm_sched_select_entity walks the run queues from KERNEL down', () => {
  test('the highest ready priority wins, whatever the order of the entities', () => {
    expect(drm_sched_select_entity(world(['LOW', 'HIGH', 'NORMAL']), 'sched0')).toEqual(['e1']);
    expect(drm_sched_select_entity(world(['LOW', 'KERNEL', 'HIGH']), 'sched0')).toEqual(['e1']);
    expect(drm_sched_select_entity(world(['NORMAL', 'NORMAL', 'LOW']), 'sched0')).toEqual(['e0', 'e1']);
  });

  test('num_rqs = 1 clamps every entity onto one run queue: any ready entity may go', () => {
    expect(drm_sched_select_entity(world(['LOW', 'HIGH', 'NORMAL'], 1), 'sched0')).toEqual(['e0', 'e1', 'e2']);
    // num_rqs = 2: KERNEL alone, the rest clamped together
    expect(drm_sched_select_entity(world(['LOW', 'HIGH'], 2), 'sched0')).toEqual(['e0', 'e1']);
  });

  test('R103: a timed-out job of the KERNEL run queue does not make its entity guilty', () => {
    for (const [p, guilty] of [
      ['KERNEL', false],
      ['HIGH', true],
    ] as const) {
      let w = world([p]);
      w = drm_sched_run_job(w, 'sched0', 'e0');
      w = drm_sched_job_timedout(w, 'sched0');
      expect(ctx<DrmSchedEntityContext>(w, 'e0').guilty).toBe(guilty);
    }
  });

  test('an entity without a priority is NORMAL and its context carries none (worlds unchanged)', () => {
    expect('priority' in ctx(addEntity(emptyWorld, 'e'), 'e')).toBe(false);
    expect('priority' in ctx(addEntity(emptyWorld, 'e', 'NORMAL'), 'e')).toBe(false);
    expect(ctx<DrmSchedEntityContext>(addEntity(emptyWorld, 'e', 'LOW'), 'e').priority).toBe('LOW');
  });
});

describe('no-priority-inversion', () => {
  const props = ['no-priority-inversion'];

  /** Some reachable state where the compositor and a lower client are both ready to run. */
  function contended(d: Design): boolean {
    const c = d.configs.small;
    const seen = new Set<string>();
    const q: World[] = [d.init(c)];
    while (q.length) {
      const w = q.shift() as World;
      const ready = ['proc0.ctx', 'proc2.ctx'].every((e) => !!findAction(d, c, w, 'drm_sched_run_job', ['sched0', e]));
      if (d === oneRq && ready) return true;
      if (d === compositor && drm_sched_select_entity(w, 'sched0').join() === 'proc0.ctx') {
        // the compositor is selected while the LOW client's job is ready too
        const low = ctx<DrmSchedEntityContext>(w, 'proc2.ctx').queue[0];
        if (low && ctx<{ deps: string[] }>(w, low).deps.length === 0) return true;
      }
      for (const a of enabledActions(d, c, w)) {
        const k = worldKey(a.next);
        if (!seen.has(k) && seen.size < 20_000) {
          seen.add(k);
          q.push(a.next);
        }
      }
    }
    return false;
  }

  test('sched-priority-compositor holds it, where the compositor and a LOW client compete', async () => {
    expect(contended(compositor)).toBe(true);
    expect((await explore(variant(compositor, 'prio', props)))['no-priority-inversion'].observed).toBe('holds');
  }, 60_000);

  test('sched-priority-one-rq violates it: the LOW client runs while the HIGH compositor is ready', async () => {
    expect(contended(oneRq)).toBe(true);
    const cell = (await explore(variant(oneRq, 'prio', props)))['no-priority-inversion'];
    expect(cell.observed).toBe('violates');
    expect(cell.message).toMatch(/proc0\.ctx \(HIGH\).*\(LOW\)/);
  }, 60_000);
});
