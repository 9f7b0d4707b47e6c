/**
 * over-sync-bounded — H7, R62, R113 (seed 004 "over-synchronization"): the waits a design imposes that
 * the data flow does not need (a job waiting on a job whose accesses do not conflict with its own: the
 * design's `over-sync` number, models/userspace/buffer-sharing.ts overSync) stay within the bound the
 * design declares in its config (`overSyncBound`, 0 when it declares none: only the waits the data
 * needs). R62 allows a driver to mark every access WRITE, which is correct but serialises independent
 * readers (Xe's default for external BOs, H7): as an assertion, not only as a number.
 */
import { defineProperty } from './property.ts';
import type { World } from '../models/world.ts';
import { accessRecords, conflict, ownerJob, overSync, type AccessRecord } from '../models/userspace/buffer-sharing.ts';
import { dma_fence_unwrap } from '../models/dma-buf/dma-fence-unwrap.ts';

const boundOf = (cfg: { overSyncBound?: unknown }): number =>
  typeof cfg?.overSyncBound === 'number' ? cfg.overSyncBound : 0;

/** The first wait the data did not need: [waiter job, the job it waits on], or null. */
function firstUnneeded(w: World): [string, string] | null {
  for (const [job, rec] of accessRecords(w))
    for (const d of rec.deps)
      for (const leaf of dma_fence_unwrap(w, d)) {
        const j = ownerJob(w, leaf);
        if (j && !conflict(rec.acc, (w.g[`access:${j}`] as unknown as AccessRecord).acc)) return [job, j];
      }
  return null;
}

export default defineProperty({
  name: 'over-sync-bounded',
  kind: 'state',
  rules: ['H7', 'R62', 'R113', 'R54'],
  statement:
    "The waits a design imposes beyond its data flow's (over-sync) never exceed the bound it declares in its " +
    'config (overSyncBound, default 0).',
  appliesTo: (d) => !!d.metrics?.['over-sync'],
  needs: ['dma_resv'],
  witness: {
    what: "a job waiting on another job's fence",
    state: (w) =>
      accessRecords(w).some(([, rec]) => rec.deps.some((d) => dma_fence_unwrap(w, d).some((l) => ownerJob(w, l)))),
  },
  state: (w, cfg) => {
    const n = overSync(w);
    const bound = boundOf(cfg);
    if (n <= bound) return null;
    const [a, b] = firstUnneeded(w) ?? ['?', '?'];
    return (
      `${n} wait(s) the data does not need, over the declared bound ${bound}: ${a} waits on ${b} ` +
      'though their accesses do not conflict (H7, R62)'
    );
  },
});
