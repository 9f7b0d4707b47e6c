/**
 * The programmatic API the CLI and the tests share: list, check, replay.
 */
import type { Design, Verdict } from '../models/design.ts';
import { temporalOf, type Property } from '../properties/property.ts';
import type { Json } from '../models/world.ts';
import { worldImage } from '../models/world.ts';
import { registry } from './registry.ts';
import { traceDigest } from './counterexample/digest.ts';
import { Checker } from './check.ts';
import { collisionLine } from './explore/exhaustive.ts';
import { exploreAuto } from './explore/parallel.ts';
import { evaluateMetrics, type MetricResult } from './report/metrics.ts';
import { exploreRandom } from './explore/random.ts';
import { findAction } from './world/steps.ts';
import { minimize, type Found } from './explore/trace.ts';
import { saveTrace } from './counterexample/store.ts';
import type { TraceFile } from './counterexample/itf.ts';
import { InputError } from './counterexample/replay.ts';
import { applies, resolveConfig, scopeOf } from './scope.ts';
import { whatIfChanges, without, type WhatIf, type WhatIfChange } from './what-if.ts';

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
  /** A named config for both engines (default: each engine's config in the design's bounds). */
  config?: string;
  /** Overrides of the config's values, as `--set key=value` gives them (issue 11.1). */
  set?: Record<string, string>;
  /** A what-if (issue 12.2): also check each design without this mechanism, and list what changes. */
  without?: WhatIf;
  onProgress?: (p: Progress) => void;
  /** Random engine only: execute the campaign's runs k with k mod count = index (`merge` joins shards). */
  shard?: { index: number; count: number };
  /** Exhaustive: worker threads (default: one per core once a one-worker probe shows the space is big). */
  workers?: number;
}

export interface Progress {
  design: string;
  engine: 'random' | 'exhaustive';
  states?: number;
  runs?: number;
  steps?: number;
  total?: number;
}

/**
 * What a cell shows (issue 11.2, 14.1): 'violates' a trace; 'holds' nothing found where the property's
 * precondition was reached; 'vacuous' nothing found but the precondition never reached (not a pass);
 * 'partial' a 'holds' from a run a bound stopped; 'n/a' the design opts out, with its reason.
 */
export type CellStatus = 'holds' | 'violates' | 'vacuous' | 'partial' | 'n/a';

export interface Cell {
  design: string;
  property: string;
  /** The design's expectation; null when the property applies but the design declares none. */
  expected: Verdict | 'n/a' | null;
  observed: Verdict | 'n/a';
  status: CellStatus;
  /** Does the cell pass: observed as expected, and a 'holds' reached (a vacuous one does not pass)? */
  match: boolean;
  /**
   * States (exhaustive: distinct; random: visited) and transitions where the property's witness held;
   * null when the property declares no witness or the cell was not explored.
   */
  reached: number | null;
  /** The scope of the verdict: the config's values (numbers, booleans, strings; lists by length). */
  scope: Record<string, Json>;
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
  /** With `without`: the what-if's cells, and those whose status differs from the design as it is. */
  whatIf?: { without: WhatIf; cells: Cell[]; changes: WhatIfChange[] };
}

export const DEFAULT_SEED = 1;

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
 * The cells a check would run, design by design, validated before anything runs. Properties apply by
 * default (issue 14.2): every property whose `needs` the design's world has, or that the design
 * declares; 'n/a' declarations become cells that are shown, not explored. A property asked for by name
 * on a design asked for by name must apply to it, and a selection of nothing is an error (issue 14.1).
 */
export async function checkPlan(
  o: CheckOptions,
  variants: readonly Design[] = [],
): Promise<{ design: string; properties: string[] }[]> {
  const { ds, properties } = await select(o, variants);
  const all = [...properties.values()];
  const plan = ds.map((d) => ({
    design: d.name,
    properties: all
      .filter((p) => applies(p, d) && (!o.properties?.length || o.properties.includes(p.name)))
      .map((p) => p.name)
      .sort(),
  }));
  if (o.designs?.length && o.properties?.length)
    for (const d of ds)
      for (const n of o.properties)
        if (!applies(properties.get(n)!, d))
          throw new InputError(
            `property '${n}' does not apply to design '${d.name}' (its world has none of ` +
              `${properties.get(n)!.needs?.join(', ') ?? 'what it observes'}, and the design declares no expectation)`,
          );
  if (!plan.some((c) => c.properties.length))
    throw new InputError(
      `nothing to check: no selected design has ${o.properties?.map((p) => `'${p}'`).join(' or ') ?? 'a property'}`,
    );
  if (o.config) for (const d of ds) resolveConfig(d, o.config, o.set);
  if (o.set && Object.keys(o.set).length) {
    if (!o.config) throw new InputError('--set needs --config NAME: the config whose values it changes');
    if (o.save) throw new InputError('--save with --set: a saved trace replays under a named config of its design');
  }
  return plan.filter((c) => c.properties.length);
}

/**
 * A graph-liveness counterexample that ends in a stuck state walks its kernel, GPU and timer steps to
 * it; it is minimized as a random trace is (src/explore/trace.ts `minimize`): cut where the fair drain
 * from an earlier state already shows the violation (the drain is then recorded, as for a drain-found
 * trace), and every action it does not need dropped, so every finite trace is judged the same way and
 * stays 1-minimal. Lassos are kept.
 */
function minimizeDrainTrace(d: Design, cfg: unknown, f: Found, p: Property): Found {
  if (p.kind !== 'drain' || f.loop !== undefined) return f;
  return { ...f, ...minimize(d, cfg, new Checker(d, cfg, [p]), f) };
}

/** Does a cell pass? As expected, and a 'holds' that rests on a reached precondition (issue 11.2). */
export function cellMatches(c: Pick<Cell, 'expected' | 'observed' | 'reached'> & { partial?: string | null }): boolean {
  if (c.expected === 'n/a') return c.observed === 'n/a';
  if (c.expected === null || c.expected !== c.observed) return false;
  // a partial 'holds' is already not a pass (exit 3); vacuity is judged on complete runs
  return c.observed !== 'holds' || c.reached !== 0 || !!c.partial;
}

export function statusOf(c: Pick<Cell, 'observed' | 'reached' | 'partial'>): CellStatus {
  if (c.observed === 'n/a') return 'n/a';
  if (c.observed === 'violates') return 'violates';
  if (c.partial) return 'partial';
  return c.reached === 0 ? 'vacuous' : 'holds';
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
  if (o.without) {
    if (o.save) throw new InputError('--save with --without: a what-if trace would not replay on the design as it is');
    const base = await checkDesigns({ ...o, without: undefined }, variants);
    const { ds } = await select(o, variants);
    const alt = await checkDesigns(
      { ...o, without: undefined, designs: [], onProgress: undefined },
      ds.map((d) => without(d, o.without!)),
    );
    return { ...base, whatIf: { without: o.without, cells: alt.cells, changes: whatIfChanges(base, alt) } };
  }
  const plan = new Map((await checkPlan(o, variants)).map((c) => [c.design, c.properties]));
  const { ds, properties } = await select(o, variants);
  const engine = o.engine ?? 'both';
  if (o.shard && engine !== 'random')
    throw new InputError(`--shard splits random runs: use it with --engine random (got '${engine}')`);
  const cells: Cell[] = [];
  const exhaustive: CheckResult['exhaustive'] = [];
  const metrics: MetricResult[] = [];
  for (const d of ds) {
    const applicable = plan.get(d.name) ?? [];
    if (!applicable.length) continue;
    const na = applicable.filter((n) => d.expect[n]?.verdict === 'n/a');
    const names = applicable.filter((n) => !na.includes(n));
    const props = names.map((n) => properties.get(n)!);
    const done = new Map<string, Cell>();
    const reachedBy = new Map<string, number>();
    const cfgOf = (name: string) => (o.config ? resolveConfig(d, o.config, o.set) : d.configs[name]);
    const mk = (p: string, eng: string, config: string, extra: Partial<Cell>): Cell =>
      ({
        design: d.name,
        property: p,
        expected: d.expect[p]?.verdict ?? null,
        observed: 'holds',
        status: 'holds',
        match: false,
        reached: null,
        scope: {},
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
      }) as Cell;
    const record = (
      found: Found,
      eng: 'random' | 'exhaustive',
      config: string,
      cfg: unknown,
      seed: number | null,
      path: string | null,
      stats: Partial<Cell>,
    ) => {
      const f = minimizeDrainTrace(d, cfg, found, properties.get(found.property)!);
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

    const setNote =
      o.set && Object.keys(o.set).length
        ? ` --set ${Object.entries(o.set)
            .map(([k, v]) => `${k}=${v}`)
            .join(',')}`
        : '';
    if (engine !== 'random') {
      const b = { ...d.bounds.exhaustive, config: (o.config ?? d.bounds.exhaustive.config) + setNote };
      const cfg = cfgOf(d.bounds.exhaustive.config);
      const t0 = Date.now();
      const checker = new Checker(d, cfg, props);
      const r = await exploreAuto(d, cfg, checker, names, {
        workers: o.workers,
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
      const stats = { states: r.states, steps: r.transitions, ms, depth: r.depth, scope: scopeOf(cfg) };
      for (const f of r.found) record(f, 'exhaustive', b.config, cfg, null, null, stats);
      for (const [n, k] of checker.reached) reachedBy.set(n, k);
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
      const b = { ...d.bounds.random, config: (o.config ?? d.bounds.random.config) + setNote };
      const cfg = cfgOf(d.bounds.random.config);
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
        shard: o.shard,
        onProgress: (p) =>
          o.onProgress?.({ design: d.name, engine: 'random', runs: p.runs, steps: p.steps, total: runs }),
      });
      const ms = Date.now() - t0;
      const stats = { runs: r.runs, steps: r.steps, ms, depth, scope: scopeOf(cfg) };
      for (const f of r.found) record(f, 'random', b.config, cfg, f.seed, f.path, stats);
      for (const [n, k] of checker.reached) reachedBy.set(n, (reachedBy.get(n) ?? 0) + k);
      for (const n of open) {
        if (done.get(n)?.observed === 'violates') continue;
        const prev = done.get(n);
        const bound =
          `${r.runs} random runs of up to ${depth} steps of config '${b.config}', seed ` +
          `${seed}${o.shard ? `, shard ${o.shard.index}/${o.shard.count}` : ''}` +
          `${r.stoppedBy === 'time' ? ' (stopped by the time budget)' : ''}`;
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
    for (const n of na) done.set(n, mk(n, 'none', '-', { observed: 'n/a', bound: `n/a: ${d.expect[n].why}` }));
    for (const n of applicable) {
      const c = done.get(n)!;
      if (c.observed === 'holds') c.reached = reachedBy.get(n) ?? null;
      c.status = statusOf(c);
      c.match = cellMatches(c);
      cells.push(c);
    }
    if (o.metrics !== false) {
      // Under --config/--set the numbers are the chosen scope's, like the cells beside them.
      const config = o.config ? { name: o.config + setNote, cfg: cfgOf(o.config) } : undefined;
      metrics.push(...evaluateMetrics(d, { runs: 10, seed: o.seed ?? DEFAULT_SEED, config }));
    }
  }
  return { ok: cells.every((c) => c.match), cells, exhaustive, metrics };
}
