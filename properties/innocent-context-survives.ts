/**
 * innocent-context-survives — R20 ("ideally recovery affects only the offending context"), seed 001
 * "Userspace can't trust us: ... the timeout kills a context that did nothing wrong". A GPU context or
 * user-mode queue is killed or reset only if it did something wrong itself: it hung (its commands were
 * malformed, or it stopped making progress). Killing one whose work was merely waiting on a cycle the
 * kernel closed, or on a producer, is a violation. A context whose own process crashed goes with it and
 * does not count.
 *
 * A monitor: it remembers every context that has ever hung (the culprits), so no model keeps a field for
 * this property (issue 10: state lives in the monitor). A context "has hung" when it carries the
 * machine's `hung` tag; what killed a context is read from its `killed` tag and `killedBy`.
 */
import { defineMonitor } from './property.ts';
import { ctx, type World } from '../models/world.ts';

/** What a killable context (gpu_context, user_mode_queue) records once killed. */
interface KillableContext {
  killedBy?: string;
  error?: number;
  proc?: string;
}

/** Objects in a hung state now, in id order. */
function hung(w: World): string[] {
  return Object.keys(w.o)
    .filter((id) => w.o[id].hasTag('hung'))
    .sort();
}

/** The culprits so far joined with those hung in `w` (sorted, no repeats: the state is canonical). */
function withHung(culprits: readonly string[], w: World): string[] {
  const now = hung(w).filter((id) => !culprits.includes(id));
  return now.length ? [...culprits, ...now].sort() : [...culprits];
}

/** The first context killed in `w` that never hung and whose process did not crash, as a sentence. */
function innocentKilled(w: World, culprits: readonly string[]): string | null {
  for (const id of Object.keys(w.o).sort()) {
    if (!w.o[id].hasTag('killed') || culprits.includes(id)) continue;
    const c = ctx<KillableContext>(w, id);
    if (c.proc && w.o[c.proc]?.hasTag('crashed')) continue;
    return `${id} was killed by ${c.killedBy || '?'} (error ${c.error}) but did nothing wrong (R20, seed 001)`;
  }
  return null;
}

export default defineMonitor<string[]>({
  name: 'innocent-context-survives',
  temporal: 'safety',
  rules: ['R20', 'I22'],
  statement: 'A context that did nothing wrong (never hung) is never killed or reset.',
  init: (w) => hung(w),
  next: (culprits, _before, _a, after) => {
    const state = withHung(culprits, after);
    return { state, violation: innocentKilled(after, state) };
  },
});
