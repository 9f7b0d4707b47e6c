/**
 * Monitors (properties with state) in the engine, on the toy design: a violation only the monitor's
 * count can see, found by both explorers (BFS: shortest); the product's state count against a hand count
 * and against a plain oracle; designs without a monitor keep their state counts.
 */
import { describe, expect, test } from 'vitest';
import { toy, type ToyConfig } from '../engine/toy.ts';
import { toyDesign } from '../perf/toy-design.ts';
import { defineMonitor, type Property } from '../../properties/property.ts';
import { Checker, canonicalJson, actionInfo } from '../../src/check.ts';
import { exploreExhaustive } from '../../src/explore/exhaustive.ts';
import { exploreRandom } from '../../src/explore/random.ts';
import { firstViolation } from '../../src/explore/trace.ts';
import { enabledActions } from '../../src/world/steps.ts';
import { worldImage, type Json, type World } from '../../models/world.ts';
import type { Design } from '../../models/design.ts';
import oneShot from '../../properties/one-shot.ts';
import noDeadlock from '../../properties/no-deadlock.ts';

const cfg = (o: Partial<ToyConfig>): ToyConfig => ({ fences: 2, reinit: false, cycle: false, ...o });

/**
 * H15 seen over a whole run: a fence is signaled at most once. toy_reinit puts a fresh unsignaled fence
 * in place of a signaled one, so no single world (nor one step) shows a second signal; the count does.
 * Saturates at 2, so the product stays finite.
 */
const signalsOnce = defineMonitor<Record<string, number>>({
  name: 'signals-once',
  observes: { steps: ['toy_signal'] },
  rules: ['H15'],
  statement: 'Each fence id is signaled at most once over a run.',
  init: () => ({}),
  next: (s, _b, a) => {
    const f = String(a.args[0]);
    const n = Math.min((s[f] ?? 0) + 1, 2);
    const violation = n === 2 && s[f] === 1 ? `${f} was signaled a second time at ${a.label}` : null;
    return { state: { ...s, [f]: n }, violation };
  },
});

/** Which fence was signaled first ('' before any): state that splits worlds where both are signaled. */
const firstSignaled = defineMonitor<string>({
  name: 'first-signaled',
  observes: { steps: ['toy_signal'] },
  rules: [],
  statement: 'test monitor: remembers the first fence signaled',
  init: () => '',
  next: (s, _b, a) => ({ state: s === '' ? String(a.args[0]) : s }),
});

/** A monitor that observes no step: its state never changes. */
const idle = defineMonitor<number>({
  name: 'idle',
  observes: { steps: [] },
  rules: [],
  statement: 'test',
  init: () => 0,
  next: (s) => ({ state: s }),
});

/** The whole reachable space (exploreAll: found violations do not stop it). */
function full(d: Design, c: unknown, props: Property[], o: { symmetry?: boolean; por?: boolean } = {}) {
  const ch = new Checker(d, c, props);
  const names = props.map((p) => p.name);
  return exploreExhaustive(d, c, ch, names, { maxDepth: 100, maxStates: 1_000_000, exploreAll: true, ...o });
}

/** Plain oracle: BFS over (world image, monitor states) through enabledActions; distinct pairs. */
function productStates(d: Design, c: unknown, monitors: Property[]): number {
  const ch = new Checker(d, c, monitors);
  const key = (w: World, ms: readonly Json[]) => `${JSON.stringify([worldImage(w), w.g])}|${canonicalJson([...ms])}`;
  const w0 = d.init(c);
  const seen = new Set([key(w0, ch.monitorInit(w0))]);
  const todo = [{ w: w0, ms: ch.monitorInit(w0) }];
  while (todo.length) {
    const { w, ms } = todo.shift()!;
    for (const a of enabledActions(d, c, w)) {
      const n = ch.monitorStep(ms, w, actionInfo(a.step, a.args, a.label), a.next).states;
      const k = key(a.next, n);
      if (!seen.has(k)) {
        seen.add(k);
        todo.push({ w: a.next, ms: n });
      }
    }
  }
  return seen.size;
}

const bfs = (c: ToyConfig) =>
  exploreExhaustive(toy, c, new Checker(toy, c, [signalsOnce]), ['signals-once'], { maxDepth: 10, maxStates: 10_000 });

describe('a stateful monitor on the toy design', () => {
  test('BFS finds the shortest run that needs the count: signal, publish, reinit, signal', () => {
    const c = cfg({ reinit: true });
    const r = bfs(c);
    expect(r.found).toHaveLength(1);
    expect(r.found[0].actions.map((a) => a.label)).toEqual([
      'toy_signal(f0)',
      'toy_publish(f0)',
      'toy_reinit(f0)',
      'toy_signal(f0)',
    ]);
    expect(r.found[0].message).toBe('f0 was signaled a second time at toy_signal(f0)');
    expect(r.reductions.por).toMatch(/^off \(a stateful monitor/);
  });
  test('the step property one-shot breaks earlier (at the reinit); replaying the monitor breaks at the end', () => {
    const c = cfg({ reinit: true });
    const r = bfs(c);
    // one-shot (a step property) sees the reinit at step 3, not the second signal at step 4
    const v = firstViolation(toy, c, new Checker(toy, c, [oneShot]), r.found[0].actions, 'one-shot');
    expect(v?.at).toBe(2);
    // the trace replays to the monitor's violation at its last step
    expect(firstViolation(toy, c, new Checker(toy, c, [signalsOnce]), r.found[0].actions, 'signals-once')?.at).toBe(3);
    const along = new Checker(toy, c, [signalsOnce]);
    let w = toy.init(c);
    const acts = r.found[0].actions.map((t) => {
      const a = enabledActions(toy, c, w).find((x) => x.label === t.label)!;
      w = a.next;
      return a;
    });
    expect(along.monitorsAlong(toy.init(c), acts).map((x) => x.at)).toEqual([3]);
  });
  test('the random explorer finds it and minimizes it to the same four steps', () => {
    const c = cfg({ fences: 3, reinit: true });
    const ch = new Checker(toy, c, [signalsOnce]);
    const r = exploreRandom(toy, c, ch, ['signals-once'], { runs: 500, depth: 30, seed: 7 });
    expect(r.found).toHaveLength(1);
    expect(r.found[0].actions.map((a) => a.step)).toEqual(['toy_signal', 'toy_publish', 'toy_reinit', 'toy_signal']);
    expect(r.found[0].message).toMatch(/^f\d was signaled a second time at toy_signal\(f\d\)$/);
  });
});

describe('state counts of the product', () => {
  test('by hand: 2 fences, the first-signaled monitor: 16 worlds, 4 of them split in two = 20', () => {
    // worlds: each fence signaled or not, published or not (16). The monitor is determined by the world
    // unless both fences are signaled (4 worlds: publish flags), where it is f0 or f1.
    const r = full(toy, cfg({}), [firstSignaled]);
    expect(r.stoppedBy).toBe('complete');
    expect(r.states).toBe(20);
    expect(productStates(toy, cfg({}), [firstSignaled])).toBe(20);
  });
  test('against the plain oracle: reinit and the saturating count, 1 and 2 fences', () => {
    for (const fences of [1, 2]) {
      const c = cfg({ fences, reinit: true });
      const r = full(toy, c, [signalsOnce]);
      expect(r.stoppedBy).toBe('complete');
      expect(r.states).toBe(productStates(toy, c, [signalsOnce]));
    }
  });
  test('two monitors at once: the product of both', () => {
    const c = cfg({ reinit: true });
    expect(full(toy, c, [signalsOnce, firstSignaled]).states).toBe(productStates(toy, c, [signalsOnce, firstSignaled]));
  });
});

describe('designs without a stateful monitor keep their counts', () => {
  test('toy: 16 states, as before', () => {
    const c = cfg({});
    const r = full(toy, c, [oneShot]);
    expect(r.states).toBe(16);
  });
  test('a monitor that observes nothing adds no state; reductions are off with it and on without', () => {
    const d = toyDesign({ footprints: true, symmetry: true });
    const c = { groups: 2, workers: 2, tokens: 2, think: 1 };
    const plain = full(d, c, [noDeadlock], { symmetry: false, por: false });
    const withIdle = full(d, c, [noDeadlock, idle]);
    expect(withIdle.states).toBe(plain.states);
    expect(withIdle.found.map((f) => f.actions.length)).toEqual(plain.found.map((f) => f.actions.length));
    expect(withIdle.reductions.symmetry).toMatch(/^off \(a stateful monitor/);
    const reduced = full(d, c, [noDeadlock]);
    expect(reduced.reductions).toEqual({
      symmetry: 'on (2 interchangeable, 2 interchangeable)',
      por: 'on (2 independence components)',
    });
    expect(reduced.states).toBeLessThan(plain.states);
  });
});
