/**
 * The explorers find what is there, shortest (BFS) or shrunk (random), deterministically; and each
 * built-in property can fail.
 */
import singleFifo from '../../models/designs/single-fifo-implicit.ts';
import singleFifoNoTdr from '../../models/designs/single-fifo-no-tdr.ts';
import { describe, expect, test } from 'vitest';
import { toy, type ToyConfig } from './toy.ts';
import { Checker } from '../../src/check.ts';
import { exploreExhaustive } from '../../src/explore/exhaustive.ts';
import { exploreRandom } from '../../src/explore/random.ts';
import { registry } from '../../src/registry.ts';
import { checkDesigns } from '../../src/api.ts';

const props = async (...names: string[]) => {
  const { properties } = await registry();
  return names.map((n) => properties.get(n)!);
};
const cfg = (o: Partial<ToyConfig>): ToyConfig => ({ fences: 2, reinit: false, cycle: false, ...o });

describe('exhaustive explorer', () => {
  test('finds the shortest one-shot violation (H15 re-init): signal, publish, reinit', async () => {
    const c = cfg({ reinit: true });
    const r = exploreExhaustive(toy, c, new Checker(toy, c, await props('one-shot')), ['one-shot'], {
      maxDepth: 10,
      maxStates: 10_000,
    });
    expect(r.found).toHaveLength(1);
    expect(r.found[0].actions.map((a) => a.step)).toEqual(['toy_signal', 'toy_publish', 'toy_reinit']);
    expect(r.found[0].message).toMatch(/went from signaled back to unsignaled/);
  });
  test('finds the shortest wait-for cycle, closed by the last action', async () => {
    const c = cfg({ cycle: true });
    const r = exploreExhaustive(toy, c, new Checker(toy, c, await props('acyclic-waits')), ['acyclic-waits'], {
      maxDepth: 10,
      maxStates: 10_000,
    });
    expect(r.found[0].actions.map((a) => a.step)).toEqual(['toy_publish', 'toy_publish', 'toy_wait', 'toy_wait']);
    expect(r.found[0].message).toMatch(/wait-for cycle: f0 -> f1 .*f1 -> f0/);
  });
  test('a sound configuration is explored completely and says so', async () => {
    const c = cfg({});
    const r = exploreExhaustive(
      toy,
      c,
      new Checker(toy, c, await props('one-shot', 'acyclic-waits')),
      ['one-shot', 'acyclic-waits'],
      { maxDepth: 50, maxStates: 10_000 },
    );
    expect(r.found).toEqual([]);
    expect(r.stoppedBy).toBe('complete');
    expect(r.states).toBe(16); // 2 fences, each signaled or not and published or not: 4 * 4
  });
  test('names the bound that stopped it: depth, then states', async () => {
    const c = cfg({ fences: 3 });
    const ch = new Checker(toy, c, await props('one-shot'));
    expect(exploreExhaustive(toy, c, ch, ['one-shot'], { maxDepth: 2, maxStates: 10_000 }).stoppedBy).toBe('depth');
    expect(exploreExhaustive(toy, c, ch, ['one-shot'], { maxDepth: 50, maxStates: 5 }).stoppedBy).toBe('states');
  });
  test('finite-time: a fence only userspace signals never counts as signaled by a drain (R30)', async () => {
    const c = cfg({});
    const r = exploreExhaustive(toy, c, new Checker(toy, c, await props('finite-time')), ['finite-time'], {
      maxDepth: 10,
      maxStates: 10_000,
    });
    expect(r.found[0].actions.map((a) => a.step)).toEqual(['toy_publish']);
    expect(r.found[0].message).toMatch(/f0 \(only userspace can signal it\)/);
  });
});

describe('random explorer', () => {
  test('shrinks to the same minimal one-shot trace', async () => {
    const c = cfg({ fences: 3, reinit: true });
    const r = exploreRandom(toy, c, new Checker(toy, c, await props('one-shot')), ['one-shot'], {
      runs: 500,
      depth: 30,
      seed: 7,
    });
    expect(r.found).toHaveLength(1);
    expect(r.found[0].actions.map((a) => a.step)).toEqual(['toy_signal', 'toy_publish', 'toy_reinit']);
  });
  test('same seed, same trace; runs and steps identical', async () => {
    const c = cfg({ fences: 3, cycle: true });
    const run = async () =>
      exploreRandom(toy, c, new Checker(toy, c, await props('acyclic-waits')), ['acyclic-waits'], {
        runs: 300,
        depth: 30,
        seed: 11,
      });
    const a = await run();
    const b = await run();
    expect(a.found.length).toBe(1);
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });
  test('reports nothing on a sound configuration and counts its runs', async () => {
    const c = cfg({ fences: 3 });
    const r = exploreRandom(toy, c, new Checker(toy, c, await props('one-shot')), ['one-shot'], {
      runs: 50,
      depth: 20,
      seed: 3,
    });
    expect(r.found).toEqual([]);
    expect(r.runs).toBe(50);
    expect(r.steps).toBeGreaterThan(50);
  });
});

describe('the first slice: single-fifo designs', () => {
  test('every verdict as expected, exhaustively on the small config (hang budget 1)', async () => {
    const r = await checkDesigns({ designs: ['single-fifo-implicit', 'single-fifo-no-tdr'], engine: 'exhaustive' });
    // one cell per declared expectation, each as expected (the designs' files state them)
    const declared = [singleFifo, singleFifoNoTdr].flatMap((d) => Object.keys(d.expect).map((p) => `${d.name}/${p}`));
    expect(r.cells.map((c) => `${c.design}/${c.property}`).sort()).toEqual(declared.sort());
    expect(r.cells.filter((c) => c.observed !== c.expected)).toEqual([]);
    expect(r.ok).toBe(true);
    // without TDR a hang is never recovered: the shortest story is submit, run, hang (seed 000, R98)
    const v = r.cells.find((c) => c.design === 'single-fifo-no-tdr' && c.property === 'finite-time')!;
    expect([v.observed, v.bound]).toEqual(['violates', '3-step trace']);
    const h = r.cells.find((c) => c.design === 'single-fifo-implicit')!;
    expect(h.bound).toMatch(/^all \d+ reachable states( \(world and monitor states\))? of config 'small'$/);
  });
  test('random mode finds the no-TDR hang too, and the same trace for the same seed', async () => {
    const a = await checkDesigns({
      designs: ['single-fifo-no-tdr'],
      properties: ['finite-time'],
      engine: 'random',
      runs: 100,
      seed: 5,
    });
    const b = await checkDesigns({
      designs: ['single-fifo-no-tdr'],
      properties: ['finite-time'],
      engine: 'random',
      runs: 100,
      seed: 5,
    });
    expect(a.cells[0].observed).toBe('violates');
    expect(a.cells[0].message).toBe(b.cells[0].message);
    expect(a.cells[0].bound).toBe(b.cells[0].bound);
  });
});
