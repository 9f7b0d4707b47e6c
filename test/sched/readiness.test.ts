/**
 * drm_sched entity readiness (issue 10 item 3): every path that decides to run a job asks the one
 * readiness predicate, under every selection policy. H5: a job whose BO is not resident never runs;
 * a driver whose prepare_job never finishes never has a job run. And single-fifo-rr, the design of the
 * round-robin trial change, explores to single-fifo-implicit's verdicts.
 */
import { describe, expect, test } from 'vitest';
import { checkDesigns } from '../../src/api.ts';
import { enabledActions, type Action } from '../../src/world/steps.ts';
import { ctx, worldKey, type World } from '../../models/world.ts';
import { withSteps, type Design } from '../../models/design.ts';
import type { DrmSchedEntityContext } from '../../models/drm-sched/drm-sched-entity.ts';
import type { EntitySelection } from '../../models/drm-sched/drm-gpu-scheduler.ts';
import {
  drm_sched_entity_head_unblocked,
  drm_sched_policy,
  drmSchedStepTable,
} from '../../models/drm-sched/sched-main.ts';
import { jobBos } from '../../models/userq/umf-jobs.ts';
import { resident } from '../../models/ttm/ttm-bo.ts';
import umfWrapped from '../../models/designs/umf-wrapped.ts';
import umfWrappedTimeout from '../../models/designs/umf-wrapped-timeout.ts';
import singleFifo from '../../models/designs/single-fifo-implicit.ts';
import singleFifoRr from '../../models/designs/single-fifo-rr.ts';

const POLICIES: EntitySelection[] = ['any', 'round-robin', 'fifo'];

/** The design booted with drm.sched_policy = `policy`. */
const under = <C>(d: Design<C>, policy: EntitySelection): Design<C> => ({
  ...d,
  init: (c) => drm_sched_policy(d.init(c), policy),
});

/** Every reachable state of the design's small config, with the actions enabled in it. */
function* reachable<C>(d: Design<C>, limit = 50_000): Generator<{ w: World; acts: Action[] }> {
  const cfg = d.configs.small;
  const seen = new Set<string>();
  const queue = [d.init(cfg)];
  seen.add(worldKey(queue[0]));
  while (queue.length) {
    const w = queue.shift() as World;
    const acts = enabledActions(d, cfg, w);
    yield { w, acts };
    for (const a of acts) {
      const k = worldKey(a.next);
      if (!seen.has(k) && seen.size < limit) {
        seen.add(k);
        queue.push(a.next);
      }
    }
  }
}

describe('entity readiness is honoured by every run path, under every policy', () => {
  for (const base of [umfWrapped, umfWrappedTimeout]) {
    for (const policy of POLICIES) {
      test(`${base.name}, ${policy}: run_job takes a head job only with its BOs resident (H5, I19)`, () => {
        let runs = 0,
          blocked = 0;
        for (const { w, acts } of reachable(under(base, policy))) {
          for (const e of Object.keys(w.o).filter((id) => w.o[id].machine.id === 'drm_sched_entity')) {
            const head = drm_sched_entity_head_unblocked(w, e);
            const waits = head !== undefined && !jobBos(w, head).every((b) => resident(w, b));
            if (waits && !ctx<DrmSchedEntityContext>(w, e).guilty) blocked++;
          }
          for (const a of acts.filter((x) => x.step.name === 'drm_sched_run_job')) {
            runs++;
            const e = String(a.args[1]);
            const head = ctx<DrmSchedEntityContext>(w, e).queue[0];
            if (ctx<DrmSchedEntityContext>(w, e).guilty) continue;
            expect(
              jobBos(w, head).every((b) => resident(w, b)),
              a.label,
            ).toBe(true);
          }
        }
        expect(runs, 'some job runs').toBeGreaterThan(0);
        expect(blocked, 'some head job waits for residency').toBeGreaterThan(0);
      });
    }
  }

  for (const policy of POLICIES) {
    test(`single-fifo-implicit, ${policy}: a prepare_job that never finishes means no job ever runs`, () => {
      const table = drmSchedStepTable({ maxHangs: () => 0, ops: { prepare_job: () => false } });
      const steps = withSteps(singleFifo.steps, { drm_sched_run_job: table.drm_sched_run_job });
      const d = under({ ...singleFifo, steps }, policy);
      let states = 0;
      for (const { acts } of reachable(d)) {
        states++;
        expect(acts.filter((a) => a.step.name === 'drm_sched_run_job').map((a) => a.label)).toEqual([]);
      }
      expect(states).toBeGreaterThan(1);
    });
  }
});

describe('single-fifo-rr (the round-robin trial change)', () => {
  test('round robin offers at most one entity to run at a time, and some state offers one', () => {
    let offered = 0;
    for (const { acts } of reachable(singleFifoRr)) {
      const runs = acts.filter((a) => a.step.name === 'drm_sched_run_job');
      expect(runs.length, runs.map((a) => a.label).join(', ')).toBeLessThanOrEqual(1);
      offered += runs.length;
    }
    expect(offered).toBeGreaterThan(0);
  });

  test('it explores to the verdicts of single-fifo-implicit, each as expected', async () => {
    const designs = ['single-fifo-implicit', 'single-fifo-rr'];
    const r = await checkDesigns({ designs, engine: 'exhaustive', metrics: false });
    // single-fifo-rr also checks no-starvation, which round robin is there to keep.
    const verdicts = (d: string) =>
      r.cells
        .filter((c) => c.design === d && c.property !== 'no-starvation')
        .map((c) => `${c.property}: ${c.observed}`)
        .sort();
    expect(verdicts('single-fifo-rr')).toEqual(verdicts('single-fifo-implicit'));
    expect(r.cells.filter((c) => c.observed !== c.expected).map((c) => `${c.design}/${c.property}`)).toEqual([]);
  });
});
