/**
 * Issue 11.1/11.3 for the sharing designs: scripts generated from knobs (a changed knob regenerates
 * them, hand-written scripts are kept), hazard-free ordering by queue (entity on its ring) rather than
 * by process, and errors-propagate on a design that violates it and one that holds it.
 */
import { describe, expect, test } from 'vitest';
import { Checker } from '../../src/check.ts';
import { exploreExhaustive } from '../../src/explore/exhaustive.ts';
import { enabledActions } from '../../src/world/steps.ts';
import hazardFree from '../../properties/hazard-free.ts';
import errorsPropagate from '../../properties/errors-propagate.ts';
import implicit from '../../models/designs/dma-resv-implicit.ts';
import propagating from '../../models/designs/dma-resv-error-propagation.ts';
import explicit from '../../models/designs/explicit-sync-file.ts';
import { scriptsOf, type Op, type SharingConfig } from '../../models/userspace/buffer-sharing.ts';
import type { Design } from '../../models/design.ts';
import type { Property } from '../../properties/property.ts';
import { worldKey } from '../../models/world.ts';

function first(d: Design, cfg: SharingConfig, p: Property) {
  const r = exploreExhaustive(d, cfg, new Checker(d, cfg, [p]), [p.name], { maxDepth: 60, maxStates: 100_000 });
  expect(['complete', 'all-found']).toContain(r.stoppedBy);
  return r.found[0]?.message ?? null;
}

/** Transitions where the property's step witness holds, over the whole reachable space (small configs only). */
function witnessed(d: Design, cfg: SharingConfig, p: Property): number {
  let n = 0;
  const seen = new Set<string>();
  let frontier = [d.init(cfg)];
  while (frontier.length) {
    const next = [];
    for (const w of frontier)
      for (const a of enabledActions(d, cfg, w)) {
        const info = { step: a.step.name, args: a.args, label: a.label, role: a.step.role };
        if (p.witness?.step?.(w, info, a.next, cfg) || p.witness?.state?.(a.next, cfg, { design: d })) n++;
        const k = worldKey(a.next);
        if (!seen.has(k)) {
          seen.add(k);
          next.push(a.next);
        }
      }
    frontier = next;
  }
  return n;
}

describe('sharing designs: scopes, queues, error propagation', () => {
  test('a changed knob regenerates the scripts; hand-written scripts are kept; default is bigger than small', () => {
    const small = implicit.configs.small;
    expect(Object.keys(scriptsOf(small)).sort()).toEqual(['proc0', 'proc1', 'proc2']);
    const more = { ...small, readers: 3, frames: 2 };
    expect(Object.keys(scriptsOf(more)).sort()).toEqual(['proc0', 'proc1', 'proc2', 'proc3', 'proc4']);
    expect(scriptsOf(more).proc0.filter((o) => o.op === 'submit')).toHaveLength(2);
    const hand = { ...small, scripts: { proc0: [{ op: 'submit', acc: [['bo0', 'w']], implicit: true }] as Op[] } };
    expect(Object.keys(scriptsOf(hand))).toEqual(['proc0']);
    for (const d of [implicit, explicit]) expect(d.configs.default).not.toBe(d.configs.small);
    expect(Object.keys(scriptsOf(implicit.configs.default)).length).toBeGreaterThan(3);
  });

  test('hazard-free orders by queue: one process writing on one queue and reading on another races', () => {
    const two: Op[] = [
      { op: 'submit', acc: [['bo0', 'w']], implicit: false, queue: 0 },
      { op: 'submit', acc: [['bo0', 'r']], implicit: false, queue: 1 },
    ];
    const one: Op[] = two.map((o) => (o.op === 'submit' ? { ...o, queue: 0 } : o));
    const cfg = (ops: Op[]) => ({ ...explicit.configs.small, scripts: { proc0: ops } });
    expect(first(explicit, cfg(two), hazardFree)).toMatch(/proc0.j1 reads bo0 while proc0.j0 writes it/);
    expect(first(explicit, cfg(one), hazardFree)).toBeNull();
  });

  test("errors-propagate: drm_sched's consumer of a failed producer signals 0; a propagating driver's not", () => {
    expect(first(implicit, implicit.configs.small, errorsPropagate)).toMatch(
      /completed normally .* although its dependency proc0.j0.finished signaled with error -62/,
    );
    expect(first(propagating, propagating.configs.small, errorsPropagate)).toBeNull();
    // not vacuous: jobs do complete after a dependency failed (skipped, with its error)
    expect(witnessed(propagating, propagating.configs.small, errorsPropagate)).toBeGreaterThan(0);
  });
});
