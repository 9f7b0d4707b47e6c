/**
 * One bench measurement, run in its own process by bench/run.ts so that peak memory is clean. Reads a
 * JSON job from argv[2], prints one JSON result line on stdout.
 */
import fc from 'fast-check';
import { registry } from '../src/registry.ts';
import type { Design } from '../models/design.ts';
import type { World } from '../models/world.ts';
import { actionInfo, Checker, type MonitorStates } from '../src/check.ts';
import type { ExhaustiveResult } from '../src/explore/exhaustive.ts';
import { exploreParallel } from '../src/explore/parallel.ts';
import { enabledActions } from '../src/world/steps.ts';
import { exploreRandom } from '../src/explore/random.ts';
import { engineFor } from '../src/explore/drain.ts';
import { cachedLabel, fpKey } from '../src/world/fast.ts';
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
      workers?: number;
    }
  | {
      kind: 'random-walk';
      design: string;
      config: unknown;
      props: string[];
      runs: number;
      depth: number;
      seed: number;
      budgetMs?: number;
    }
  | {
      /** A design row: one of the design's named configs, every property it expects a verdict for. */
      kind: 'design';
      engine: 'exhaustive' | 'random';
      design: string;
      configName: string;
      maxStates: number;
      budgetMs: number;
      maxMemoryBytes: number;
      runs: number;
      depth: number;
      seed: number;
      workers?: number;
    }
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
  if (!d) throw new Error(`no design '${job.design}'`);
  if (job.kind === 'design') {
    // every property the design expects a verdict for ('n/a' opts out), all on at once
    const names = Object.keys(d.expect)
      .filter((p) => d.expect[p].verdict !== 'n/a' && properties.has(p))
      .sort();
    const cfg = d.configs[job.configName];
    if (cfg === undefined) throw new Error(`design '${d.name}' has no config '${job.configName}'`);
    if (job.engine === 'random')
      return {
        ...walk(
          d,
          cfg,
          new Checker(
            d,
            cfg,
            names.map((p) => properties.get(p)!),
          ),
          names,
          job,
        ),
        properties: names,
      };
    const checker = new Checker(
      d,
      cfg,
      names.map((p) => properties.get(p)!),
    );
    const o = {
      maxDepth: 1e9,
      maxStates: job.maxStates,
      maxMemoryBytes: job.maxMemoryBytes,
      budgetMs: job.budgetMs,
      exploreAll: true,
    };
    const at = startClock();
    const r = await exploreParallel(d, cfg, checker, names, { ...o, workers: job.workers ?? 1 });
    return { ...exhaustiveOut(r, at), properties: names, workers: job.workers ?? 1 };
  }
  const cfg = job.config;
  const props = job.props.map((p) => properties.get(p)!);
  const checker = new Checker(d, cfg, props);
  if (job.kind === 'exhaustive') {
    const at = startClock();
    const r = await exploreParallel(d, cfg, checker, job.props, {
      maxDepth: 1e9,
      maxStates: job.maxStates,
      maxMemoryBytes: job.maxMemoryBytes,
      budgetMs: job.budgetMs,
      exploreAll: job.exploreAll,
      workers: job.workers ?? 1,
    });
    return { ...exhaustiveOut(r, at), workers: job.workers ?? 1 };
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
  return walk(d, cfg, checker, job.props, job);
}

/**
 * When the exploration starts: milliseconds since the process started (node, tsx, the registry, the
 * design's modules: what a tiny design's row mostly measures) and the CPU used so far.
 */
function startClock() {
  return { startupMs: performance.now(), cpu: process.cpuUsage() };
}
function exhaustiveOut(r: ExhaustiveResult, at: ReturnType<typeof startClock>) {
  const u = process.cpuUsage();
  const x = process.cpuUsage(at.cpu);
  return {
    /** CPU of the whole process, worker threads included (user + system). */
    cpuMs: (u.user + u.system) / 1000,
    /** CPU of the exploration alone (user + system; worker threads included). */
    exploreCpuMs: (x.user + x.system) / 1000,
    startupMs: at.startupMs,
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

/**
 * exploreRandom's inner loop (same engine, same checker, fast-check choice arrays: state, drain, step
 * and monitor properties), but a violation does not stop the run: the throughput of random mode with
 * properties on. Stops after `runs` runs or `budgetMs`, whichever first.
 */
function walk(
  d: Design,
  cfg: unknown,
  checker: Checker,
  props: string[],
  job: { runs: number; depth: number; seed: number; budgetMs?: number },
) {
  const e = engineFor(d, cfg);
  const w0 = d.init(cfg);
  const v0 = e.encode(w0);
  const [i1, i2] = e.hash(v0);
  const want = new Set(props);
  const needWorld = checker.needsWorld(want),
    sp = checker.needsSteps(want);
  const mon = checker.monitors.length > 0;
  const ms0 = checker.monitorInit(w0);
  let steps = 0,
    violations = 0,
    runs = 0;
  const t0 = performance.now();
  fc.check(
    fc.property(fc.array(fc.nat({ max: 0xffff }), { maxLength: job.depth, size: 'max' }), (choices) => {
      runs++;
      let v = v0,
        h1 = i1,
        h2 = i2;
      let ms: MonitorStates = ms0;
      for (let n = 0; ; n++) {
        const succ = e.successors(v, h1, h2);
        if (needWorld || succ.length === 0) {
          const cur = v;
          const fast = { engine: e, vec: v, h1, h2 };
          violations += checker.atState(() => e.decode(cur), want, fpKey(h1, h2), succ.length, fast, ms).length;
        }
        if (n === choices.length || !succ.length) return true;
        const s = succ[choices[n] % succ.length];
        steps++;
        let before: World | undefined;
        if (sp) {
          before = e.decode(v);
          violations += checker.atStep(before, enabledActions(d, cfg, before)[s.k], want).length;
        }
        const nv = e.nextVec(v, s);
        if (mon && checker.monitored(s.step)) {
          before ??= e.decode(v);
          const label = s.cand ? s.cand.label : cachedLabel(s.step, s.args);
          const r = checker.monitorStep(ms, before, actionInfo(s.step, s.args, label), e.decode(nv), want);
          violations += r.found.length;
          ms = r.states;
        }
        v = nv;
        h1 = s.h1;
        h2 = s.h2;
      }
    }),
    { numRuns: job.runs, seed: job.seed, interruptAfterTimeLimit: job.budgetMs, markInterruptAsFailure: false },
  );
  return { runs, steps, ms: performance.now() - t0, violations, drains: checker.drainsRun, peakRss: peak() };
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
