/**
 * no-starvation — a ready entity is passed over at most K times in a row (issue 10's first trial change;
 * R93-R97, seed 000 "one FIFO"). A monitor: it observes the scheduler's run_job steps
 * (`drm_sched_run_job`, args [sched, entity]) and keeps, per entity, how many times another entity's
 * job was run by that scheduler while this entity had a ready head job, since this entity last ran or
 * was not ready. Ready is the scheduler module's drm_sched_entity_is_ready (models/drm-sched/
 * sched-main.ts, the one definition: a queued head job for this scheduler with no unsignaled dependency
 * left, R91, R93). K is the design config's `starvationBound` if it has
 * one, else the number of entities minus one (what round robin guarantees).
 *
 * The counts live in the monitor; the models keep no field for it. It reads the world, read-only.
 */
import { defineMonitor } from './property.ts';
import { idsOf, type World } from '../models/world.ts';
import { drm_sched_entity_head_unblocked, drm_sched_entity_is_ready } from '../models/drm-sched/sched-main.ts';

/** Entity -> times it was passed over while ready, in a row (entities at 0 are left out). */
type Counts = Record<string, number>;

const entities = (w: World) => idsOf(w, 'drm_sched_entity');

function bound(w: World, cfg: { starvationBound?: unknown } | undefined): number {
  const k = cfg?.starvationBound;
  return typeof k === 'number' ? k : entities(w).length - 1;
}

export default defineMonitor<Counts>({
  name: 'no-starvation',
  temporal: 'safety',
  observes: { steps: ['drm_sched_run_job'] },
  // Opt-in (no `needs`): under the model's default entity selection ('any', a free choice that
  // over-approximates the kernel's policies) starvation is there by construction; designs that pick a
  // kernel policy (round-robin, fifo) declare it.
  witness: {
    what: "a job run while another entity's job was ready",
    step: (before, a) =>
      a.step === 'drm_sched_run_job' &&
      entities(before).some((e) => e !== a.args[1] && drm_sched_entity_is_ready(before, String(a.args[0]), e)),
  },
  rules: ['R93', 'R95', 'R97'],
  statement:
    "While an entity's head job is ready, the scheduler runs other entities' jobs at most K times " +
    'before it (K = config starvationBound, default entities - 1).',
  init: () => ({}),
  next: (counts, before, a, _after, cfg) => {
    const sched = String(a.args[0]),
      ran = String(a.args[1]);
    const k = bound(before, cfg);
    const out: Counts = {};
    let violation: string | null = null;
    for (const e of entities(before)) {
      if (e === ran) continue;
      // the scheduler module's one definition of readiness (not the design's prepare_job: a pass over an
      // entity waiting on its BOs is not starvation)
      if (!drm_sched_entity_is_ready(before, sched, e)) continue;
      const head = drm_sched_entity_head_unblocked(before, e);
      // saturate one past the bound: the violation is reported once, and the product stays finite
      const n = Math.min((counts[e] ?? 0) + 1, k + 1);
      out[e] = n;
      if (n > k && (counts[e] ?? 0) <= k) {
        const times = `${n} time${n === 1 ? '' : 's'} in a row`;
        violation ??= `${e} starves: its ready job ${head} was passed over ${times} (bound ${k}), last by ${a.label}`;
      }
    }
    return { state: out, violation };
  },
});
