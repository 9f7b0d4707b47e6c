/**
 * The oracle of derived footprints (issue 13.1), shared by the sharded test files: mode 'check' explores a
 * design's small config (the first 1,000 states in BFS order, or all), recomputing every memo hit of a derived
 * footprint on the generic path (a wrong footprint throws) and checking that each step with a declared
 * footprint (`touches`, rw-umf) reads nothing outside it; state, transition counts and depth equal the
 * generic path's. Verdicts are compared on all properties in footprint-verdicts.test.ts.
 */
import { describe, expect, test } from 'vitest';
import { registry } from '../../src/registry.ts';
import { Checker } from '../../src/check.ts';
import { exploreExhaustive } from '../../src/explore/exhaustive.ts';
import { engineDefaults, type EngineMode } from '../../src/world/fast.ts';
import type { Design } from '../../models/design.ts';

export function explore(d: Design, cfg: unknown, mode: EngineMode, maxStates = 1_000) {
  const saved = engineDefaults.mode;
  engineDefaults.mode = mode;
  try {
    return exploreExhaustive(d, cfg, new Checker(d, cfg, []), [], { maxDepth: 10_000, maxStates, exploreAll: true });
  } finally {
    engineDefaults.mode = saved;
  }
}

/** Shard `i` of `n` of the designs, by name order. */
export async function oracleSuite(i: number, n: number) {
  const { designs } = await registry();
  const mine = [...designs.values()].filter((_, k) => k % n === i);
  describe(`designs ${i + 1}/${n}: the checked memoized path equals the generic path`, () => {
    for (const d of mine) {
      test(`${d.name} (small)`, () => {
        const cfg = d.configs.small;
        const g = explore(d, cfg, 'generic');
        const c = explore(d, cfg, 'check');
        expect(['complete', 'states']).toContain(g.stoppedBy);
        expect([c.states, c.transitions, c.depth, c.stoppedBy]).toEqual([
          g.states,
          g.transitions,
          g.depth,
          g.stoppedBy,
        ]);
      });
    }
  });
}
