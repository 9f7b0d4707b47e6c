/**
 * Derived footprints (issue 13.1): every design takes the memoized path, with footprints recorded from
 * what its steps read (src/world/traced.ts). The old generic path (mode 'generic') is the oracle; every
 * design's small config is compared in test/engine/footprint-oracle-*.test.ts. Here:
 *  - a toy design whose step reads outside its declared footprint is reported, and one whose reads
 *    depend on what it read before is explored exactly;
 *  - the copies `send`, `spawn` and `setG` make are no reads: a step's memo is keyed by what it reads.
 */
import { afterEach, expect, test } from 'vitest';
import { setup } from 'xstate';
import { engineDefaults } from '../../src/world/fast.ts';
import { engineFor } from '../../src/explore/drain.ts';
import { defineDesign, stepTable } from '../../models/design.ts';
import { explore } from './footprint-oracle.ts';
import { emptyWorld, spawn, must, stateOf, idsOf, setG, accepts, type World } from '../../models/world.ts';

afterEach(() => {
  engineDefaults.mode = 'traced';
});

// ---- toys ---------------------------------------------------------------------------------------

const bit = setup({ types: { events: {} as { type: 'SET' } } }).createMachine({
  id: 'toy_bit',
  initial: 'off',
  states: { off: { on: { SET: 'on' } }, on: {} },
});
const init = (n: number): World => {
  let w = emptyWorld;
  for (let i = 0; i < n; i++) w = spawn(w, `b${i}`, bit, {});
  return w;
};
const on = (w: World, id: string) => stateOf(w, id) === 'on';

test('a read outside a declared footprint is a model error in check mode', () => {
  const d = defineDesign<{ n: number }>({
    name: 'toy-bad-footprint',
    summary: 'b1 is set once b0 is, but the step declares only b1',
    source: 'test',
    configs: { small: { n: 2 }, default: { n: 2 }, large: { n: 2 } },
    bounds: { exhaustive: { config: 'small', depth: 10 }, random: { config: 'small', depth: 10 } },
    init: (c) => init(c.n),
    steps: stepTable(
      {
        name: 'set0',
        role: 'user',
        actor: () => 'u',
        enabled: (w) => !on(w, 'b0'),
        apply: (w) => must(w, 'b0', { type: 'SET' }),
        touches: () => ['b0'],
      },
      {
        name: 'set1',
        role: 'user',
        actor: () => 'u',
        enabled: (w) => on(w, 'b0') && !on(w, 'b1'),
        apply: (w) => must(w, 'b1', { type: 'SET' }),
        touches: () => ['b1'],
      },
    ),
    expect: {},
  });
  expect(() => explore(d, d.configs.small, 'check')).toThrow(
    /set1\(\) read 'b0', which is not in its declared footprint/,
  );
  // the memoized path trusts declared footprints; only the check sees the read
  expect(explore(d, d.configs.small, 'traced').states).toBeGreaterThan(0);
});

test('reads that depend on what was read: the decision trie is exact', () => {
  // flip(i) sets b_i when b0 decides which neighbour matters: b0 on -> b_{i-1} must be on, else b_{i+1}
  // must be off; enumeration (idsOf) and globals reads are in the mix.
  const d = defineDesign<{ n: number }>({
    name: 'toy-dependent-reads',
    summary: 'reads depend on earlier reads',
    source: 'test',
    configs: { small: { n: 5 }, default: { n: 5 }, large: { n: 5 } },
    bounds: { exhaustive: { config: 'small', depth: 50 }, random: { config: 'small', depth: 50 } },
    init: (c) => init(c.n),
    steps: stepTable({
      name: 'flip',
      role: 'user',
      actor: () => 'u',
      params: (w) =>
        idsOf(w, 'toy_bit')
          .filter((id) => !on(w, id))
          .map((id) => [Number(id.slice(1))]),
      enabled: (w, [i]: [number], c: { n: number }) =>
        i === 0 || (on(w, 'b0') ? on(w, `b${i - 1}`) : i + 1 >= c.n || !on(w, `b${i + 1}`)),
      apply: (w, [i]: [number]) => must(w, `b${i}`, { type: 'SET' }),
    }),
    expect: {},
  });
  const g = explore(d, d.configs.small, 'generic');
  const t = explore(d, d.configs.small, 'traced');
  const c = explore(d, d.configs.small, 'check');
  expect(g.stoppedBy).toBe('complete');
  expect([t.states, t.transitions]).toEqual([g.states, g.transitions]);
  expect([c.states, c.transitions]).toEqual([g.states, g.transitions]);
  expect(g.states).toBeGreaterThan(5);
});

test("copies are no reads: a step's memo misses once per value of what it reads", () => {
  // set(i) sends to b_i; spawn_job adds j_k and counts jobs in the globals; tick counts ticks. Had the copy
  // of the object map in `send` been a read of every object, or `setG`'s copy of the globals a read of all
  // of them, set(i) would miss once per set of jobs and the counters once per value of the other counter.
  const n = 3,
    jobs = 3,
    ticks = 2;
  const num = (w: World, k: string) => (w.g[k] as number | undefined) ?? 0;
  const d = defineDesign<{ n: number }>({
    name: 'toy-copies',
    summary: 'sends, spawns and counters in the globals, each step reading little',
    source: 'test',
    configs: { small: { n }, default: { n }, large: { n } },
    bounds: { exhaustive: { config: 'small', depth: 50 }, random: { config: 'small', depth: 50 } },
    // both counters from the start: globals are interned by their JSON, so key order would split states
    init: (c) => setG(init(c.n), { jobs: 0, ticks: 0 }),
    steps: stepTable(
      {
        name: 'set',
        role: 'user',
        actor: () => 'u',
        params: (_w, c: { n: number }) => Array.from({ length: c.n }, (_, i): [number] => [i]),
        enabled: (w, [i]: [number]) => accepts(w, `b${i}`, { type: 'SET' }),
        apply: (w, [i]: [number]) => must(w, `b${i}`, { type: 'SET' }),
      },
      {
        name: 'spawn_job',
        role: 'user',
        actor: () => 'u',
        enabled: (w) => num(w, 'jobs') < jobs,
        apply: (w) => setG(spawn(w, `j${num(w, 'jobs')}`, bit, {}), { jobs: num(w, 'jobs') + 1 }),
      },
      {
        name: 'tick',
        role: 'user',
        actor: () => 'u',
        enabled: (w) => num(w, 'ticks') < ticks,
        apply: (w) => setG(w, { ticks: num(w, 'ticks') + 1 }),
      },
    ),
    expect: {},
  });
  const cfg = d.configs.small;
  const g = explore(d, cfg, 'generic');
  const t = explore(d, cfg, 'traced');
  expect(g.stoppedBy).toBe('complete');
  expect(g.states).toBe(2 ** n * (jobs + 1) * (ticks + 1));
  expect([t.states, t.transitions]).toEqual([g.states, g.transitions]);
  engineDefaults.mode = 'traced';
  // set(i): b_i off or on; spawn_job: jobs 0..jobs (and whether j_jobs exists); tick: ticks 0..ticks
  expect(engineFor(d, cfg).traceStats.misses).toBe(2 * n + (jobs + 1) + (ticks + 1));
  const c = explore(d, cfg, 'check');
  expect([c.states, c.transitions]).toEqual([g.states, g.transitions]);
});
