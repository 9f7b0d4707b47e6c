/**
 * Issue 13.3: `check --shard i/n` splits a random campaign's runs (run k to shard k mod n), so the
 * shards of a campaign that finds nothing are exactly its runs; `merge` joins the shards' --json
 * outputs (a violation in any shard wins, holds needs every shard, runs and steps summed) and refuses
 * files of different campaigns with one line and exit 2.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { registry } from '../../src/registry.ts';
import { Checker } from '../../src/check.ts';
import { exploreRandom } from '../../src/explore/random.ts';
import { run } from './helpers.ts';

const D = 'umf-wrapped';
const dir = mkdtempSync(join(tmpdir(), 'fc-shard-'));
const check = async (...extra: string[]) => {
  const r = await run('check', '--design', D, '--engine', 'random', '--runs', '30', '--no-metrics', '--json', ...extra);
  return { ...r, j: JSON.parse(r.out) };
};
const save = (name: string, j: unknown) => {
  const f = join(dir, name);
  writeFileSync(f, JSON.stringify(j));
  return f;
};

describe('--shard', () => {
  test('the shards of a campaign that finds nothing run exactly its runs and steps', async () => {
    const { designs, properties } = await registry();
    const d = designs.get(D)!;
    const names = ['hw-access-resident', 'one-shot', 'vram-within-capacity'];
    const cfg = d.configs[d.bounds.random.config];
    const go = (shard?: { index: number; count: number }) =>
      exploreRandom(
        d,
        cfg,
        new Checker(
          d,
          cfg,
          names.map((n) => properties.get(n)!),
        ),
        names,
        { runs: 45, depth: 30, seed: 7, shard },
      );
    const whole = go();
    expect(whole.found).toEqual([]);
    expect(whole.runs).toBe(45);
    const parts = [0, 1, 2].map((index) => go({ index, count: 3 }));
    expect(parts.map((p) => p.runs)).toEqual([15, 15, 15]);
    expect(parts.reduce((n, p) => n + p.steps, 0)).toBe(whole.steps);
    // and each shard's steps are its own: the shards differ (runs are different choice sequences)
    expect(new Set(parts.map((p) => p.steps)).size).toBeGreaterThan(1);
  });

  test('bad --shard values and --shard without --engine random are input errors', async () => {
    for (const bad of ['2/2', '1', 'a/b', '0/0']) {
      const r = await run('check', '--design', D, '--engine', 'random', '--shard', bad);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/--shard takes i\/n/);
    }
    const r = await run('check', '--design', D, '--shard', '0/2');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--shard splits random runs: use it with --engine random/);
  });
});

describe('merge', async () => {
  const whole = await check();
  const s0 = await check('--shard', '0/2');
  const s1 = await check('--shard', '1/2');
  const f0 = save('s0.json', s0.j),
    f1 = save('s1.json', s1.j);

  test('the merged matrix has the unsharded verdicts, runs and steps summed', async () => {
    expect(s0.j.options.shard).toEqual({ index: 0, count: 2 });
    const r = await run('merge', f1, f0, '--json');
    expect(r.code).toBe(whole.code);
    const m = JSON.parse(r.out);
    expect(m.options.shards).toEqual([0, 1]);
    expect(m.cells.map((c: any) => [c.property, c.observed, c.status, c.match])).toEqual(
      whole.j.cells.map((c: any) => [c.property, c.observed, c.status, c.match]),
    );
    for (const [i, c] of m.cells.entries()) {
      expect(c.runs).toBe(s0.j.cells[i].runs + s1.j.cells[i].runs);
      expect(c.steps).toBe(s0.j.cells[i].steps + s1.j.cells[i].steps);
    }
    const t = await run('merge', f0, f1);
    expect(t.out).toMatch(/merged shards 0, 1 of 2/);
  });

  test('a violation in one shard wins over a holds in the other', async () => {
    const bad = structuredClone(s1.j);
    const held = bad.cells.findIndex((c: any) => c.observed === 'holds');
    bad.cells[held] = { ...bad.cells[held], observed: 'violates', message: 'm', bound: '3-step trace' };
    const r = await run('merge', f0, save('bad.json', bad), '--json');
    expect(r.code).toBe(1);
    const c = JSON.parse(r.out).cells[held];
    expect(c.observed).toBe('violates');
    expect(c.status).toBe('violates');
    expect(c.bound).toBe('3-step trace (shard 1/2)');
  });

  test('a missing shard: holds are partial', async () => {
    const m = JSON.parse((await run('merge', f0, '--json')).out);
    const holds = m.cells.filter((c: any) => c.observed === 'holds');
    expect(holds.length).toBeGreaterThan(0);
    expect(holds.every((c: any) => c.partial === 'shards' && c.status === 'partial')).toBe(true);
  });

  test('files of different campaigns, a shard twice, not a check output: one line, exit 2', async () => {
    const other = await check('--shard', '1/2', '--seed', '9');
    const cases: [string[], RegExp][] = [
      [[f0, save('seed.json', other.j)], /seed 9 differs from .*s0\.json's 1: not shards of one campaign/],
      [[f0, f0], /shard 0\/2 is also/],
      [
        [f0, save('three.json', { ...s1.j, options: { ...s1.j.options, shard: { index: 1, count: 3 } } })],
        /shard count 3/,
      ],
      [
        [f0, save('design.json', { ...s1.j, cells: s1.j.cells.map((c: any) => ({ ...c, config: 'large' })) })],
        /cells differ .*config large/,
      ],
      [[f0, save('junk.json', { hello: 1 })], /not a check --json output/],
    ];
    for (const [files, re] of cases) {
      const r = await run('merge', ...files);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(re);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
  });
});
