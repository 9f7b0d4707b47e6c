/**
 * Verdicts on the memoized path equal the generic path's (issue 13.1): for the designs the issue
 * measures, with every property the design declares, the first 600 states in BFS order give the same
 * states, transitions, properties found and shortest-trace lengths in mode 'traced' as in 'generic'.
 */
import { afterEach, expect, test } from 'vitest';
import { registry } from '../../src/registry.ts';
import { Checker } from '../../src/check.ts';
import { exploreExhaustive } from '../../src/explore/exhaustive.ts';
import { engineDefaults, type EngineMode } from '../../src/world/fast.ts';

const { designs, properties } = await registry();
afterEach(() => {
  engineDefaults.mode = 'traced';
});

const names = [
  'present-submit-return',
  'no-bo-fences',
  'single-fifo-implicit',
  'present-vblank-naive',
  'sync-file-bridge',
];
for (const n of names) {
  test(`${n}: same verdicts, counts and trace lengths`, () => {
    const d = designs.get(n)!;
    const cfg = d.configs.small;
    const ps = Object.keys(d.expect).filter((p) => d.expect[p].verdict !== 'n/a');
    const run = (mode: EngineMode) => {
      engineDefaults.mode = mode;
      const r = exploreExhaustive(
        d,
        cfg,
        new Checker(
          d,
          cfg,
          ps.map((p) => properties.get(p)!),
        ),
        ps,
        {
          maxDepth: 10_000,
          maxStates: 600,
          exploreAll: true,
        },
      );
      return {
        states: r.states,
        transitions: r.transitions,
        stoppedBy: r.stoppedBy,
        found: r.found.map((f) => [f.property, f.actions.length]).sort(),
      };
    };
    const g = run('generic');
    expect(g.states).toBeGreaterThan(1);
    expect(run('traced')).toEqual(g);
  });
}
