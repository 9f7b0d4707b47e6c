/**
 * no-priority-inversion — issue 16: drm_sched run-queue priorities (KERNEL > HIGH > NORMAL > LOW, enum
 * drm_sched_priority; drm_sched_select_entity walks the run queues from KERNEL down), and the promise a
 * compositor relies on: while a higher-priority entity has a ready job, the scheduler runs
 * lower-priority entities' jobs on their shared ring at most K times (K = the config's
 * `priorityInversionBound`, default 0). The priority judged is the one the entity was created with
 * (drm_sched_entity_init's argument, entity.priority), not the run queue the kernel put it on: a
 * scheduler with fewer run queues clamps it (num_rqs), and that is the inversion this property finds.
 * Work already on the ring ahead of the high-priority job is bounded by the credit limit (R95) and is
 * not counted: drm_sched never preempts the ring.
 *
 * A monitor over `drm_sched_run_job` (args [sched, entity]): per higher-priority ready entity, how many
 * lower-priority jobs ran in a row since it last ran or was not ready (R93, R95). It reads the world,
 * read-only; the counts live in the monitor.
 */
import { defineMonitor } from './property.ts';
import { idsOf, ctx, type World } from '../models/world.ts';
import { drm_sched_entity_head_unblocked, drm_sched_entity_is_ready } from '../models/drm-sched/sched-main.ts';
import {
  DRM_SCHED_PRIORITIES,
  entityPriority,
  type DrmSchedEntityContext,
} from '../models/drm-sched/drm-sched-entity.ts';

/** Entity -> lower-priority jobs run while it was ready, in a row (entities at 0 are left out). */
type Counts = Record<string, number>;

/** Smaller is more urgent: KERNEL 0 ... LOW 3. */
const rank = (w: World, e: string) => DRM_SCHED_PRIORITIES.indexOf(entityPriority(w, e));

function bound(cfg: { priorityInversionBound?: unknown } | undefined): number {
  const k = cfg?.priorityInversionBound;
  return typeof k === 'number' ? k : 0;
}

/** Ready entities of `sched` that outrank `ran`, in id order. */
function outranking(w: World, sched: string, ran: string): string[] {
  return idsOf(w, 'drm_sched_entity').filter(
    (e) => e !== ran && rank(w, e) < rank(w, ran) && drm_sched_entity_is_ready(w, sched, e),
  );
}

/** The situation judged: the scheduler picks while ready entities of different priorities compete. */
function contended(w: World, sched: string, ran: string): boolean {
  return idsOf(w, 'drm_sched_entity').some(
    (e) => e !== ran && rank(w, e) !== rank(w, ran) && drm_sched_entity_is_ready(w, sched, e),
  );
}

export default defineMonitor<Counts>({
  name: 'no-priority-inversion',
  temporal: 'safety',
  observes: { steps: ['drm_sched_run_job'] },
  rules: ['R93', 'R95'],
  statement:
    'While an entity has a ready job, the scheduler runs jobs of lower-priority entities on the same ring at ' +
    'most K times before it (K = config priorityInversionBound, default 0).',
  needs: ['drm_sched_entity'],
  witness: {
    what: 'ready entities of different priorities compete for a ring',
    step: (before, a) => a.step === 'drm_sched_run_job' && contended(before, String(a.args[0]), String(a.args[1])),
  },
  init: () => ({}),
  next: (counts, before, a, _after, cfg) => {
    const sched = String(a.args[0]),
      ran = String(a.args[1]);
    const k = bound(cfg);
    const out: Counts = {};
    let violation: string | null = null;
    for (const e of outranking(before, sched, ran)) {
      // saturate one past the bound: reported once, and the product stays finite
      const n = Math.min((counts[e] ?? 0) + 1, k + 1);
      out[e] = n;
      if (n > k && (counts[e] ?? 0) <= k) {
        const job = drm_sched_entity_head_unblocked(before, e);
        const low = ctx<DrmSchedEntityContext>(before, ran).queue[0];
        violation ??=
          `${e} (${entityPriority(before, e)}) has its job ${job} ready, but ${a.label} ran ${low} of ` +
          `${ran} (${entityPriority(before, ran)}) before it: ` +
          `${n} lower-priority job${n === 1 ? '' : 's'} (bound ${k})`;
      }
    }
    return { state: out, violation };
  },
});
