/**
 * Liveness on the state graph (src/explore/liveness.ts) against the drain (src/explore/drain.ts): they
 * agree on small worlds; on a world where one fair schedule escapes a livelock that another falls into,
 * the drain misses it and the graph finds a lasso; a lasso survives save, load and replay.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test, vi } from 'vitest';
import type { Design } from '../../models/design.ts';
import finiteTime from '../../properties/finite-time.ts';
import hangRecovers from '../../properties/hang-recovers-with-error.ts';
import { defineProperty, type Property } from '../../properties/property.ts';
import { ctx, type World } from '../../models/world.ts';
import { Checker } from '../../src/check.ts';
import { exploreExhaustive, type ExhaustiveResult } from '../../src/explore/exhaustive.ts';
import { exploreParallel } from '../../src/explore/parallel.ts';
import { toTraceFile } from '../../src/api.ts';
import { saveTrace, traceFileName } from '../../src/counterexample/store.ts';
import { loadTrace } from '../../src/counterexample/load.ts';
import { replayLoaded } from '../../src/counterexample/replay.ts';
import { renderExplain } from '../../src/report/explain.ts';
import { traceView } from '../../src/report/trace-view.ts';
import { registry } from '../../src/registry.ts';
import { toy } from '../engine/toy.ts';
import { livelockToy } from './livelock-toy.ts';
import { hangToy } from './hang-toy.ts';
import type { Found } from '../../src/explore/trace.ts';

function run(d: Design, config: string, props: Property[], liveness: 'graph' | 'drain'): ExhaustiveResult {
  const cfg = d.configs[config];
  const r = exploreExhaustive(
    d,
    cfg,
    new Checker(d, cfg, props),
    props.map((p) => p.name),
    { maxDepth: 200, maxStates: 200_000, liveness, exploreAll: true },
  );
  expect(r.stoppedBy).toBe('complete');
  return r;
}
const verdicts = (r: ExhaustiveResult, props: Property[]) =>
  Object.fromEntries(props.map((p) => [p.name, r.found.some((f) => f.property === p.name) ? 'violates' : 'holds']));

describe('graph liveness agrees with the drain on small worlds', () => {
  test('toy fences: finite-time (userspace never signals its published fences)', () => {
    for (const config of ['small', 'default']) {
      const g = run(toy, config, [finiteTime], 'graph');
      const dr = run(toy, config, [finiteTime], 'drain');
      expect(verdicts(g, [finiteTime])).toEqual({ 'finite-time': 'violates' });
      expect(verdicts(dr, [finiteTime])).toEqual(verdicts(g, [finiteTime]));
      expect(g.states).toBe(dr.states);
      expect(g.liveness?.decides).toEqual(['finite-time']);
      expect(dr.liveness).toBeNull();
    }
  });

  test('the livelock toy with an escape: both hold', () => {
    const g = run(livelockToy, 'default', [finiteTime], 'graph');
    const dr = run(livelockToy, 'default', [finiteTime], 'drain');
    expect(verdicts(g, [finiteTime])).toEqual({ 'finite-time': 'holds' });
    expect(verdicts(dr, [finiteTime])).toEqual({ 'finite-time': 'holds' });
    expect(g.liveness!.edges).toBeGreaterThan(0);
  });

  test("real designs' small configs: every drain property's verdict", async () => {
    const { designs, properties } = await registry();
    const names = ['umf-wrapped', 'umf-wrapped-timeout', 'userq-no-hang-detect', 'reclaim-in-run-job'];
    let compared = 0;
    for (const n of names) {
      const d = designs.get(n);
      if (!d) continue;
      const props = Object.keys(d.expect)
        .map((p) => properties.get(p)!)
        .filter((p) => p.kind === 'drain');
      if (!props.length) continue;
      const g = run(d, 'small', props, 'graph');
      const dr = run(d, 'small', props, 'drain');
      expect(verdicts(g, props), n).toEqual(verdicts(dr, props));
      expect(g.states, n).toBe(dr.states);
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(3);
  });
});

describe('a search stopped by a bound', () => {
  // A drain may settle beyond the states explored: graph liveness drains the frontier, so a bound never
  // hides what the drain alone finds (the present-submit-return default config at 5,000 states did).
  test('state and depth bounds: graph finds what the drain finds', async () => {
    const { designs } = await registry();
    const d = designs.get('umf-wrapped')!;
    const cfg = d.configs.small;
    let drainFound = 0;
    const bounds = [4, 8, 16].map((n) => ({ maxStates: n, maxDepth: 100 }));
    for (const bound of [...bounds, ...[1, 2, 3].map((k) => ({ maxStates: 100_000, maxDepth: k }))]) {
      const go = (liveness: 'graph' | 'drain') =>
        exploreExhaustive(d, cfg, new Checker(d, cfg, [finiteTime]), ['finite-time'], { ...bound, liveness });
      const g = go('graph');
      const dr = go('drain');
      expect(g.stoppedBy).not.toBe('complete');
      if (dr.found.length) drainFound++;
      if (dr.found.length)
        expect(
          g.found.map((f) => f.property),
          JSON.stringify(bound),
        ).toEqual(['finite-time']);
    }
    expect(drainFound).toBeGreaterThan(0);
  });

  // `--budget-ms` stops exploring: the frontier's drains too. A clock that ticks 1 ms per reading makes the
  // cut deterministic: the BFS reads it a few times (600 states), the frontier pass every 64 drains.
  test('the time budget cuts the frontier drains, and the bound says how many of how many', async () => {
    const { designs } = await registry();
    const d = designs.get('present-vblank-naive')!;
    const cfg = d.configs.default;
    let tick = 0;
    const clock = vi.spyOn(Date, 'now').mockImplementation(() => ++tick);
    try {
      const run = (budgetMs?: number) => {
        tick = 0;
        const ck = new Checker(d, cfg, [finiteTime]);
        const r = exploreExhaustive(d, cfg, ck, ['finite-time'], { maxDepth: 1e9, maxStates: 600, budgetMs });
        return { r, drains: ck.drainsRun };
      };
      const cut = /: (\d+) of (\d+) ran\)$/;
      const free = run();
      expect(free.r.stoppedBy).toBe('states');
      expect(free.r.bound).not.toMatch(cut);
      const late = run(5);
      expect(late.r.stoppedBy).toBe('states'); // the BFS itself ended within the budget
      const [, k, n] = late.r.bound.match(cut)!.map(Number);
      expect(k).toBeGreaterThan(0);
      expect(k).toBeLessThan(n);
      expect(free.drains - late.drains).toBe(n - k); // the same BFS; only the frontier lost drains
      expect(run(5).r.bound).toBe(late.r.bound);
      expect(run(1e9).r.bound).toBe(free.r.bound);
      // the shards (2, in one thread) stop at the same deadline
      tick = 0;
      const par = await exploreParallel(d, cfg, new Checker(d, cfg, [finiteTime]), ['finite-time'], {
        maxDepth: 1e9,
        maxStates: 600,
        budgetMs: 8,
        workers: 2,
        inThread: true,
      });
      expect(par.stoppedBy).toBe('states');
      const [, pk, pn] = par.bound.match(cut)!.map(Number);
      expect(pk).toBeLessThan(pn);
    } finally {
      clock.mockRestore();
    }
  });
});

describe('a livelock that one fair schedule escapes and another falls into', () => {
  test('the drain misses it; the graph finds a lasso', () => {
    const dr = run(livelockToy, 'small', [finiteTime], 'drain');
    expect(verdicts(dr, [finiteTime])).toEqual({ 'finite-time': 'holds' });
    const g = run(livelockToy, 'small', [finiteTime], 'graph');
    const f = g.found.find((x) => x.property === 'finite-time');
    expect(f).toBeDefined();
    expect(f!.loop).toBe(1);
    expect(f!.actions.map((a) => a.step)).toEqual(['toy_publish', 'toy_spin', 'toy_back']);
    expect(f!.message).toContain('f0');
    expect(f!.message).toContain('weakly fair cycle');
  });
});

describe('obligations that are not constant on an SCC', () => {
  // Open obligation 'idle' in one state of the spin cycle and 'armed' in the other: no fair cycle keeps
  // one of them open, so it holds (the refinement per obligation, not the SCC's union, decides).
  const alternating = Object.assign(
    defineProperty({
      name: 'toy-alternating',
      kind: 'drain',
      rules: [],
      statement: 'test',
      drain: () => null,
    }),
    {
      graph: {
        unmet: (w: World) =>
          ctx(w, 'f0').published && !w.o.f0.hasTag('signaled')
            ? [ctx<{ armed: boolean }>(w, 'spin').armed ? 'armed' : 'idle']
            : [],
      },
    },
  );
  test('alternating obligations hold; a constant one along the same cycle is violated', () => {
    const g = run(livelockToy, 'small', [alternating], 'graph');
    expect(g.found).toEqual([]);
    const both = run(livelockToy, 'small', [alternating, finiteTime], 'graph');
    expect(both.found.map((f) => f.property)).toEqual(['finite-time']);
  });
});

describe('a lasso round-trips through save, load, replay and explain', () => {
  const lookup = async () => {
    const { properties } = await registry();
    return { designs: new Map([[livelockToy.name, livelockToy]]), properties };
  };
  const saved = () => {
    const cfg = livelockToy.configs.small;
    const g = run(livelockToy, 'small', [finiteTime], 'graph');
    const f = g.found.find((x) => x.property === 'finite-time')!;
    const t = toTraceFile(livelockToy, 'small', cfg, f, 'exhaustive', null, null);
    const dir = mkdtempSync(join(tmpdir(), 'fc-lasso-'));
    saveTrace(t, dir);
    return join(dir, traceFileName(t));
  };

  test('saved with its loop, loaded, replayed: reproduced', async () => {
    const file = saved();
    expect(JSON.parse(readFileSync(file, 'utf8'))['#meta'].loop).toBe(1);
    const l = await loadTrace(file, await lookup());
    expect(l.trace.meta.loop).toBe(1);
    const r = replayLoaded(l);
    expect(r.message).toContain('lasso');
    expect(r.ok).toBe(true);
    const text = renderExplain(await traceView(file, l.trace, await lookup()));
    expect(text).toContain('---- loop: steps 2-3');
    expect(text).toContain('repeats forever');
  });

  test('a cycle that does not return, or an unfair one, does not replay', async () => {
    const file = saved();
    const j = JSON.parse(readFileSync(file, 'utf8'));
    // loop at 2: the cycle is [toy_back] alone, from armed back to idle: not a cycle
    j['#meta'].loop = 2;
    writeFileSync(file, JSON.stringify(j));
    const r = replayLoaded(await loadTrace(file, await lookup()));
    expect(r.ok).toBe(false);
    expect(r.message).toContain('does not return');
    j['#meta'].loop = 3;
    writeFileSync(file, JSON.stringify(j));
    await expect(loadTrace(file, await lookup())).rejects.toThrow(/loop/);
  });

  test('a trace without a loop still loads (finite)', async () => {
    const file = saved();
    const j = JSON.parse(readFileSync(file, 'utf8'));
    delete j['#meta'].loop;
    writeFileSync(file, JSON.stringify(j));
    const l = await loadTrace(file, await lookup());
    expect(l.trace.meta.loop).toBeUndefined();
  });
});

describe('obligations carried from where a drain starts (hang-recovers-with-error)', () => {
  // f0 is pending on the hung c0 only before the reset: the violation is visible from that state alone.
  const lookup = async () => {
    const { properties } = await registry();
    return { designs: new Map([[hangToy.name, hangToy]]), properties };
  };
  const replayed = async (config: string, f: Found) => {
    const t = toTraceFile(hangToy, config, hangToy.configs[config], f, 'exhaustive', null, null);
    const dir = mkdtempSync(join(tmpdir(), 'fc-carried-'));
    saveTrace(t, dir);
    const file = join(dir, traceFileName(t));
    return { file, r: replayLoaded(await loadTrace(file, await lookup())) };
  };

  test('another fair schedule signals it without an error: the drain misses it, the graph finds the path', async () => {
    expect(verdicts(run(hangToy, 'small', [hangRecovers], 'drain'), [hangRecovers])).toEqual({
      'hang-recovers-with-error': 'holds',
    });
    const g = run(hangToy, 'small', [hangRecovers], 'graph');
    const f = g.found.find((x) => x.property === 'hang-recovers-with-error')!;
    expect(f.actions.map((a) => a.step)).toEqual(['toy_hang', 'toy_reset', 'toy_complete']);
    expect(f.loop).toBeUndefined();
    expect(f.message).toBe('f0, pending on a hung context, signaled without an error (I22)');
    const { file, r } = await replayed('small', f);
    expect(r.message).toBe(`reproduced: ${f.message}`);
    expect(r.ok).toBe(true);
    const text = renderExplain(await traceView(file, r.trace!, await lookup()));
    expect(text.replace(/\s+/g, ' ')).toContain('the drain that fails starts after step 1 and takes steps 2-3');
    // the same path ending with the reset's error is no violation
    const j = JSON.parse(readFileSync(file, 'utf8'));
    j['#meta'].actions[2] = { ...j['#meta'].actions[2], step: 'toy_fail', label: 'toy_fail' };
    j.states[3]['mbt::actionTaken'] = 'toy_fail';
    writeFileSync(file, JSON.stringify(j));
    const bad = replayLoaded(await loadTrace(file, await lookup()));
    expect(bad.ok).toBe(false);
    expect(bad.message).toContain('holds at the end');
  });

  test('every fair schedule fails the fence: both hold', () => {
    for (const liveness of ['graph', 'drain'] as const)
      expect(verdicts(run(hangToy, 'default', [hangRecovers], liveness), [hangRecovers])).toEqual({
        'hang-recovers-with-error': 'holds',
      });
  });

  test('a fair cycle after the reset keeps it unsignaled: the graph finds a lasso, which replays', async () => {
    expect(run(hangToy, 'large', [hangRecovers], 'drain').found).toEqual([]);
    const f = run(hangToy, 'large', [hangRecovers], 'graph').found[0];
    expect(f.actions.map((a) => a.step)).toEqual(['toy_hang', 'toy_reset', 'toy_spin', 'toy_back']);
    expect(f.loop).toBe(2);
    expect(f.message).toContain('f0, pending on a hung context, never ends signaled with an error (I22)');
    const { r } = await replayed('large', f);
    expect(r.message).toBe(`reproduced (a lasso: steps 3-4 repeat): ${f.message}`);
    expect(r.ok).toBe(true);
  });

  test("sched-resubmit-jobs: the graph's own trace (prefix, then the drain path) replays", async () => {
    const { designs, properties } = await registry();
    const d = designs.get('sched-resubmit-jobs')!;
    const g = run(d, 'small', [hangRecovers], 'graph');
    const f = g.found.find((x) => x.property === 'hang-recovers-with-error')!;
    expect(f.message).toContain('signaled without an error');
    const t = toTraceFile(d, 'small', d.configs.small, f, 'exhaustive', null, null);
    const dir = mkdtempSync(join(tmpdir(), 'fc-carried-'));
    saveTrace(t, dir);
    const r = replayLoaded(await loadTrace(join(dir, traceFileName(t)), { designs, properties }));
    expect(r.ok, r.message).toBe(true);
  });
});
