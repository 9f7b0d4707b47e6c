/**
 * Incremental successors (issue 13.1, FastEngine.needMask): where every step declares its footprint, a
 * state looks up only the candidates enabled in its parent and those touching a slot its parent's step
 * changed. The successors must be exactly the full enumeration's, state by state, and the explorer's
 * results the same with the switch off; and it must look up fewer candidates, or it is no reduction.
 */
import { describe, expect, test } from 'vitest';
import { Checker } from '../../src/check.ts';
import { exploreExhaustive } from '../../src/explore/exhaustive.ts';
import { FastEngine, type Succ } from '../../src/world/fast.ts';
import noDeadlock from '../../properties/no-deadlock.ts';
import finiteTime from '../../properties/finite-time.ts';
import rwA from '../../models/designs/rw-umf-a.ts';
import rwB from '../../models/designs/rw-umf-b.ts';
import { toyDesign } from './toy-design.ts';
import type { Design } from '../../models/design.ts';

const worlds: [string, Design<any>, unknown][] = [
  ['rw-umf-a (3,2)', rwA, { P: 3, J: 2 }],
  ['rw-umf-b (3,2)', rwB, { P: 3, J: 2 }],
  ['rw-umf-b (4,2)', rwB, { P: 4, J: 2 }],
  ['toy', toyDesign({ footprints: true, symmetry: true }), { groups: 2, workers: 2, tokens: 2, think: 1 }],
];

const shown = (ss: readonly Succ[]) => ss.map((s) => `${s.k}:${s.cand!.label}:${s.h1}:${s.h2}`);

describe('incremental successors are the full enumeration', () => {
  for (const [name, d, cfg] of worlds) {
    test(`${name}: state by state, breadth-first`, () => {
      const e = new FastEngine(d, cfg);
      expect(e.allStatic).toBe(true);
      const mw = e.maskWords;
      const v0 = e.encode(d.init(cfg));
      const seen = new Set<string>([v0.join()]);
      const queue: [Int32Array, Uint16Array][] = [[v0, new Uint16Array(mw).fill(0xffff)]];
      let states = 0,
        skipped = 0;
      while (queue.length) {
        const [v, need] = queue.shift()!;
        states++;
        const [h1, h2] = e.hash(v);
        const full = e.successors(v, h1, h2);
        const before = e.lookups;
        const inc = e.successors(v, h1, h2, undefined, undefined, need);
        skipped += e.candidates.length - (e.lookups - before);
        expect(shown(inc)).toEqual(shown(full));
        for (const s of inc) {
          const nv = e.nextVec(v, s);
          const k = nv.join();
          if (seen.has(k)) continue;
          seen.add(k);
          const out = new Uint16Array(mw);
          e.needMask(inc, s, out);
          queue.push([nv, out]);
        }
      }
      expect(states).toBeGreaterThan(100);
      // a reduction: on these worlds most candidates are known disabled without a lookup
      expect(skipped / states).toBeGreaterThan(e.candidates.length / 4);
    });
  }
});

describe('the explorer gives the same results with the switch off', () => {
  for (const [name, d, cfg] of worlds) {
    test(name, () => {
      const run = (incremental: boolean) => {
        const props = [noDeadlock, finiteTime].filter((p) => !p.appliesTo || p.appliesTo(d));
        const ch = new Checker(d, cfg, props);
        const r = exploreExhaustive(
          d,
          cfg,
          ch,
          props.map((p) => p.name),
          { maxDepth: 1000, maxStates: 2_000_000, exploreAll: true, incremental },
        );
        return {
          states: r.states,
          transitions: r.transitions,
          depth: r.depth,
          found: r.found.map((f) => [f.property, f.actions.map((a) => a.label), f.loop ?? -1]),
          reached: [...ch.reached],
        };
      };
      expect(run(true)).toEqual(run(false));
    });
  }
});
