/**
 * idsOf on the worlds the fast engine decodes (models/world.ts, FastEngine.idsOfKind): the objects of a
 * kind, in id order, read from the state vector instead of a scan and a sort; answers are kept on the
 * world; sortedIds likewise, every object id in id order. State by state, over a breadth-first prefix of
 * real designs, they must be what the scan gives, and a world made from a decoded one by a step must not
 * inherit its answers.
 */
import { describe, expect, test } from 'vitest';
import { FastEngine } from '../../src/world/fast.ts';
import { idsOf, sortedIds, type World } from '../../models/world.ts';
import { enabledActions } from '../../src/world/steps.ts';
import { registry } from '../../src/registry.ts';

const scan = (w: World, kind: string) =>
  Object.keys(w.o)
    .filter((id) => w.o[id].machine.id === kind)
    .sort();

describe('idsOf on decoded worlds', () => {
  test.each(['io-uring-kthread-per-sched', 'present-vblank-naive', 'sched-resubmit-jobs'])('%s', async (name) => {
    const { designs } = await registry();
    const d = designs.get(name)!;
    const cfg = d.configs.small ?? d.configs.default;
    const e = new FastEngine(d, cfg);
    const v0 = e.encode(d.init(cfg));
    const seen = new Set<string>([v0.join()]);
    const queue = [v0];
    let checked = 0;
    let spawned = 0;
    for (let h = 0; h < queue.length && h < 400; h++) {
      const w = e.decode(queue[h]);
      const kinds = [...new Set(Object.values(w.o).map((s) => s.machine.id))].sort();
      for (const k of [...kinds, 'no_such_kind']) {
        expect(idsOf(w, k), `${k} at state ${h}`).toEqual(scan(w, k));
        expect(idsOf(w, k)).toBe(idsOf(w, k)); // kept
        checked++;
      }
      expect(sortedIds(w), `ids at state ${h}`).toEqual(Object.keys(w.o).sort());
      expect(sortedIds(w)).toBe(sortedIds(w)); // kept
      for (const a of enabledActions(d, cfg, w)) {
        // a successor made by a step: its own answers, whatever the decoded parent had kept
        for (const k of kinds) expect(idsOf(a.next, k)).toEqual(scan(a.next, k));
        expect(sortedIds(a.next)).toEqual(Object.keys(a.next.o).sort());
        if (Object.keys(a.next.o).length !== Object.keys(w.o).length) spawned++;
        const v = e.encode(a.next);
        if (!seen.has(v.join())) {
          seen.add(v.join());
          queue.push(v);
        }
      }
    }
    expect(checked).toBeGreaterThan(100);
    expect(spawned).toBeGreaterThan(0);
  });
});
