/**
 * The numbers designs report (Design.metrics: over-synchronisation, frame latency, pipelining lost),
 * evaluated reproducibly. Each metric is a function of a world; we evaluate it where the work is done:
 *
 * - fair run: from the initial world of the design's random-bounds config, every step except faults
 *   may run, and the enabled action taken least recently goes next (the drain's fairness, applied to
 *   userspace too), until nothing is enabled or the depth bound is reached; then the drain settles
 *   what the kernel, the GPU and the timers still have to do. One deterministic number.
 * - random runs: N runs with a fixed seed (mulberry32), choosing uniformly among the enabled non-fault
 *   actions up to the depth bound, each followed by the drain. The spread (min, mean, max) shows how
 *   much the number depends on the interleaving.
 *
 * Faults (hangs, crashes) are left out on purpose: the numbers describe the design doing its job, not
 * recovering from a failure. A run whose drain does not settle is evaluated where it stopped and
 * counted in `unsettled`.
 */
import type { Design } from '../../models/design.ts';
import type { World } from '../../models/world.ts';
import { enabledActions } from '../world/steps.ts';
import { drain, leastRecent } from '../explore/drain.ts';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MODELS_DIR } from './machines.ts';

export interface MetricResult {
  design: string;
  metric: string;
  config: string;
  /** The value after the fair run and its drain (null if the metric threw). */
  fair: number | null;
  random: { runs: number; min: number; mean: number; max: number } | null;
  /** Runs (of 1 + N) whose drain did not settle within its bound. */
  unsettled: number;
  /** What the number means. */
  doc: string;
  error?: string;
}

/** What the metric names used by the designs mean. A design may use others: then the doc says so. */
export const METRIC_DOCS: Record<string, string> = {
  'over-synchronisation':
    'waits the design imposes that the data flow does not need: dependencies added on fences of work that touches ' +
    'none of the same buffers (0 = the design waits only where data flows).',
  'over-synchronization': 'waits the design imposes that the data flow does not need (see over-synchronisation).',
  'frame-latency':
    'steps between a client submitting a frame and the display showing it, averaged over the frames shown (lower is ' +
    'better).',
  'frame latency':
    'steps between a client submitting a frame and the display showing it, averaged over the frames shown (lower is ' +
    'better).',
  'pipelining-lost':
    'submissions that had to wait on the CPU (userspace or the kernel waited for a fence) where the GPU could have ' +
    'queued them behind the dependency (0 = full pipelining).',
  'pipelining lost':
    'submissions that had to wait on the CPU where the GPU could have queued them behind the dependency (0 = full ' +
    'pipelining).',
};

let sources: Map<string, string> | undefined;
function modelSources(): Map<string, string> {
  if (sources) return sources;
  sources = new Map();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir).sort()) {
      const p = join(dir, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (e.endsWith('.ts')) sources!.set(p, readFileSync(p, 'utf8'));
    }
  };
  walk(MODELS_DIR);
  return sources;
}

const flat = (doc: string) =>
  doc
    .split('\n')
    .map((l) => l.replace(/^\s*\*\s?/, ''))
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
const IGNORED = new Set([
  'w',
  'cfg',
  '_w',
  '_cfg',
  'g',
  'as',
  'number',
  'undefined',
  'Number',
  'Math',
  'const',
  'return',
]);

/**
 * What a metric means, read from the code: the design's `metrics` entry for `name` is found in
 * models/, and the doc comment of the function (or ghost variable) it evaluates is taken: the TSDoc
 * above `function f` / `const f`, or the `//` comment on the line above where a ghost global is set.
 */
export function metricDocFromSource(name: string): string | null {
  const src = modelSources();
  const keyRe = new RegExp(`['"]?${name.replace(/[-/\\^$*+?.()|[\]{}]/g, '\\$&')}['"]?\\s*:\\s*([^\\n]*)`);
  for (const text of src.values()) {
    if (!/metrics\s*:/.test(text)) continue;
    const m = keyRe.exec(text.slice(text.search(/metrics\s*:/)));
    if (!m) continue;
    const expr = m[1];
    for (const id of [...new Set([...expr.matchAll(/\b([A-Za-z_][A-Za-z0-9_]*)\b/g)].map((x) => x[1]))].filter(
      (x) => !IGNORED.has(x),
    )) {
      for (const t of src.values()) {
        const fn = new RegExp(`/\\*\\*((?:(?!\\*/)[\\s\\S])*)\\*/\\s*export\\s+(?:function|const)\\s+${id}\\b`).exec(t);
        if (fn) return flat(fn[1]);
      }
      for (const t of src.values()) {
        const ghost = new RegExp(`^\\s*//\\s*(.+)\\n[^\\n]*\\b${id}\\b`, 'm').exec(t);
        if (ghost) return ghost[1].trim();
      }
    }
  }
  return null;
}

export function metricDoc(name: string): string {
  const fromSource = metricDocFromSource(name);
  if (fromSource) return fromSource;
  const key = name.toLowerCase();
  if (METRIC_DOCS[key]) return METRIC_DOCS[key];
  const k = Object.keys(METRIC_DOCS).find((x) => key.replace(/[-_ ]/g, '') === x.replace(/[-_ ]/g, ''));
  return k ? METRIC_DOCS[k] : 'defined in the design file (no description registered in src/report/metrics.ts)';
}

/** mulberry32: a small deterministic PRNG, so the numbers do not depend on fast-check's internals. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const noFault = (r: string) => r !== 'fault';

/** Fair deterministic run (least recently taken label first), no faults, then the drain. */
export function fairRun(d: Design, cfg: unknown, depth: number): { world: World; settled: boolean } {
  let w = d.init(cfg);
  const last = new Map<string, number>();
  for (let i = 0; i < depth; i++) {
    const acts = enabledActions(d, cfg, w, noFault);
    if (!acts.length) break;
    const best = leastRecent(acts, last);
    last.set(best.label, i);
    w = best.next;
  }
  const r = drain(d, cfg, w);
  return { world: r.settled ?? w, settled: !!r.settled };
}

export function randomRun(d: Design, cfg: unknown, depth: number, seed: number): { world: World; settled: boolean } {
  const rnd = mulberry32(seed);
  let w = d.init(cfg);
  for (let i = 0; i < depth; i++) {
    const acts = enabledActions(d, cfg, w, noFault);
    if (!acts.length) break;
    w = acts[Math.floor(rnd() * acts.length)].next;
  }
  const r = drain(d, cfg, w);
  return { world: r.settled ?? w, settled: !!r.settled };
}

export interface MetricOptions {
  runs?: number;
  seed?: number;
  /** Override the depth bound (default: the design's random bound). */
  depth?: number;
  /** The config to measure (`check --config/--set`); default: the design's random-bound config. */
  config?: { name: string; cfg: unknown };
}

export function evaluateMetrics(d: Design, o: MetricOptions = {}): MetricResult[] {
  const names = Object.keys(d.metrics ?? {});
  if (!names.length) return [];
  const config = o.config?.name ?? d.bounds.random.config;
  const cfg = o.config ? o.config.cfg : d.configs[config];
  const depth = o.depth ?? d.bounds.random.depth;
  const n = o.runs ?? 20;
  const seed = o.seed ?? 1;
  const runs = [fairRun(d, cfg, depth)];
  for (let i = 0; i < n; i++) runs.push(randomRun(d, cfg, depth, seed + i));
  const unsettled = runs.filter((r) => !r.settled).length;
  return names.map((name) => {
    const f = d.metrics![name];
    try {
      const vals = runs.map((r) => f(r.world, cfg));
      const rs = vals.slice(1);
      return {
        design: d.name,
        metric: name,
        config,
        fair: vals[0],
        unsettled,
        doc: metricDoc(name),
        random: rs.length
          ? {
              runs: rs.length,
              min: Math.min(...rs),
              mean: rs.reduce((a, b) => a + b, 0) / rs.length,
              max: Math.max(...rs),
            }
          : null,
      };
    } catch (e) {
      return {
        design: d.name,
        metric: name,
        config,
        fair: null,
        random: null,
        unsettled,
        doc: metricDoc(name),
        error: (e as Error).message,
      };
    }
  });
}
