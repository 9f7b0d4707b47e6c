/**
 * Seeded-bug class (f) of issue 14: "the minimizer never tries to drop the first action". Two checks:
 * every saved trace is 1-minimal (dropping any single action, the first included, leaves a sequence
 * along which the property never breaks), and the minimizer drops a redundant FIRST action.
 */
import { describe, expect, test } from 'vitest';
import { listTraces } from '../../src/counterexample/store.ts';
import { loadTrace } from '../../src/counterexample/load.ts';
import { COUNTEREXAMPLES_DIR, registry } from '../../src/registry.ts';
import { Checker } from '../../src/check.ts';
import { firstViolation, minimize } from '../../src/explore/trace.ts';
import { exploreExhaustive } from '../../src/explore/exhaustive.ts';
import { toy, type ToyConfig } from '../engine/toy.ts';
import { join } from 'node:path';

describe('saved traces are 1-minimal', () => {
  const files = listTraces();
  test('there are saved traces to check', () => expect(files.length).toBeGreaterThan(20));
  test.each(files)('%s', async (f) => {
    const { design, property, trace, cfg } = await loadTrace(join(COUNTEREXAMPLES_DIR, f));
    const checker = new Checker(design, cfg, [property]);
    const actions = trace.meta.actions;
    // the trace itself breaks the property at its last step, not before
    expect(firstViolation(design, cfg, checker, actions, property.name)?.at).toBe(actions.length - 1);
    for (let i = 0; i < actions.length; i++) {
      const cand = [...actions.slice(0, i), ...actions.slice(i + 1)];
      expect(firstViolation(design, cfg, checker, cand, property.name), `without step ${i + 1}`).toBeNull();
    }
  });
});

describe('the minimizer', () => {
  test('drops a redundant first action (and keeps the story)', async () => {
    const { properties } = await registry();
    const c: ToyConfig = { fences: 2, reinit: true, cycle: false };
    const checker = new Checker(toy, c, [properties.get('one-shot')!]);
    const r = exploreExhaustive(toy, c, checker, ['one-shot'], { maxDepth: 10, maxStates: 10_000 });
    const found = r.found[0];
    expect(found.actions.map((a) => a.step)).toEqual(['toy_signal', 'toy_publish', 'toy_reinit']);
    // a harmless action in front: publishing the other fence
    const other = found.actions[0].args[0] === 'f0' ? 'f1' : 'f0';
    const padded = {
      ...found,
      actions: [{ step: 'toy_publish', args: [other], label: `toy_publish(${other})` }, ...found.actions],
    };
    expect(firstViolation(toy, c, checker, padded.actions, 'one-shot')?.at).toBe(3);
    const m = minimize(toy, c, checker, padded);
    expect(m.actions.map((a) => a.label)).toEqual(found.actions.map((a) => a.label));
  });
});
