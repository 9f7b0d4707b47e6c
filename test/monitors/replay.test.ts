/**
 * Replay judges a monitor's trace by running the monitor along the whole trace (its state is built by
 * every step), and the violation must be at the last step: the trace the explorer found reproduces,
 * and the same trace without its last action does not.
 */
import { describe, expect, test } from 'vitest';
import singleFifo from '../../models/designs/single-fifo-implicit.ts';
import noStarvation from '../../properties/no-starvation.ts';
import { Checker } from '../../src/check.ts';
import { exploreExhaustive } from '../../src/explore/exhaustive.ts';
import { findAction, type Action } from '../../src/world/steps.ts';
import { findingAtEnd } from '../../src/counterexample/replay.ts';

// The scope where starvation is reachable (test/monitors/no-starvation.test.ts explains it).
const cfg = { processes: 2, jobs: 3, bos: 5, maxHangs: 0, tdr: true, creditLimit: 3 };

describe('replay of a monitor trace', () => {
  const checker = new Checker(singleFifo, cfg, [noStarvation]);
  const r = exploreExhaustive(singleFifo, cfg, checker, ['no-starvation'], { maxDepth: 20, maxStates: 200_000 });
  const found = r.found[0];
  const w0 = singleFifo.init(cfg);
  const acts: Action[] = [];
  let w = w0;
  for (const a of found?.actions ?? []) {
    const act = findAction(singleFifo, cfg, w, a.step, a.args);
    if (!act) throw new Error(`the found trace does not replay at ${a.label}`);
    acts.push(act);
    w = act.next;
  }

  test('the found trace reproduces, with the same message', () => {
    expect(found).toBeDefined();
    expect(findingAtEnd(singleFifo, cfg, noStarvation, w0, acts)?.message).toBe(found.message);
  });

  test('without its last action it does not (the monitor needs every step of it)', () => {
    expect(findingAtEnd(singleFifo, cfg, noStarvation, w0, acts.slice(0, -1))).toBeNull();
  });
});
