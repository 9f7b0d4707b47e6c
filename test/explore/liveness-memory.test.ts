/**
 * What graph liveness keeps (issue 13, "B/state stays at or under 40 with all structures counted"): the
 * drain edges' per-state degrees (a byte until a state has more than 255, then wider) whose prefix sums
 * become the edge offsets after the search, in the fingerprint set's memory. A state with 256 drain
 * edges (N = 257) checks the widening and the offsets (a wrong offset loses or misattributes edges, so the fair
 * cycle that must take every one of the 256 labels is not found); rw-umf-b (4,2) checks the bytes.
 */
import { setup, assign } from 'xstate';
import { describe, expect, test } from 'vitest';
import { defineDesign, stepTable, type Design } from '../../models/design.ts';
import { emptyWorld, spawn, must, ctx, type World } from '../../models/world.ts';
import { dmaFenceMachine } from '../../models/dma-buf/dma-fence.ts';
import finiteTime from '../../properties/finite-time.ts';
import type { Property } from '../../properties/property.ts';
import noDeadlock from '../../properties/no-deadlock.ts';
import { Checker } from '../../src/check.ts';
import { exploreExhaustive } from '../../src/explore/exhaustive.ts';
import rwB from '../../models/designs/rw-umf-b.ts';
import { toyPublish } from './livelock-toy.ts';

const N = 257;

const dial = setup({
  types: { context: {} as { n: number }, events: {} as { type: 'SET'; n: number } },
}).createMachine({
  id: 'toy_dial',
  context: { n: 0 },
  on: { SET: { guard: ({ context, event }) => context.n !== event.n, actions: assign({ n: ({ event }) => event.n }) } },
});

interface WideConfig {
  finish: boolean;
}
const open = (w: World) => ctx(w, 'f0').published && !w.o.f0.hasTag('signaled');

/** The kernel turns a dial to any of N positions while a published fence waits (and, with `finish`, signals it). */
const wide: Design<WideConfig> = defineDesign<WideConfig>({
  name: 'toy-wide',
  summary: 'a kernel with 256 drain moves from every state',
  source: 'test',
  configs: { small: { finish: false }, default: { finish: true } },
  bounds: { exhaustive: { config: 'small', depth: 20 }, random: { config: 'small', depth: 20, runs: 5 } },
  init: () => {
    let w: World = emptyWorld;
    w = spawn(w, 'f0', dmaFenceMachine, { context: 1, seqno: 1, signaller: 'kernel' });
    return spawn(w, 'dial', dial, {});
  },
  steps: stepTable<WideConfig>(
    toyPublish,
    {
      name: 'toy_turn',
      role: 'kernel',
      actor: () => 'kernel',
      params: () => Array.from({ length: N }, (_, k) => [k]),
      enabled: (w, [k]) => open(w) && ctx<{ n: number }>(w, 'dial').n !== k,
      apply: (w, [k]) => must(w, 'dial', { type: 'SET', n: k as number }),
    },
    {
      name: 'toy_finish',
      role: 'kernel',
      actor: () => 'kernel',
      params: () => [[]],
      enabled: (w, _a, cfg) => cfg.finish && open(w),
      apply: (w) => must(w, 'f0', { type: 'DMA_FENCE_SIGNAL' }),
    },
  ),
  expect: { 'finite-time': { verdict: 'violates', why: 'the dial turns forever, fairly' } },
});

const explore = <C>(d: Design<C>, cfg: C, props: Property[] = [finiteTime]) =>
  exploreExhaustive(
    d,
    cfg,
    new Checker(d, cfg, props),
    props.map((p) => p.name),
    { maxDepth: 1000, maxStates: 100_000, exploreAll: true },
  );

describe('graph liveness storage', () => {
  test('256 drain edges from a state: the fair cycle takes every label', () => {
    const r = explore(wide, wide.configs.small);
    expect(r.stoppedBy).toBe('complete');
    expect(r.states).toBe(1 + N); // before publishing, then one state per dial position
    expect(r.liveness!.edges).toBe(N * (N - 1));
    const f = r.found.find((x) => x.property === 'finite-time');
    expect(f?.loop).toBe(1);
    const cycle = f!.actions.slice(f!.loop);
    expect(new Set(cycle.map((a) => a.label)).size).toBe(N);
    // (the explorer rebuilt the cycle by label from the prefix's world and judged it along the way)
    expect(f!.message).toContain('weakly fair cycle');
  });

  test('with a way out the fair cycle must take it: holds', () => {
    const r = explore(wide, wide.configs.default);
    expect(r.stoppedBy).toBe('complete');
    expect(r.found).toEqual([]);
  });

  test('rw-umf-b (4,2): at most 40 B/state with finite-time on the graph, everything counted', () => {
    const cfg = { P: 4, J: 2 };
    const g = explore(rwB, cfg, [finiteTime, noDeadlock]);
    expect(g.stoppedBy).toBe('complete');
    expect(g.states).toBe(83803);
    expect(g.found).toEqual([]);
    expect(g.memory.bytesPerState).toBeLessThanOrEqual(40);
  }, 120_000);
});
