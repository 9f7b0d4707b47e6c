/**
 * The programmatic API the CLI and the tests share: list, check, replay.
 */
import type { Design, Verdict } from '../models/design.ts';
import { temporalOf } from '../properties/property.ts';
import type { Json } from '../models/world.ts';
import { worldImage } from '../models/world.ts';
import { registry } from './registry.ts';
import { traceDigest } from './counterexample/digest.ts';
import { Checker } from './check.ts';
import { exploreExhaustive, collisionLine } from './explore/exhaustive.ts';
import { evaluateMetrics, type MetricResult } from './report/metrics.ts';
import { exploreRandom } from './explore/random.ts';
import { findAction } from './world/steps.ts';
import type { Found } from './explore/trace.ts';
import { saveTrace } from './counterexample/store.ts';
import type { TraceFile } from './counterexample/itf.ts';
import { InputError } from './counterexample/replay.ts';

export { InputError } from './counterexample/replay.ts';
export { replayFile } from './counterexample/replay.ts';

export type Engine = 'random' | 'exhaustive' | 'both';

export interface CheckOptions {
  designs?: string[];
  properties?: string[];
  engine?: Engine;
  runs?: number;
  depth?: number;
  maxStates?: number;
  seed?: number;
  budgetMs?: number;
  /** Exhaustive: symmetry reduction for designs that declare interchangeable objects (default on). */
  symmetry?: boolean;
  /** Exhaustive: partial-order reduction when only terminal properties are looked for (default on). */
  por?: boolean;
  /** Exhaustive: drain properties on the state graph ('graph', default) or by one fair drain ('drain'). */
  liveness?: 'graph' | 'drain';
  /** Exhaustive: stop with a partial verdict above this resident memory, in MiB. */
  maxMemoryMb?: number;
  /** Evaluate the numbers designs report (Design.metrics) after exploring (default on). */
  metrics?: boolean;
  save?: boolean;
  onProgress?: (p: Progress) => void;
}

export interface Progress {
  design: string;
  engine: 'random' | 'exhaustive';
  states?: number;
  runs?: number;
  steps?: number;
  total?: number;
}

export interface Cell {
  design: string;
  property: string;
  expected: Verdict;
  observed: Verdict;
  engine: string;
  config: string;
  runs: number;
  states: number;
  steps: number;
  ms: number;
  /** What the verdict rests on: the bound explored, or the trace length. */
  bound: string;
  /**
   * A 'holds' from a run stopped early: the bound that stopped it ('depth', 'states', 'memory' or
   * 'time'), else null. Such a cell is not a pass (issue 14.1).
   */
  partial: string | null;
  /** Steps per random run (random engines), or the BFS depth reached (exhaustive). */
  depth: number;
  trace: string | null;
  message: string | null;
}

export interface CheckResult {
  ok: boolean;
  cells: Cell[];
  /** Per design explored exhaustively: TLC-style fingerprint collision estimate and the reductions used. */
  exhaustive: {
    design: string;
    config: string;
    states: number;
    collision: string;
    reductions: { symmetry: string; por: string };
  }[];
  /** The numbers designs report (over-synchronisation, frame latency, pipelining lost, ...). */
  metrics: MetricResult[];
}

const DEFAULT_SEED = 1;

export async function listAll() {
  const { designs, properties } = await registry();
  return {
    designs: [...designs.values()].map((d) => ({
      name: d.name,
      summary: d.summary,
      source: d.source,
      expect: d.expect,
      configs: Object.keys(d.configs),
      bounds: d.bounds,
    })),
    properties: [...properties.values()].map((p) => ({
      name: p.name,
      kind: p.kind,
      temporal: temporalOf(p),
      observes: p.observes ?? null,
      rules: p.rules,
      statement: p.statement,
    })),
  };
}

/** Resolve names to objects; unknown names are InputErrors. `variants`: see checkDesigns. */
async function select(o: CheckOptions, variants: readonly Design[]) {
  const { designs, properties } = await registry();
  for (const v of variants)
    for (const n of Object.keys(v.expect))
      if (!properties.has(n))
        throw new InputError(`design variant '${v.name}' expects a verdict for unknown property '${n}'`);
  for (const n of o.designs ?? [])
    if (!designs.has(n)) throw new InputError(`unknown design '${n}'; known: ${[...designs.keys()].join(', ')}`);
  for (const n of o.properties ?? [])
    if (!properties.has(n))
      throw new InputError(`unknown property '${n}'; known: ${[...properties.keys()].join(', ')}`);
  const named = o.designs?.length
    ? o.designs.map((n) => designs.get(n)!)
    : variants.length
      ? []
      : [...designs.values()];
  return { ds: [...named, ...variants], properties };
}

/**
 * The cells a check would run, design by design, validated before anything runs: a property asked
 * for by name on a design asked for by name must be one the design declares, and a selection of
 * nothing at all is an error, not an empty pass (issue 14.1).
 */
export async function checkPlan(
  o: CheckOptions,
  variants: readonly Design[] = [],
): Promise<{ design: string; properties: string[] }[]> {
  const { ds } = await select(o, variants);
  const plan = ds.map((d) => ({
    design: d.name,
    properties: Object.keys(d.expect)
      .filter((p) => !o.properties?.length || o.properties.includes(p))
      .sort(),
  }));
  if (o.designs?.length && o.properties?.length)
    for (const d of ds)
      for (const p of o.properties)
        if (!Object.hasOwn(d.expect, p))
          throw new InputError(
            `design '${d.name}' does not declare property '${p}'; it declares: ` +
              `${Object.keys(d.expect).sort().join(', ')}`,
          );
  if (!plan.some((c) => c.properties.length))
    throw new InputError(
      `nothing to check: no selected design declares ` +
        `${o.properties?.map((p) => `'${p}'`).join(' or ') ?? 'a property'}`,
    );
  return plan.filter((c) => c.properties.length);
}

/** Re-run a found trace to get the world images the ITF file records. */
function images(d: Design, cfg: unknown, f: Found): Json[] {
  let w = d.init(cfg);
  const out: Json[] = [worldImage(w) as Json];
  for (const a of f.actions) {
    const act = findAction(d, cfg, w, a.step, a.args);
    if (!act) throw new Error(`internal: found trace does not replay at ${a.label}`);
    w = act.next;
    out.push(worldImage(w) as Json);
  }
  return out;
}

export function toTraceFile(
  d: Design,
  configName: string,
  cfg: unknown,
  f: Found,
  engine: 'random' | 'exhaustive',
  seed: number | null,
  path: string | null,
): TraceFile {
  return {
    meta: {
      design: d.name,
      config: configName,
      configValues: cfg as Json,
      property: f.property,
      expect: d.expect[f.property]?.verdict === 'violates' ? 'violates' : 'holds',
      engine,
      seed,
      path,
      modelDigest: traceDigest(d, cfg, f.property, f.actions),
      violation: f.message,
      actions: f.actions,
      drain: f.drain,
      ...(f.loop === undefined ? {} : { loop: f.loop }),
    },
    states: images(d, cfg, f),
  };
}

/**
 * Check designs against their expectations. `variants` are designs given as objects (one a test or a
 * proposal builds, e.g. `{ ...d, expect: { ...d.expect, 'no-starvation': {...} } }`), checked after the
 * named ones, or alone when `o.designs` is empty.
 */
export async function checkDesigns(o: CheckOptions, variants: readonly Design[] = []): Promise<CheckResult> {
  await checkPlan(o, variants);
  const { ds, properties } = await select(o, variants);
  const engine = o.engine ?? 'both';
  const cells: Cell[] = [];
  const exhaustive: CheckResult['exhaustive'] = [];
  const metrics: MetricResult[] = [];
  for (const d of ds) {
    const names = Object.keys(d.expect)
      .filter((p) => !o.properties?.length || o.properties.includes(p))
      .sort();
    if (!names.length) continue;
    const props = names.map((n) => properties.get(n)!);
    const done = new Map<string, Cell>();
    const mk = (p: string, eng: string, config: string, extra: Partial<Cell>): Cell => ({
      design: d.name,
      property: p,
      expected: d.expect[p].verdict as Verdict,
      observed: 'holds',
      engine: eng,
      config,
      runs: 0,
      states: 0,
      steps: 0,
      ms: 0,
      bound: '',
      trace: null,
      message: null,
      partial: null,
      depth: 0,
      ...extra,
    });
    const record = (
      f: Found,
      eng: 'random' | 'exhaustive',
      config: string,
      cfg: unknown,
      seed: number | null,
      path: string | null,
      stats: Partial<Cell>,
    ) => {
      let trace: string | null = null;
      if (o.save) trace = saveTrace(toTraceFile(d, config, cfg, f, eng, seed, path)).path;
      done.set(
        f.property,
        mk(f.property, eng, config, {
          ...stats,
          observed: 'violates',
          trace,
          message: f.message,
          bound: `${f.actions.length}-step trace`,
        }),
      );
    };

    if (engine !== 'random') {
      const b = d.bounds.exhaustive;
      const cfg = d.configs[b.config];
      const t0 = Date.now();
      const checker = new Checker(d, cfg, props);
      const r = exploreExhaustive(d, cfg, checker, names, {
        maxDepth: o.depth ?? b.depth,
        maxStates: o.maxStates ?? b.maxStates ?? 1_000_000,
        budgetMs: o.budgetMs,
        symmetry: o.symmetry,
        por: o.por,
        liveness: o.liveness,
        maxMemoryBytes: o.maxMemoryMb === undefined ? undefined : o.maxMemoryMb * 2 ** 20,
        onProgress: (p) => o.onProgress?.({ design: d.name, engine: 'exhaustive', states: p.states }),
      });
      const ms = Date.now() - t0;
      const stats = { states: r.states, steps: r.transitions, ms, depth: r.depth };
      for (const f of r.found) record(f, 'exhaustive', b.config, cfg, null, null, stats);
      const bound = `${r.bound} of config '${b.config}'`;
      exhaustive.push({
        design: d.name,
        config: b.config,
        states: r.states,
        collision: collisionLine(r),
        reductions: r.reductions,
      });
      const partial = r.stoppedBy === 'complete' || r.stoppedBy === 'all-found' ? null : r.stoppedBy;
      for (const n of names) if (!done.has(n)) done.set(n, mk(n, 'exhaustive', b.config, { ...stats, bound, partial }));
    }
    const open = names.filter((n) => done.get(n)?.observed !== 'violates');
    if (engine !== 'exhaustive' && open.length) {
      const b = d.bounds.random;
      const cfg = d.configs[b.config];
      const seed = o.seed ?? DEFAULT_SEED;
      const runs = o.runs ?? b.runs ?? 200;
      const depth = o.depth ?? b.depth;
      const t0 = Date.now();
      const checker = new Checker(
        d,
        cfg,
        props.filter((p) => open.includes(p.name)),
      );
      const r = exploreRandom(d, cfg, checker, open, {
        runs,
        depth,
        seed,
        budgetMs: o.budgetMs,
        onProgress: (p) =>
          o.onProgress?.({ design: d.name, engine: 'random', runs: p.runs, steps: p.steps, total: runs }),
      });
      const ms = Date.now() - t0;
      const stats = { runs: r.runs, steps: r.steps, ms, depth };
      for (const f of r.found) record(f, 'random', b.config, cfg, f.seed, f.path, stats);
      for (const n of open) {
        if (done.get(n)?.observed === 'violates') continue;
        const prev = done.get(n);
        const bound =
          `${r.runs} random runs of up to ${depth} steps of config '${b.config}', seed ` +
          `${seed}${r.stoppedBy === 'time' ? ' (stopped by the time budget)' : ''}`;
        done.set(
          n,
          mk(n, prev ? 'exhaustive+random' : 'random', prev ? `${prev.config}+${b.config}` : b.config, {
            ...stats,
            states: prev?.states ?? 0,
            ms: ms + (prev?.ms ?? 0),
            bound: prev ? `${prev.bound}; ${bound}` : bound,
            partial: prev?.partial ?? (r.stoppedBy === 'time' ? 'time' : null),
          }),
        );
      }
    }
    for (const n of names) cells.push(done.get(n)!);
    if (o.metrics !== false) metrics.push(...evaluateMetrics(d, { runs: 10, seed: o.seed ?? DEFAULT_SEED }));
  }
  return { ok: cells.every((c) => c.expected === c.observed), cells, exhaustive, metrics };
}
