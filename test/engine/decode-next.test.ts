/**
 * The successor's World made by patching its parent's (FastEngine.decodeNext, what step properties and
 * monitors read on every transition) equals decoding its vector: the same ids in the same order, the same
 * snapshot objects, the same globals, the same ids of each kind. Over the first states of designs that
 * spawn, drop and replace objects and write globals, in BFS order; the patched path must be taken on some
 * transitions and the full decode on others (a spawn or a removal). The changed ids the decoder gives the
 * successor (what `changedIds` answers step properties and monitors with) are the ones a scan of the two
 * worlds finds, in the same order.
 */
import { expect, test } from 'vitest';
import { registry } from '../../src/registry.ts';
import { engineFor } from '../../src/explore/drain.ts';
import { fpKey } from '../../src/world/fast.ts';
import { changedIds, idsOf, sortedIds, type World } from '../../models/world.ts';

const { designs } = await registry();

function same(a: World, b: World) {
  expect(Object.keys(a.o)).toEqual(Object.keys(b.o));
  for (const id in a.o) expect(a.o[id]).toBe(b.o[id]);
  expect(JSON.stringify(a.g)).toBe(JSON.stringify(b.g));
  // the id lists, which a patched world may take from its parent
  expect(sortedIds(a)).toEqual(sortedIds(b));
  for (const k of new Set(Object.values(b.o).map((x) => x.machine.id))) expect(idsOf(a, k)).toEqual(idsOf(b, k));
}

for (const name of ['sync-file-bridge', 'present-vblank-naive', 'dma-resv-implicit', 'rw-umf-b']) {
  test(`${name}: decodeNext equals decode on every transition of the first 400 states`, () => {
    const d = designs.get(name)!;
    const cfg = d.configs.small;
    const e = engineFor(d, cfg);
    const v0 = e.encode(d.init(cfg));
    const [a1, a2] = e.hash(v0);
    const seen = new Set([fpKey(a1, a2)]);
    const queue: [Int32Array, number, number][] = [[v0, a1, a2]];
    let patched = 0,
      full = 0,
      changes = 0;
    for (let i = 0; i < queue.length && i < 400; i++) {
      const [v, h1, h2] = queue[i];
      const before = e.decode(v);
      for (const s of e.successors(v, h1, h2)) {
        const nv = e.nextVec(v, s);
        const got = e.decodeNext(before, v, s, nv);
        const plain = e.decode(nv);
        same(got, plain);
        // the decoder's list, and the scan of a pair it did not make (a copy of before: no shortcut)
        expect(changedIds(before, got)).toEqual(changedIds({ ...before }, plain));
        changes += changedIds(before, got).length;
        if (Object.keys(got.o).length === Object.keys(before.o).length) patched++;
        else full++;
        if (!seen.has(fpKey(s.h1, s.h2))) {
          seen.add(fpKey(s.h1, s.h2));
          queue.push([nv, s.h1, s.h2]);
        }
      }
    }
    expect(patched).toBeGreaterThan(0);
    expect(changes).toBeGreaterThan(0);
    if (name !== 'rw-umf-b') expect(full).toBeGreaterThan(0);
  });
}
