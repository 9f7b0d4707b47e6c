/**
 * Seed 003 "JIT switching between sending jobs one by one to the kernel vs batching them in user space"
 * (issue 12.5): every mode keeps the usual properties, and the design's metrics move the way the seed
 * says: batching enters the kernel less often and makes the first job wait for its batch.
 */
import { describe, expect, test } from 'vitest';
import { checkDesigns } from '../../src/api.ts';
import { evaluateMetrics, type MetricResult } from '../../src/report/metrics.ts';
import d from '../../models/designs/io-uring-jit-batching.ts';

/** The design's metrics as `check` reports them, for its config `config` (fair run + seeded random runs). */
function metricsOf(config: string): Record<string, MetricResult> {
  const at = { ...d, bounds: { ...d.bounds, random: { ...d.bounds.random, config } } };
  return Object.fromEntries(evaluateMetrics(at, { runs: 5 }).map((m) => [m.metric, m]));
}

describe('io-uring-jit-batching: the usual properties hold in every mode', async () => {
  const r = await checkDesigns({ designs: ['io-uring-jit-batching'], engine: 'exhaustive', metrics: false });
  test.each(r.cells.map((c) => [c.property, c] as const))('%s', (_n, c) => {
    expect(c.match, `${c.message ?? c.bound}`).toBe(true);
    if (c.observed === 'holds') expect(c.bound).toMatch(/^all \d+ reachable states/);
  });
  test('the one-by-one config holds the same, exhaustively', async () => {
    const o = await checkDesigns({
      designs: ['io-uring-jit-batching'],
      engine: 'exhaustive',
      config: 'small',
      set: { mode: 'one-by-one' },
      metrics: false,
    });
    for (const c of o.cells) expect(c.match, `${c.property}: ${c.message ?? c.bound}`).toBe(true);
  });
});

describe('metric directions (seed 003)', () => {
  const oneByOne = metricsOf('one-by-one');
  const batched = metricsOf('default');
  const jit = metricsOf('jit');
  const entries = d.configs.default.program.length;
  test('every run settled and every metric evaluated', () => {
    for (const m of [oneByOne, batched, jit].flatMap((x) => Object.values(x))) {
      expect(m.error).toBeUndefined();
      expect(m.unsettled).toBe(0);
    }
  });
  test('batching: fewer kernel entries (one per batch instead of one per job)', () => {
    expect(oneByOne['kernel-entries'].fair).toBe(entries);
    expect(batched['kernel-entries'].fair).toBe(Math.ceil(entries / d.configs.default.batch));
    expect(batched['kernel-entries'].random!.max).toBeLessThan(oneByOne['kernel-entries'].random!.min);
  });
  test('batching: a higher first-job latency (the first entry waits for its batch)', () => {
    const lat = (m: Record<string, MetricResult>) => m['first-job-latency-steps'].fair!;
    expect(lat(oneByOne)).toBeGreaterThan(0);
    expect(lat(batched)).toBeGreaterThan(lat(oneByOne));
  });
  test("JIT: one-by-one's first-job latency, no more kernel entries than one-by-one", () => {
    expect(jit['first-job-latency-steps'].fair).toBe(oneByOne['first-job-latency-steps'].fair);
    expect(jit['kernel-entries'].random!.max).toBeLessThanOrEqual(entries);
    expect(jit['kernel-entries'].random!.min).toBeLessThan(entries);
  });
});

describe('metrics follow --config/--set', () => {
  test("check's numbers are the chosen mode's: one-by-one enters the kernel more often than batched", async () => {
    const entries = async (mode: string) => {
      const r = await checkDesigns({
        designs: ['io-uring-jit-batching'],
        engine: 'random',
        runs: 2,
        config: 'small',
        set: { mode },
      });
      const m = r.metrics.find((x) => x.metric === 'kernel-entries')!;
      expect(m.config).toBe(`small --set mode=${mode}`);
      return m.fair!;
    };
    expect(await entries('one-by-one')).toBeGreaterThan(await entries('batched'));
  });
});
