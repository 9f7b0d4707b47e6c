/**
 * The drain: bounded liveness (architecture.md "Properties, three shapes"). From a world, userspace
 * stops; only kernel, gpu and timer steps run, and no new faults happen. Fairness: at each step the
 * enabled action taken least recently (by label; never taken counts as oldest) goes next, ties broken
 * by the design's step order. So every continuously enabled action is taken within as many steps as
 * there are enabled actions: timeouts fire, hangs are detected, resets run. Deterministic.
 *
 * `drainVec` runs it on the fast engine (src/world/fast.ts); `drainReference` is the same drain over
 * `enabledActions`, kept as the oracle the tests compare against.
 */
import type { Design } from '../../models/design.ts';
import type { World } from '../../models/world.ts';
import { DRAIN_ROLES, type DrainResult } from '../../properties/property.ts';
import { enabledActions } from '../world/steps.ts';
import { FastEngine, engineDefaults, cachedLabel } from '../world/fast.ts';

const drainSet = new Set<string>(DRAIN_ROLES);
const drainRoles = (r: string) => drainSet.has(r);

const engines = new WeakMap<Design, Map<unknown, FastEngine>>();
/** The fast engine of a design and config (one per pair and mode, so the step memo is shared by all users). */
export function engineFor(d: Design, cfg: unknown): FastEngine {
  let m = engines.get(d);
  if (!m) {
    m = new Map();
    engines.set(d, m);
  }
  let e = m.get(cfg);
  if (!e || e.mode !== engineDefaults.mode) {
    e = new FastEngine(d, cfg);
    m.set(cfg, e);
  }
  return e;
}

export function drain(d: Design, cfg: unknown, w: World, bound = d.drainBound ?? 400): DrainResult {
  const e = engineFor(d, cfg);
  const v = e.encode(w);
  const [h1, h2] = e.hash(v);
  return drainVec(e, v, h1, h2, bound);
}

export function drainVec(e: FastEngine, v: Int32Array, h1: number, h2: number, bound: number): DrainResult {
  const fast = e.drainStatic(v, h1, h2, drainRoles, 'drain', bound);
  if (fast) return { settled: fast.vec ? e.decode(fast.vec) : null, steps: fast.steps, labels: fast.labels, bound };
  const last = new Map<string, number>();
  const labels: string[] = [];
  // The drain writes its own copy of the vector in place, not a fresh array per step; the caller's
  // vector, and a dynamic step's, are never written.
  let own = false;
  for (let i = 0; i < bound; i++) {
    const succ = e.successors(v, h1, h2, drainRoles);
    if (!succ.length) return { settled: e.decode(v), steps: i, labels, bound };
    let best = succ[0];
    let bestLabel = best.cand ? best.cand.label : cachedLabel(best.step, best.args);
    let bestAt = last.get(bestLabel) ?? -1;
    for (let j = 1; j < succ.length; j++) {
      const s = succ[j];
      const l = s.cand ? s.cand.label : cachedLabel(s.step, s.args);
      const at = last.get(l) ?? -1;
      if (at < bestAt) {
        best = s;
        bestAt = at;
        bestLabel = l;
      }
    }
    last.set(bestLabel, i);
    labels.push(bestLabel);
    const pr = best.eff?.pairs;
    if (own && pr && fits(pr, v.length)) for (let j = 0; j < pr.length; j += 2) v[pr[j]] = pr[j + 1];
    else {
      v = e.nextVec(v, best);
      own = best.vec === null;
    }
    h1 = best.h1;
    h2 = best.h2;
  }
  return { settled: null, steps: bound, labels, bound };
}

/** Do an effect's (slot, snapshot) pairs all lie within a vector of length `n`? */
function fits(pairs: Int32Array, n: number): boolean {
  for (let j = 0; j < pairs.length; j += 2) if (pairs[j] >= n) return false;
  return true;
}

/** The drain over `enabledActions` (the reference; same result as `drain`). */
export function drainReference(d: Design, cfg: unknown, w: World, bound = d.drainBound ?? 400): DrainResult {
  const last = new Map<string, number>();
  const labels: string[] = [];
  for (let i = 0; i < bound; i++) {
    const acts = enabledActions(d, cfg, w, drainRoles);
    if (!acts.length) return { settled: w, steps: i, labels, bound };
    const best = leastRecent(acts, last);
    last.set(best.label, i);
    labels.push(best.label);
    w = best.next;
  }
  return { settled: null, steps: bound, labels, bound };
}

/** The drain's fairness: the action taken least recently (never = oldest); ties by step order. */
export function leastRecent<A extends { label: string }>(acts: A[], last: Map<string, number>): A {
  let best = acts[0];
  let bestAt = last.get(best.label) ?? -1;
  for (const a of acts) {
    const at = last.get(a.label) ?? -1;
    if (at < bestAt) {
      best = a;
      bestAt = at;
    }
  }
  return best;
}
