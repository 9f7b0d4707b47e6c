/**
 * Random explorer: fast-check generates a sequence of choices; at each step the run takes enabled
 * action (choice mod count), checking properties as it goes. fast-check's shrinking then reduces the
 * failing choice sequence, and `minimize` removes whatever single actions the property does not need.
 * Each property still looked for gets its own fast-check run (seed, seed+1, ...), so one property's
 * counterexample cannot hide another's. Deterministic for a given seed. Monitors' states are carried
 * along each run (and by `minimize`, through `firstViolation`).
 *
 * Shards (`shard: {index, count}`, `check --shard i/n`): fast-check still generates every run of the
 * campaign from the same seeds, and run k (counted over the whole campaign, shrink attempts excluded)
 * is executed only by shard k mod count; the others return at once. So a campaign that finds nothing is
 * exactly the union of its shards' runs. After a violation each shard goes on with the next seed from
 * its own failing run, so the shards' later runs are no longer a partition of the unsharded campaign's.
 *
 * Drain properties are judged by the drain (drain.ts): from each state it follows ONE fair schedule
 * (least recently taken first), so a livelock that another fair schedule falls into goes unseen here;
 * the exhaustive explorer decides them on the state graph, over every fair schedule (liveness.ts).
 */
import fc from 'fast-check';
import type { Design } from '../../models/design.ts';
import type { World } from '../../models/world.ts';
import { actionInfo, type Checker, type Finding, type MonitorStates } from '../check.ts';
import { fpKey, Transition } from '../world/fast.ts';
import { engineFor } from './drain.ts';
import { choicesToActions, minimize, toTraceStep, type Found } from './trace.ts';

/**
 * Shrink attempts fast-check may make per counterexample. Each attempt replays a run with a drain at
 * every state, so an unbounded shrink of a 200-step run (interop-mode-switch-early at `large`) took
 * longer than ten minutes; `minimize` finishes the job on actions.
 */
const SHRINK_RUNS = 500;

export interface RandomOptions {
  runs: number;
  depth: number;
  seed: number;
  budgetMs?: number;
  onProgress?: (p: { runs: number; steps: number }) => void;
  /** Execute only the runs k with k mod count = index (0-based). */
  shard?: { index: number; count: number };
}

export interface RandomResult {
  found: (Found & { seed: number; path: string | null })[];
  /** Runs executed (by this shard, when sharded). */
  runs: number;
  steps: number;
  stoppedBy: 'runs' | 'time' | 'all-found';
}

export function exploreRandom(
  d: Design,
  cfg: unknown,
  checker: Checker,
  props: string[],
  o: RandomOptions,
): RandomResult {
  const t0 = Date.now();
  const want = new Set(props);
  const found: RandomResult['found'] = [];
  let runs = 0;
  /** Runs executed here (runs counts the whole campaign's, for the seeds and numRuns). */
  let executed = 0;
  let k = 0;
  const shard = o.shard;
  let steps = 0;
  let lastReport = Date.now();
  let seed = o.seed;
  let stoppedBy: RandomResult['stoppedBy'] = 'runs';

  /**
   * Run one choice sequence on the fast engine (src/world/fast.ts): at each state the properties are
   * checked, then the action (choice mod count) among the enabled ones, in `enabledActions` order, is
   * taken. The first violation of a wanted property, or null.
   */
  const e = engineFor(d, cfg);
  const v0 = e.encode(d.init(cfg));
  const [i1, i2] = e.hash(v0);
  // Monitors travel with the run: their states start at the initial world and fold each observed step.
  const mon = checker.monitors.length > 0;
  const ms0 = checker.monitorInit(d.init(cfg));
  // Witnesses (issue 11.2) are counted on generated runs only, never on shrink attempts or replays.
  let counting = false;
  const run = (choices: number[]): Finding | null => {
    let v = v0,
      h1 = i1,
      h2 = i2;
    let ms: MonitorStates = ms0;
    const needWorld = checker.needsWorld(want),
      sp = checker.needsSteps(want);
    const ws = counting && checker.witnessesStates(want),
      wt = counting && checker.witnessesSteps(want);
    for (let n = 0; ; n++) {
      const succ = e.successors(v, h1, h2);
      if (ws) {
        const cur = v;
        checker.countState(() => e.decode(cur), want, { engine: e, vec: cur });
      }
      if (needWorld || succ.length === 0) {
        const cur = v;
        const fast = { engine: e, vec: v, h1, h2 };
        const f = checker.atState(() => e.decode(cur), want, fpKey(h1, h2), succ.length, fast, ms);
        if (f.length) return f[0];
      }
      if (n === choices.length || !succ.length) return null;
      const s = succ[choices[n] % succ.length];
      steps++;
      // the step's source World, successor vector and successor World, each made at most once
      const cur = v;
      let before: World | undefined;
      const B = () => (before ??= e.decode(cur));
      const watched = mon && checker.monitored(s.step);
      const t = sp || wt || watched ? new Transition(e, cur, s, B) : undefined;
      const nv = t ? t.vec() : e.nextVec(v, s);
      if (t && (sp || wt)) {
        if (wt) checker.countStep(B(), actionInfo(t.step, t.args, t.label), t.next, want);
        const f = sp ? checker.atStep(B(), t, want) : [];
        if (f.length) return f[0];
      }
      if (t && watched) {
        const r = checker.monitorStep(ms, B(), actionInfo(s.step, s.args, t.label), t.next, want);
        if (r.found.length) return r.found[0];
        ms = r.states;
      }
      v = nv;
      h1 = s.h1;
      h2 = s.h2;
    }
  };

  const arb = fc.array(fc.nat({ max: 0xffff }), { maxLength: o.depth, size: 'max' });
  while (want.size && runs < o.runs) {
    const remaining = o.runs - runs;
    let inCheck = 0;
    let shrinking = false;
    let shrinkRuns = 0;
    const budget = o.budgetMs === undefined ? undefined : Math.max(1, o.budgetMs - (Date.now() - t0));
    const details = fc.check(
      fc.property(arb, (choices) => {
        if (!shrinking) {
          if (shard && k++ % shard.count !== shard.index) return true;
          executed++;
        } else if (++shrinkRuns > SHRINK_RUNS) {
          // Past the budget every candidate 'passes', so fast-check keeps the smallest failure so far;
          // `minimize` then makes it 1-minimal. A count, not a time, so the result stays deterministic.
          return true;
        }
        counting = !shrinking;
        const r = run(choices);
        counting = false;
        // Generated runs only (not shrink attempts) count towards the budget fast-check reports.
        if (!shrinking) inCheck++;
        if (r !== null) shrinking = true;
        if (o.onProgress && Date.now() - lastReport > 250) {
          lastReport = Date.now();
          o.onProgress({ runs: shard ? executed : Math.min(o.runs, runs + inCheck), steps });
        }
        return r === null;
      }),
      { seed, numRuns: remaining, interruptAfterTimeLimit: budget, markInterruptAsFailure: false },
    );
    runs += details.numRuns;
    if (details.interrupted) {
      stoppedBy = 'time';
    }
    if (!details.failed || !details.counterexample) break;
    const choices = details.counterexample[0] as number[];
    const acts = choicesToActions(d, cfg, choices);
    const f = run(choices)!;
    const raw: Found = { property: f.property, message: f.message, actions: acts.map(toTraceStep), drain: f.drain };
    const min = minimize(d, cfg, checker, raw);
    found.push({ ...min, seed, path: details.counterexamplePath ?? null });
    want.delete(f.property);
    seed++;
    if (stoppedBy === 'time') break;
  }
  if (!want.size) stoppedBy = 'all-found';
  return { found, runs: shard ? executed : runs, steps, stoppedBy };
}
