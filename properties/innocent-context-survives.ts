/**
 * innocent-context-survives — R20 ("ideally recovery affects only the offending context"), R100, seed 001
 * "Userspace can't trust us: ... the timeout kills a context that did nothing wrong", seed 002 "can't
 * tell 'has deadlocked' from 'is still doing useful computations'". A GPU context, user-mode queue or
 * drm_sched entity is killed, reset or has its work cancelled only if it did something wrong itself:
 * it hung (its commands were malformed, or it stopped making progress). Two kinds of harm are judged:
 * - a context (gpu_context, user_mode_queue) killed though it never hung (its work merely waited on a
 *   cycle the kernel closed, on a producer, or was long);
 * - a drm_sched job that completes with an error from a timeout or a reset though its entity never hung:
 *   a healthy long job timed out (-ETIME), a job of a guilty-marked but innocent entity (-ECANCELED,
 *   R94), or collateral damage: an innocent entity's job behind the bad one on the reset ring
 *   cancelled (-ECANCELED, R101, R102).
 * A context or entity whose own process crashed goes with it and does not count; neither does -ESRCH
 * (R105: the entity's own process tore it down).
 *
 * A monitor: it remembers every context and entity that has ever hung (the culprits), so no model keeps a
 * field for this property (issue 10: state lives in the monitor). A context "has hung" when it carries
 * the machine's `hung` tag; an entity when its job was the head of a hung ring. What killed a context is
 * read from its `killed` tag and `killedBy`; what ended a job from its result.
 */
import { defineMonitor } from './property.ts';
import { changedIds, ctx, kindOf, onWorld, stateOf, type World } from '../models/world.ts';
import { ESRCH } from '../models/dma-buf/dma-fence.ts';
import { drm_sched_hung_jobs } from '../models/drm-sched/sched-main.ts';
import type { DrmSchedJobContext } from '../models/drm-sched/drm-sched-job.ts';

/** What a killable context (gpu_context, user_mode_queue) records once killed. */
interface KillableContext {
  killedBy?: string;
  error?: number;
  proc?: string;
}

/** Contexts in a hung state now, and the entities whose job hangs a ring now, in id order. */
function hungNow(w: World): readonly string[] {
  const out: string[] = [];
  for (const id in w.o) if (w.o[id].hasTag('hung')) out.push(id);
  for (const j of drm_sched_hung_jobs(w)) {
    const e = ctx<DrmSchedJobContext>(w, j).entity;
    if (!out.includes(e)) out.push(e);
  }
  return Object.freeze(out.sort());
}
// Judged for every transition of a state, on its world before and after: once per world (onWorld).
const hung = (w: World) => onWorld(w, hungNow, hungNow);

/** The objects killed at w, in id order. */
function killedNow(w: World): readonly string[] {
  const out: string[] = [];
  for (const id in w.o) if (w.o[id].hasTag('killed')) out.push(id);
  return Object.freeze(out.sort());
}
const killed = (w: World) => onWorld(w, killedNow, killedNow);

/**
 * The culprits so far joined with those hung in `w` (sorted, no repeats: the state is canonical); the
 * same array when none is new, so that the explorers see the monitor's state unchanged.
 */
function withHung(culprits: string[], w: World): string[] {
  const now = hung(w).filter((id) => !culprits.includes(id));
  return now.length ? [...culprits, ...now].sort() : culprits;
}

/**
 * `withHung(culprits, after)` for culprits that hold every object hung in `before`: a context hung in
 * `after` either was hung before or changed in the step, so only the changed ones are looked at (not
 * every object of every successor); the rings are read whole (there are few).
 */
function withHungAfter(culprits: string[], before: World, after: World): string[] {
  const now: string[] = [];
  for (const id of changedIds(before, after)) if (after.o[id]?.hasTag('hung') && !culprits.includes(id)) now.push(id);
  for (const j of drm_sched_hung_jobs(after)) {
    const e = ctx<DrmSchedJobContext>(after, j).entity;
    if (!culprits.includes(e) && !now.includes(e)) now.push(e);
  }
  return now.length ? [...culprits, ...now].sort() : culprits;
}

/** The process an entity or job belongs to, by the designs' naming (`proc0.ctx`, `proc0.j1`). */
const procOf = (id: string) => id.split('.')[0];

const crashed = (w: World, proc: string | undefined) => !!proc && w.o[proc]?.hasTag('crashed') === true;

/** Jobs that completed with an error in this transition (before -> after). */
function jobsEndedInError(before: World, after: World): string[] {
  // a job that ends in this transition changed in it; in id order, as the first one is named
  return changedIds(before, after)
    .filter(
      (j) =>
        kindOf(after, j) === 'drm_sched_job' &&
        stateOf(after, j) === 'done' &&
        before.o[j] !== undefined &&
        stateOf(before, j) !== 'done' &&
        ctx<DrmSchedJobContext>(after, j).result !== 0,
    )
    .sort();
}

/** The first innocent killed or cancelled in this transition, as a sentence. */
function innocentHarmed(before: World, after: World, culprits: readonly string[], step: string): string | null {
  for (const id of killed(after)) {
    if (culprits.includes(id)) continue;
    const c = ctx<KillableContext>(after, id);
    if (crashed(after, c.proc)) continue;
    return `${id} was killed by ${c.killedBy || '?'} (error ${c.error}) but did nothing wrong (R20, seed 001)`;
  }
  for (const j of jobsEndedInError(before, after)) {
    const { entity, result } = ctx<DrmSchedJobContext>(after, j);
    if (culprits.includes(entity) || result === ESRCH || crashed(after, procOf(entity))) continue;
    return (
      `${j} of ${entity}, which never hung, completed with error ${result} at ${step}: ` +
      'a timeout or reset took innocent work (R20, R100, seed 002)'
    );
  }
  return null;
}

/** A context killed, or a job ended with an error, in this transition: the situation judged. */
function harmed(before: World, after: World): boolean {
  // an object killed in this transition changed in it
  return (
    changedIds(before, after).some((id) => after.o[id]?.hasTag('killed') && !before.o[id]?.hasTag('killed')) ||
    jobsEndedInError(before, after).length > 0
  );
}

export default defineMonitor<string[]>({
  name: 'innocent-context-survives',
  temporal: 'safety',
  rules: ['R20', 'R94', 'R100', 'R102', 'I22'],
  statement:
    'A context or entity that did nothing wrong (never hung) is never killed or reset, and no job of it is ' +
    "timed out or cancelled by another one's reset.",
  needs: ['gpu_context', 'user_mode_queue', 'drm_sched_job'],
  witness: { what: 'a context killed or a job cancelled', step: (before, _a, after) => harmed(before, after) },
  init: (w) => [...hung(w)],
  next: (culprits, before, a, after) => {
    // a job hangs the ring in `before` and the reset in this step clears it: count it first
    const state = withHungAfter(withHung(culprits, before), before, after);
    return { state, violation: innocentHarmed(before, after, state, a.label) };
  },
});
