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
import { engineFor } from '../../src/explore/drain.ts';

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

test('rw-umf-b small, finite-time on the graph and no-deadlock: witnesses and graph judgments memoized exactly', () => {
  // Nothing else decodes a state here, so the witnesses and the graph's judgments (is an obligation open?)
  // take FastEngine.memoOf; the generic path runs them on every state, mode 'check' compares every hit.
  const d = designs.get('rw-umf-b')!;
  const cfg = d.configs.small;
  const ps = ['finite-time', 'no-deadlock'];
  const run = (mode: EngineMode) => {
    engineDefaults.mode = mode;
    const ck = new Checker(
      d,
      cfg,
      ps.map((p) => properties.get(p)!),
    );
    const r = exploreExhaustive(d, cfg, ck, ps, { maxDepth: 1e9, maxStates: 1e6, exploreAll: true });
    return {
      states: r.states,
      transitions: r.transitions,
      found: r.found.map((f) => [f.property, f.actions.length]),
      liveness: r.liveness && { decides: r.liveness.decides, edges: r.liveness.edges },
      reached: [...ck.reached],
    };
  };
  const g = run('generic');
  expect(g.liveness?.decides).toEqual(['finite-time']);
  expect(g.reached.every(([, n]) => n > 0)).toBe(true);
  const t = run('traced');
  expect(t).toEqual(g);
  engineDefaults.mode = 'traced';
  expect(engineFor(d, cfg).predStats.hits).toBeGreaterThan(g.states); // two witnesses and the graph's judgment
  expect(run('check')).toEqual(g);
});
