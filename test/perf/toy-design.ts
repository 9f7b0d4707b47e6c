/**
 * A toy design for the reduction tests: `groups` independent subsystems, each with `workers`
 * interchangeable workers and one token pool of `tokens` tokens; a worker thinks (a local step), takes
 * tokens one at a time, and once it holds two it finishes and returns them. With as many tokens as
 * workers, every worker can hold one token and wait forever: a deadlock. Workers of one group are
 * interchangeable (symmetry); steps of different groups touch disjoint objects (POR).
 */
import { setup, assign } from 'xstate';
import { defineDesign, stepTable, type StepDef, type Design } from '../../models/design.ts';
import { emptyWorld, spawn, must, type World } from '../../models/world.ts';

export interface ToyConfig {
  groups: number;
  workers: number;
  tokens: number;
  think: number;
}

const worker = setup({
  types: {
    context: {} as { phase: number; held: number; done: boolean },
    events: {} as { type: 'THINK' } | { type: 'TAKE' } | { type: 'FINISH' },
    input: {} as { think: number },
  },
}).createMachine({
  id: 'toy_worker',
  context: { phase: 0, held: 0, done: false },
  on: {
    THINK: { actions: assign({ phase: ({ context }) => context.phase + 1 }) },
    TAKE: { actions: assign({ held: ({ context }) => context.held + 1 }) },
    FINISH: { actions: assign({ held: 0, done: true }) },
  },
});
const pool = setup({
  types: {
    context: {} as { free: number },
    events: {} as { type: 'GET' } | { type: 'PUT2' },
    input: {} as { tokens: number },
  },
}).createMachine({
  id: 'toy_pool',
  context: ({ input }) => ({ free: input?.tokens ?? 0 }),
  on: {
    GET: { guard: ({ context }) => context.free > 0, actions: assign({ free: ({ context }) => context.free - 1 }) },
    PUT2: { actions: assign({ free: ({ context }) => context.free + 2 }) },
  },
});

const W = (g: number, i: number) => `g${g}.w${i}`;
const Pl = (g: number) => `g${g}.pool`;
type WC = { phase: number; held: number; done: boolean };

export function toyDesign(opts: { footprints: boolean; symmetry: boolean }): Design<ToyConfig> {
  const wc = (w: World, g: number, i: number) => w.o[W(g, i)].context as WC;
  const args = (_w: World, c: ToyConfig) => {
    const out: [number, number][] = [];
    for (let g = 0; g < c.groups; g++) for (let i = 0; i < c.workers; i++) out.push([g, i]);
    return out;
  };
  const memo = new WeakMap<ToyConfig, [number, number][]>();
  const params = (w: World, c: ToyConfig) => {
    let a = memo.get(c);
    if (!a) {
      a = args(w, c);
      memo.set(c, a);
    }
    return a;
  };
  const foot = (a: unknown[]) => [W(a[0] as number, a[1] as number), Pl(a[0] as number)];
  const steps: StepDef<ToyConfig>[] = [
    {
      name: 'think',
      role: 'user',
      actor: ([g, i]) => W(g as number, i as number),
      params,
      enabled: (w, [g, i], c) => wc(w, g as number, i as number).phase < c.think,
      apply: (w, [g, i]) => must(w, W(g as number, i as number), { type: 'THINK' }),
      touches: opts.footprints ? ([g, i]) => [W(g as number, i as number)] : undefined,
    },
    {
      name: 'take',
      role: 'user',
      actor: ([g, i]) => W(g as number, i as number),
      params,
      enabled: (w, [g, i], c) => {
        const x = wc(w, g as number, i as number);
        return x.phase === c.think && !x.done && x.held < 2;
      },
      apply: (w, [g, i]) => {
        const r = must(w, Pl(g as number), { type: 'GET' });
        return r && must(r, W(g as number, i as number), { type: 'TAKE' });
      },
      touches: opts.footprints ? foot : undefined,
    },
    {
      name: 'finish',
      role: 'user',
      actor: ([g, i]) => W(g as number, i as number),
      params,
      enabled: (w, [g, i]) => wc(w, g as number, i as number).held === 2,
      apply: (w, [g, i]) =>
        must(must(w, W(g as number, i as number), { type: 'FINISH' }), Pl(g as number), { type: 'PUT2' }),
      touches: opts.footprints ? foot : undefined,
    },
  ];
  for (const s of steps) if (!s.touches) delete s.touches;
  // `take` must refuse when the pool is empty: must() throws on a refused GET, so guard it first.
  steps[1].enabled = (w, [g, i], c) => {
    const x = wc(w, g as number, i as number);
    return x.phase === c.think && !x.done && x.held < 2 && (w.o[Pl(g as number)].context as { free: number }).free > 0;
  };
  return defineDesign<ToyConfig>({
    name: `toy-tokens${opts.footprints ? '-fp' : ''}${opts.symmetry ? '-sym' : ''}`,
    summary: 'test design',
    source: 'test',
    configs: {
      small: { groups: 1, workers: 3, tokens: 3, think: 1 },
      default: { groups: 2, workers: 2, tokens: 2, think: 2 },
    },
    bounds: { exhaustive: { config: 'small', depth: 100 }, random: { config: 'small', depth: 50 } },
    init: (c) => {
      let w = emptyWorld;
      for (let g = 0; g < c.groups; g++) {
        w = spawn(w, Pl(g), pool, { tokens: c.tokens });
        for (let i = 0; i < c.workers; i++) w = spawn(w, W(g, i), worker, { think: c.think });
      }
      return w;
    },
    steps: stepTable(steps),
    pending: (w, c) => {
      const out: string[] = [];
      for (let g = 0; g < c.groups; g++) for (let i = 0; i < c.workers; i++) if (!wc(w, g, i).done) out.push(W(g, i));
      return out;
    },
    symmetry: opts.symmetry
      ? (c) => Array.from({ length: c.groups }, (_, g) => Array.from({ length: c.workers }, (_, i) => [W(g, i)]))
      : undefined,
    expect: { 'no-deadlock': { verdict: 'violates', why: 'every worker holds one token' } },
  });
}
