/**
 * The reference world in xstate (models/designs/rw-umf-*.ts) is the spec's world: the same distinct
 * states and transitions as the plain-TS transcription of the spec (bench/rw-umf-plain.ts), the same
 * shortest deadlock, and, when Spin is installed, the same state count as bench/rw-umf.pml. Verdicts:
 * A violates no-deadlock and finite-time, B holds both. Counts are stable run to run.
 */
import { describe, expect, test } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Checker } from '../../src/check.ts';
import { exploreExhaustive } from '../../src/explore/exhaustive.ts';
import { exploreRandom } from '../../src/explore/random.ts';
import { firstViolation } from '../../src/explore/trace.ts';
import noDeadlock from '../../properties/no-deadlock.ts';
import finiteTime from '../../properties/finite-time.ts';
import rwA from '../../models/designs/rw-umf-a.ts';
import rwB from '../../models/designs/rw-umf-b.ts';
import { plainBfs } from '../../bench/rw-umf-plain.ts';

const full = (d: typeof rwA, cfg: { P: number; J: number }) =>
  exploreExhaustive(d, cfg, new Checker(d, cfg, [noDeadlock]), ['no-deadlock'], {
    maxDepth: 10_000,
    maxStates: 10_000_000,
    exploreAll: true,
  });

describe('rw-umf equals the spec', () => {
  for (const [d, v] of [
    [rwA, 'A'],
    [rwB, 'B'],
  ] as const) {
    for (const cfg of [
      { P: 2, J: 2 },
      { P: 3, J: 2 },
      { P: 4, J: 2 },
      { P: 2, J: 3 },
    ]) {
      test(`${d.name} P=${cfg.P} J=${cfg.J}: states, transitions, shortest deadlock`, () => {
        const ref = plainBfs(v, cfg.P, cfg.J);
        const r = full(d, cfg);
        expect(r.stoppedBy).toBe('complete');
        expect([r.states, r.transitions]).toEqual([ref.states, ref.transitions]);
        expect(r.found.map((f) => f.actions.length)).toEqual(ref.deadlocks ? [ref.firstDeadlockDepth] : []);
        // stable run to run
        const again = full(d, cfg);
        expect([again.states, again.transitions, again.found.map((f) => f.actions.map((a) => a.label))]).toEqual([
          r.states,
          r.transitions,
          r.found.map((f) => f.actions.map((a) => a.label)),
        ]);
      });
    }
  }
});

describe('verdicts', () => {
  test('A violates no-deadlock and finite-time; the traces replay', () => {
    const cfg = rwA.configs.small;
    const ch = new Checker(rwA, cfg, [noDeadlock, finiteTime]);
    const r = exploreExhaustive(rwA, cfg, ch, ['no-deadlock', 'finite-time'], { maxDepth: 1000, maxStates: 1e6 });
    expect(r.found.map((f) => f.property).sort()).toEqual(['finite-time', 'no-deadlock']);
    const dl = r.found.find((f) => f.property === 'no-deadlock')!;
    expect(dl.message).toMatch(/deadlock/);
    expect(dl.actions.map((a) => a.step)).toContain('evict');
    for (const f of r.found) expect(firstViolation(rwA, cfg, ch, f.actions, f.property)?.at).toBe(f.actions.length - 1);
    expect(r.found.find((f) => f.property === 'finite-time')!.message).toMatch(/p0\.j0\.finished/);
  });
  test('B holds no-deadlock and finite-time (exhaustive, P=3 J=2 and P=2 J=3)', () => {
    for (const cfg of [rwB.configs.small, { P: 2, J: 3 }]) {
      const r = exploreExhaustive(
        rwB,
        cfg,
        new Checker(rwB, cfg, [noDeadlock, finiteTime]),
        ['no-deadlock', 'finite-time'],
        { maxDepth: 1000, maxStates: 1e6 },
      );
      expect(r.stoppedBy).toBe('complete');
      expect(r.found).toEqual([]);
    }
  });
  test('random mode: same seed, same trace; A deadlocks, B does not', () => {
    const cfg = rwA.configs.default;
    const go = () =>
      exploreRandom(rwA, cfg, new Checker(rwA, cfg, [noDeadlock]), ['no-deadlock'], { runs: 300, depth: 400, seed: 7 });
    const a = go(),
      b = go();
    expect(a.found.length).toBe(1);
    expect(a.found[0].actions.map((x) => x.label)).toEqual(b.found[0].actions.map((x) => x.label));
    const rb = exploreRandom(
      rwB,
      rwB.configs.default,
      new Checker(rwB, rwB.configs.default, [noDeadlock, finiteTime]),
      ['no-deadlock', 'finite-time'],
      { runs: 30, depth: 400, seed: 7 },
    );
    expect(rb.found).toEqual([]);
    expect(rb.steps).toBeGreaterThan(100);
  });
});

let spin = false;
try {
  execFileSync('which', ['spin'], { stdio: 'ignore' });
  execFileSync('which', ['gcc'], { stdio: 'ignore' });
  spin = true;
} catch {
  /* no spin */
}

describe.skipIf(!spin)('Spin agrees (bench/rw-umf.pml)', () => {
  test('A and B at P=3 J=2: same distinct states', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fc-spin-'));
    try {
      for (const [d, v] of [
        [rwA, 'A'],
        [rwB, 'B'],
      ] as const) {
        execFileSync(
          'spin',
          [
            '-DP=3',
            '-DJ=2',
            ...(v === 'B' ? ['-DDESIGN_B'] : []),
            '-a',
            join(import.meta.dirname, '../../bench/rw-umf.pml'),
          ],
          { cwd: dir, stdio: 'ignore' },
        );
        execFileSync('gcc', ['-O2', '-w', '-DSAFETY', '-DNOREDUCE', '-o', 'pan', 'pan.c'], {
          cwd: dir,
          stdio: 'ignore',
        });
        const out = execFileSync('./pan', ['-c0', '-E', '-A'], { cwd: dir, encoding: 'utf8' });
        expect(Number(out.match(/(\d+) states, stored/)![1])).toBe(full(d, { P: 3, J: 2 }).states);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
