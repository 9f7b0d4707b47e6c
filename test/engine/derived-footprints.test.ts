/**
 * Derived footprints (issue 13.1): every design takes the memoized path, with footprints recorded from
 * what its steps read (src/world/traced.ts). The old generic path (mode 'generic') is the oracle; every
 * design's small config is compared in test/engine/footprint-oracle-*.test.ts. Here:
 *  - a toy design whose step reads outside its declared footprint is reported, and one whose reads
 *    depend on what it read before is explored exactly;
 *  - the copies `send`, `spawn` and `setG` make are no reads: a step's memo is keyed by what it reads.
 */
import { afterEach, expect, test } from 'vitest';
import { assign, setup } from 'xstate';
import { engineDefaults, FastEngine, type EngineMode } from '../../src/world/fast.ts';
import { Checker } from '../../src/check.ts';
import { exploreExhaustive } from '../../src/explore/exhaustive.ts';
import type { Property } from '../../properties/property.ts';
import { engineFor } from '../../src/explore/drain.ts';
import { defineDesign, stepTable } from '../../models/design.ts';
import { explore } from './footprint-oracle.ts';
import {
  emptyWorld,
  spawn,
  must,
  stateOf,
  idsOf,
  setG,
  accepts,
  ctx,
  onGlobals,
  type World,
} from '../../models/world.ts';

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

test('a context field and a state value are read by themselves: memos and witnesses keyed by what they read', () => {
  // c counts a and b to 2; `mark` sets b0 once c.a is 2 (it reads b0's state and c.a, not the rest of c);
  // the witness asks whether c.b >= 1. Keyed by the whole of c, mark would miss once per (a, b) with b0
  // off (9 + 1 misses, not 3 + 1) and the witness once per state of c (9, not 3).
  const counter = setup({
    types: { context: {} as { a: number; b: number }, events: {} as { type: 'INC_A' } | { type: 'INC_B' } },
  }).createMachine({
    id: 'toy_counter',
    context: { a: 0, b: 0 },
    on: {
      INC_A: { guard: ({ context }) => context.a < 2, actions: assign({ a: ({ context }) => context.a + 1 }) },
      INC_B: { guard: ({ context }) => context.b < 2, actions: assign({ b: ({ context }) => context.b + 1 }) },
    },
  });
  const inc = (name: string, type: 'INC_A' | 'INC_B') => ({
    name,
    role: 'user' as const,
    actor: () => 'u',
    enabled: (w: World) => accepts(w, 'c', { type }),
    apply: (w: World) => must(w, 'c', { type }),
  });
  const d = defineDesign<{ n: number }>({
    name: 'toy-fields',
    summary: 'a step and a witness that each read one field of a counter',
    source: 'test',
    configs: { small: { n: 1 }, default: { n: 1 }, large: { n: 1 } },
    bounds: { exhaustive: { config: 'small', depth: 50 }, random: { config: 'small', depth: 50 } },
    init: (c) => spawn(init(c.n), 'c', counter, {}),
    steps: stepTable(inc('inc_a', 'INC_A'), inc('inc_b', 'INC_B'), {
      name: 'mark',
      role: 'user',
      actor: () => 'u',
      enabled: (w) => !on(w, 'b0') && ctx<{ a: number }>(w, 'c').a === 2,
      apply: (w) => must(w, 'b0', { type: 'SET' }),
    }),
    expect: {},
  });
  const witnessed = {
    name: 'toy-b-counted',
    kind: 'state',
    // terminal: judged where nothing is enabled, so no state is decoded for it and its witness is memoized
    terminal: true,
    rules: [],
    statement: 'test',
    state: () => null,
    witness: { what: 'b counted once', state: (w: World) => ctx<{ b: number }>(w, 'c').b >= 1 },
  } as Property;
  const run = (mode: EngineMode) => {
    engineDefaults.mode = mode;
    const ck = new Checker(d, d.configs.small, [witnessed]);
    const r = exploreExhaustive(d, d.configs.small, ck, [witnessed.name], {
      maxDepth: 50,
      maxStates: 1e4,
      exploreAll: true,
    });
    return { states: r.states, transitions: r.transitions, reached: ck.reached.get(witnessed.name) };
  };
  const g = run('generic');
  // (a, b) in 0..2 with b0 off, and with b0 on where a is 2; of those, 8 with b >= 1
  expect(g).toEqual({ states: 12, transitions: expect.any(Number), reached: 8 });
  const t = run('traced');
  expect(t).toEqual(g);
  const e = engineFor(d, d.configs.small);
  // inc_a, inc_b: the whole of c (a guard runs on it), 9 each; mark: b0 on, or b0 off and c.a in 0..2
  expect(e.traceStats.misses).toBe(9 + 9 + 4);
  expect(e.predStats).toEqual({ hits: 12 - 3, misses: 3, plain: 0 });
  expect(run('check')).toEqual(g);
});

test('two memoized functions sharing a per-globals judgment (onGlobals) each record what it reads', () => {
  // The engine memoizes several functions of one state (witnesses, the graph's judgments) on one
  // recording world, whose globals are one proxy. A judgment cached by globals object on that proxy would
  // hand the second function the first one's answer with no read recorded: its memo would then answer
  // every state alike. onGlobals computes on a recording world instead.
  const d = defineDesign<{ n: number }>({
    name: 'toy-globals',
    summary: 'a counter in the globals',
    source: 'test',
    configs: { small: { n: 1 }, default: { n: 1 }, large: { n: 1 } },
    bounds: { exhaustive: { config: 'small', depth: 5 }, random: { config: 'small', depth: 5 } },
    init: (c) => setG(init(c.n), { ticks: 0 }),
    steps: stepTable({
      name: 'tick',
      role: 'user',
      actor: () => 'u',
      enabled: (w) => (w.g.ticks as number) < 2,
      apply: (w) => setG(w, { ticks: (w.g.ticks as number) + 1 }),
    }),
    expect: {},
  });
  const cfg = d.configs.small;
  const a = d.init(cfg);
  const b = setG(a, { ticks: 2 });
  const KEY = {};
  const ticks = (w: World) => onGlobals(w, KEY, (x) => x.g.ticks as number);
  const f1 = (w: World) => ticks(w);
  const f2 = (w: World) => 10 * ticks(w);
  const e = new FastEngine(d, cfg, 'traced');
  const [va, vb] = [e.encode(a), e.encode(b)];
  expect(e.memoOf(f1, va, () => a, 'f1')).toBe(0);
  expect(e.memoOf(f2, va, () => a, 'f2')).toBe(0);
  expect(e.memoOf(f2, vb, () => b, 'f2')).toBe(20);
  expect(e.memoOf(f1, vb, () => b, 'f1')).toBe(2);
  expect(e.predStats.misses).toBe(4); // each function missed at each state: each read the counter
  // on plain worlds: once per globals object
  let runs = 0;
  const counted = (w: World) => onGlobals(w, KEY, () => ++runs);
  const g = { ...a.g };
  expect([counted({ o: a.o, g }), counted({ o: b.o, g }), counted(b)]).toEqual([1, 1, 2]);
});
