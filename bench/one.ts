/**
 * One bench measurement, run in its own process by bench/run.ts so that peak memory is clean. Reads a
 * JSON job from argv[2], prints one JSON result line on stdout.
 */
import fc from 'fast-check';
import { registry } from '../src/registry.ts';
import { Checker } from '../src/check.ts';
import { exploreExhaustive } from '../src/explore/exhaustive.ts';
import { exploreRandom } from '../src/explore/random.ts';
import { engineFor } from '../src/explore/drain.ts';
import { fpKey } from '../src/world/fast.ts';
import { runNaive } from './naive.ts';
import type { Variant } from '../models/reference/rw-umf.ts';

export type Job =
  | {
      kind: 'exhaustive';
      design: string;
      config: unknown;
      props: string[];
      maxStates: number;
      maxMemoryBytes: number;
      budgetMs?: number;
      exploreAll: boolean;
    }
  | { kind: 'random-walk'; design: string; config: unknown; props: string[]; runs: number; depth: number; seed: number }
  | { kind: 'random'; design: string; config: unknown; props: string[]; runs: number; depth: number; seed: number }
  | {
      kind: 'naive';
      variant: Variant;
      P: number;
      J: number;
      numRuns: number;
      maxCommands: number;
      seed: number;
      timeLimitMs: number;
      stopOnViolation?: boolean;
    };

const job = JSON.parse(process.argv[2]) as Job;
const peak = () => process.resourceUsage().maxRSS * 1024;

async function main() {
  if (job.kind === 'naive') {
    const r = runNaive(job.variant, job.P, job.J, job);
    return { ...r, peakRss: peak() };
  }
  const { designs, properties } = await registry();
  const d = designs.get(job.design)!;
  const cfg = job.config;
  const props = job.props.map((p) => properties.get(p)!);
  const checker = new Checker(d, cfg, props);
  if (job.kind === 'exhaustive') {
    const r = exploreExhaustive(d, cfg, checker, job.props, {
      maxDepth: 1e9,
      maxStates: job.maxStates,
      maxMemoryBytes: job.maxMemoryBytes,
      budgetMs: job.budgetMs,
      exploreAll: job.exploreAll,
    });
    return {
      states: r.states,
      transitions: r.transitions,
      ms: r.ms,
      stoppedBy: r.stoppedBy,
      depth: r.depth,
      bound: r.bound,
      bytesPerState: r.memory.bytesPerState,
      structureBytes: r.memory.structureBytes,
      peakRss: peak(),
      collision: r.fingerprints.collisionProbability,
      reductions: r.reductions,
      found: r.found.map((f) => ({
        property: f.property,
        length: f.actions.length,
        atStates: f.atStates,
        atMs: f.atMs,
      })),
    };
  }
  if (job.kind === 'random') {
    const t0 = performance.now();
    const r = exploreRandom(d, cfg, checker, job.props, { runs: job.runs, depth: job.depth, seed: job.seed });
    return {
      runs: r.runs,
      steps: r.steps,
      ms: performance.now() - t0,
      stoppedBy: r.stoppedBy,
      found: r.found.map((f) => ({ property: f.property, length: f.actions.length })),
      peakRss: peak(),
    };
  }
  // random-walk: exploreRandom's inner loop (same engine, same checker, fast-check choice arrays),
  // but a violation does not stop the run: the throughput of random mode with properties on.
  const e = engineFor(d, cfg);
  const v0 = e.encode(d.init(cfg));
  const [i1, i2] = e.hash(v0);
  const want = new Set(job.props);
  let steps = 0,
    violations = 0;
  const t0 = performance.now();
  fc.check(
    fc.property(fc.array(fc.nat({ max: 0xffff }), { maxLength: job.depth, size: 'max' }), (choices) => {
      let v = v0,
        h1 = i1,
        h2 = i2;
      for (let n = 0; ; n++) {
        const succ = e.successors(v, h1, h2);
        const cur = v;
        violations += checker.atState(() => e.decode(cur), want, fpKey(h1, h2), succ.length, {
          engine: e,
          vec: v,
          h1,
          h2,
        }).length;
        if (n === choices.length || !succ.length) return true;
        const s = succ[choices[n] % succ.length];
        steps++;
        v = e.nextVec(v, s);
        h1 = s.h1;
        h2 = s.h2;
      }
    }),
    { numRuns: job.runs, seed: job.seed },
  );
  return { runs: job.runs, steps, ms: performance.now() - t0, violations, drains: checker.drainsRun, peakRss: peak() };
}

main().then(
  (r) => {
    process.stdout.write(JSON.stringify(r) + '\n');
  },
  (e) => {
    process.stderr.write(String(e?.stack ?? e) + '\n');
    process.exitCode = 1;
  },
);
