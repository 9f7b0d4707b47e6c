/**
 * Soundness of the exhaustive explorer's reductions on small worlds (issue 7): with each reduction on,
 * the same verdicts and the same shortest-trace lengths as with it off; and where a reduction cannot
 * apply (rw-umf), exactly the same state counts.
 */
import { describe, expect, test } from 'vitest';
import { toyDesign, type ToyConfig } from './toy-design.ts';
import { Checker } from '../../src/check.ts';
import { exploreExhaustive, FingerprintSet } from '../../src/explore/exhaustive.ts';
import { firstViolation } from '../../src/explore/trace.ts';
import noDeadlock from '../../properties/no-deadlock.ts';
import finiteTime from '../../properties/finite-time.ts';
import rwA from '../../models/designs/rw-umf-a.ts';
import rwB from '../../models/designs/rw-umf-b.ts';
import type { Design } from '../../models/design.ts';

function run(d: Design, cfg: unknown, o: { symmetry: boolean; por: boolean }, props = [noDeadlock]) {
  const ch = new Checker(d, cfg, props);
  const r = exploreExhaustive(
    d,
    cfg,
    ch,
    props.map((p) => p.name),
    { maxDepth: 1000, maxStates: 5_000_000, ...o },
  );
  return { r, ch };
}

const configs: ToyConfig[] = [
  { groups: 1, workers: 3, tokens: 3, think: 1 }, // one group: symmetry applies, POR has one component
  { groups: 2, workers: 2, tokens: 2, think: 1 }, // two independent groups: both apply
  { groups: 2, workers: 3, tokens: 3, think: 2 },
  { groups: 2, workers: 2, tokens: 3, think: 1 }, // enough tokens: no deadlock
  { groups: 3, workers: 2, tokens: 2, think: 0 },
];

describe('symmetry and partial-order reduction are sound on the token world', () => {
  const d = toyDesign({ footprints: true, symmetry: true });
  for (const cfg of configs) {
    test(`groups ${cfg.groups}, workers ${cfg.workers}, tokens ${cfg.tokens}, think ${cfg.think}`, () => {
      const base = run(d, cfg, { symmetry: false, por: false }).r;
      expect(base.reductions).toEqual({ symmetry: 'off', por: 'off' });
      expect(base.stoppedBy === 'complete' || base.stoppedBy === 'all-found').toBe(true);
      const expectDeadlock = cfg.tokens === cfg.workers;
      expect(base.found.length).toBe(expectDeadlock ? 1 : 0);
      for (const o of [
        { symmetry: true, por: false },
        { symmetry: false, por: true },
        { symmetry: true, por: true },
      ]) {
        const { r, ch } = run(d, cfg, o);
        expect(r.found.map((f) => f.property)).toEqual(base.found.map((f) => f.property));
        expect(r.found.map((f) => f.actions.length)).toEqual(base.found.map((f) => f.actions.length));
        // the reduced trace is a real counterexample: it replays to a deadlock through enabledActions
        for (const f of r.found)
          expect(firstViolation(d, cfg, ch, f.actions, f.property)?.at).toBe(f.actions.length - 1);
        if (o.symmetry) expect(r.reductions.symmetry).toMatch(/^on/);
        if (o.por) expect(r.reductions.por).toMatch(cfg.groups > 1 ? /^on/ : /^no effect/);
      }
      // Full spaces (exploreAll) shrink: symmetry when a group has more than one worker, POR with > 1 group.
      const full = (o: { symmetry: boolean; por: boolean }) => {
        const ch = new Checker(d, cfg, [noDeadlock]);
        return exploreExhaustive(d, cfg, ch, ['no-deadlock'], {
          maxDepth: 1000,
          maxStates: 5_000_000,
          exploreAll: true,
          ...o,
        });
      };
      const f0 = full({ symmetry: false, por: false });
      const fs = full({ symmetry: true, por: false });
      const fp = full({ symmetry: false, por: true });
      expect(fs.states).toBeLessThan(f0.states);
      if (cfg.groups > 1) expect(fp.states).toBeLessThan(f0.states);
      else expect(fp.states).toBe(f0.states);
      expect(fs.found.length).toBe(f0.found.length);
      expect(fp.found.length).toBe(f0.found.length);
    });
  }

  test('POR is not used when a non-terminal property is looked for', () => {
    const cfg = configs[1];
    const a = run(d, cfg, { symmetry: false, por: true }, [noDeadlock, finiteTime]).r;
    expect(a.reductions.por).toMatch(/^n\/a/);
  });

  test('footprint-memoized steps and generic steps give the same graph', () => {
    const dyn = toyDesign({ footprints: false, symmetry: false });
    for (const cfg of configs) {
      const a = run(d, cfg, { symmetry: false, por: false }).r;
      const b = run(dyn, cfg, { symmetry: false, por: true }).r; // POR needs footprints: n/a here
      expect(b.reductions.por).toMatch(/^n\/a/);
      expect([b.states, b.transitions, b.found.map((f) => f.actions.map((x) => x.label))]).toEqual([
        a.states,
        a.transitions,
        a.found.map((f) => f.actions.map((x) => x.label)),
      ]);
    }
  });
});

describe('where a reduction cannot apply, counts are identical with it on and off (rw-umf)', () => {
  for (const d of [rwA, rwB]) {
    test(d.name, () => {
      const cfg = d.configs.p3j2;
      const on = exploreExhaustive(d, cfg, new Checker(d, cfg, [noDeadlock]), ['no-deadlock'], {
        maxDepth: 1000,
        maxStates: 1e6,
        exploreAll: true,
      });
      const off = exploreExhaustive(d, cfg, new Checker(d, cfg, [noDeadlock]), ['no-deadlock'], {
        maxDepth: 1000,
        maxStates: 1e6,
        exploreAll: true,
        symmetry: false,
        por: false,
      });
      expect(on.reductions.symmetry).toMatch(/^n\/a/);
      expect(on.reductions.por).toMatch(/^no effect/);
      expect([on.states, on.transitions, on.found.map((f) => f.actions.length)]).toEqual([
        off.states,
        off.transitions,
        off.found.map((f) => f.actions.length),
      ]);
    });
  }
});

describe('fingerprint set', () => {
  test('add reports new fingerprints once, across growth, including (0,0)', () => {
    const s = new FingerprintSet(16);
    const xs: [number, number][] = [];
    for (let i = 0; i < 5000; i++)
      xs.push([(Math.imul(i, 0x9e3779b1) ^ 0x5bd1e995) | 0, Math.imul(i + 7, 0x85ebca6b) | 0]);
    xs.push([0, 0]);
    for (const [a, b] of xs) expect(s.add(a, b)).toBe(true);
    for (const [a, b] of xs) expect(s.add(a, b)).toBe(false);
    expect(s.size).toBe(xs.length);
    expect(s.has(1, 2)).toBe(false);
  });
});
