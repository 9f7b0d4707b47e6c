/**
 * hazard-free — seed 004, H8, I18/I19-like consumer safety (R53, R54, R62, R126, R127): two GPU
 * accesses to one BO, at least one a write, are ordered by happens-before.
 *
 * What is recorded (ghost data, models/userspace/buffer-sharing.ts): at submit, a job's BO accesses and
 * every fence it was told to wait on (implicit: the resv fences of dma_resv_usage_rw; explicit: its
 * in-fences), before the scheduler drops signaled ones or substitutes `scheduled` (R91, R93).
 *
 * Happens-before J1 -> J2 (J1 submitted earlier), the transitive closure of:
 * - J2 waited on a fence whose leaves (R50: through arrays and chains) include a fence of J1, or a
 *   later fence of the same context (I4, R52: a later fence signaled implies the earlier ones);
 * - J1 and J2 belong to one process (one drm_sched entity on one ring: R97 pops them in order and
 *   the ring executes in order, which is what lets R93 wait only on `scheduled`);
 * - J1 had completed (its finished fence signaled) when J2 was submitted: J1's access is over before
 *   J2 exists. Real time is an order, and the explorer also tries the interleavings where J1 is slower.
 * The check runs when the later job is submitted (a step property): its dependencies are fixed from
 * then on (R70, I17), so an unordered pair is unordered for good; some interleaving runs them in either
 * order or concurrently. Not faithful to: sub-BO ranges (a BO is the unit), CPU accesses (not recorded).
 */
import { defineProperty } from './property.ts';
import type { World } from '../models/world.ts';
import type { DmaFenceContext } from '../models/dma-buf/dma-fence.ts';
import { isFence } from '../models/view.ts';
import { dma_fence_unwrap } from '../models/dma-buf/dma-fence-unwrap.ts';
import { accessRecords, conflict, ownerJob, type AccessRecord } from '../models/userspace/buffer-sharing.ts';

function signaled(w: World, id: string): boolean {
  const s = w.o[id];
  return !!s && s.hasTag('signaled');
}

/** Jobs that happen before `job` (excluding the real-time rule), given the records of `w`. */
function happensBefore(w: World, job: string, recs: Map<string, AccessRecord>): Set<string> {
  const byContext = new Map<number, { id: string; seqno: number }[]>();
  for (const id in w.o) {
    const s = w.o[id];
    if (!isFence(s)) continue;
    const c = s.context as DmaFenceContext;
    if (c.context === 0) continue;
    const l = byContext.get(c.context) ?? [];
    byContext.set(c.context, l);
    l.push({ id, seqno: c.seqno });
  }
  const out = new Set<string>();
  const todo = [job];
  while (todo.length) {
    const j = todo.pop()!;
    const rec = recs.get(j);
    if (!rec) continue;
    const add = (x: string) => {
      if (x !== job && !out.has(x)) {
        out.add(x);
        todo.push(x);
      }
    };
    for (const [other, r] of recs) if (r.proc === rec.proc && other !== j && sameProcEarlier(other, j)) add(other);
    for (const d of rec.deps) {
      for (const leaf of dma_fence_unwrap(w, d)) {
        const c = w.o[leaf]?.context as DmaFenceContext | undefined;
        const same =
          c && c.context !== 0
            ? (byContext.get(c.context) ?? []).filter((f) => f.seqno <= c.seqno).map((f) => f.id)
            : [leaf];
        for (const f of same) {
          const o = ownerJob(w, f);
          if (o) add(o);
        }
      }
    }
  }
  return out;
}

/** `<proc>.j<k>`: is a an earlier job of the same process than b? */
function sameProcEarlier(a: string, b: string): boolean {
  const ka = Number(a.slice(a.lastIndexOf('.j') + 2));
  const kb = Number(b.slice(b.lastIndexOf('.j') + 2));
  return ka < kb;
}

export default defineProperty({
  name: 'hazard-free',
  kind: 'step',
  rules: ['H8', 'R53', 'R54', 'R62', 'R126', 'R127', 'R128'],
  statement:
    'Two GPU accesses to one BO, at least one a write, are ordered by a happens-before chain of fences (implicit or ' +
    'explicit), by ring order, or by completion before submission.',
  step: (before, a, after) => {
    const recs = new Map(accessRecords(after));
    for (const [j2, r2] of recs) {
      if (before.g[`access:${j2}`] !== undefined) continue;
      const hb = happensBefore(after, j2, recs);
      for (const [j1, r1] of recs) {
        if (j1 === j2 || before.g[`access:${j1}`] === undefined) continue;
        const bo = conflict(r1.acc, r2.acc);
        if (!bo || hb.has(j1) || signaled(before, `${j1}.finished`)) continue;
        const how = (r: AccessRecord) => (r.acc.some(([b, m]) => b === bo && m === 'w') ? 'writes' : 'reads');
        return (
          `${j2} ${how(r2)} ${bo} while ${j1} ${how(r1)} it, unordered: no fence chain leads from ${j1} to ` +
          `${j2} and ${j1} had not completed when ${j2} was submitted (at ${a.label})`
        );
      }
    }
    return null;
  },
});
