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
import { FastEngine, engineDefaults, cachedLabel, type Succ } from '../world/fast.ts';

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
  // The drain writes its own copy of the vector in place (a copy per step cost a fifth of a drain on
  // present-vblank-naive); the caller's vector, and a dynamic step's, are never written.
  let own = false;
  const memo = drainSuccs(e);
  for (let i = 0; i < bound; i++) {
    let succ = memo.get(h1, h2);
    if (succ === undefined) {
      succ = e.successors(v, h1, h2, drainRoles);
      memo.set(h1, h2, succ);
    }
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

/**
 * The drain steps enabled at a state, by fingerprint, per engine: drains from neighbouring states run into
 * the same states, under another history (so each takes its own way), but what is enabled at a state is
 * a function of the state: after a 200,000-state bound, 61% of the frontier's drain steps on
 * present-vblank-naive found their state here, 63% on present-submit-return, 15% on sync-file-bridge.
 * Never written: a drain only reads them. Emptied when half full.
 */
const succMemos = new WeakMap<FastEngine, SuccTable>();
function drainSuccs(e: FastEngine): SuccTable {
  let m = succMemos.get(e);
  if (!m) {
    m = new SuccTable();
    succMemos.set(e, m);
  }
  return m;
}

/** Fingerprint (both lanes) -> successors, open addressing; emptied when half full (2^17 states). */
class SuccTable {
  private static readonly SIZE = 1 << 18;
  private k1 = new Int32Array(SuccTable.SIZE);
  private k2 = new Int32Array(SuccTable.SIZE);
  private vals: (Succ[] | undefined)[] = new Array(SuccTable.SIZE).fill(undefined);
  private n = 0;
  private at(h1: number, h2: number): number {
    const mask = SuccTable.SIZE - 1;
    let i = (h1 ^ Math.imul(h2, 0x9e3779b1)) & mask;
    while (this.vals[i] !== undefined && (this.k1[i] !== h1 || this.k2[i] !== h2)) i = (i + 1) & mask;
    return i;
  }
  get(h1: number, h2: number): Succ[] | undefined {
    return this.vals[this.at(h1, h2)];
  }
  set(h1: number, h2: number, s: Succ[]): void {
    if (this.n * 2 >= SuccTable.SIZE) {
      this.vals.fill(undefined);
      this.n = 0;
    }
    const i = this.at(h1, h2);
    this.k1[i] = h1;
    this.k2[i] = h2;
    this.vals[i] = s;
    this.n++;
  }
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
