/**
 * snapshot-stable — I17 (R64, R70, R71, R80, R126): a fence once captured is never changed by later
 * replace, reset, signal, add_point or resv changes.
 * - a sync_file's fence pointer is constant (R64; an exported dma-buf snapshot is a sync_file, R126);
 * - a pushed job's dependency list only loses fences, and only fences that signaled: nothing is added
 *   or swapped after push (R70: resolved at enqueue time);
 * - the recorded dependencies of a job (ghost `access:<job>`, models/userspace/buffer-sharing.ts) never change;
 * - convention for other models: an object whose context has `captured` (a fence id, or a list of
 *   them) never changes that field once set (KMS plane in-fences, waiters).
 */
import { defineProperty } from './property.ts';
import { changedIds, ctx, idsOf, type World } from '../models/world.ts';
import type { DrmSchedJobContext } from '../models/drm-sched/drm-sched-job.ts';

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function signaled(w: World, id: string): boolean {
  const s = w.o[id];
  return !!s && s.hasTag('signaled');
}

export default defineProperty({
  name: 'snapshot-stable',
  kind: 'step',
  rules: ['I17', 'R64', 'R70', 'R71', 'R80', 'R126'],
  needs: ['sync_file'],
  witness: {
    what: 'a captured fence (a sync_file, or a pushed job with unsignalled dependencies) while things change',
    state: (w) =>
      idsOf(w, 'sync_file').length > 0 ||
      idsOf(w, 'drm_sched_job').some((j) => ctx<DrmSchedJobContext>(w, j).deps.some((f) => !signaled(w, f))),
  },
  statement:
    'A captured fence (sync_file, exported snapshot, job dependency) never changes under later replace, reset or add.',
  step: (before, a, after) => {
    for (const id of changedIds(before, after)) {
      const s = before.o[id];
      const n = after.o[id];
      if (!s || !n) continue; // spawned or vanished (the others changed: the step replaced their snapshot)
      const kind = s.machine.id;
      const c = s.context as Record<string, unknown>;
      const d = n.context as Record<string, unknown>;
      if (kind === 'sync_file' && c.fence !== d.fence)
        return `sync_file ${id} changed its fence from ${c.fence} to ${d.fence} at ${a.label} (R64)`;
      if (kind === 'drm_sched_job' && s.value !== 'init' && s.value !== 'armed') {
        const was = ctx<DrmSchedJobContext>(before, id).deps;
        const now = ctx<DrmSchedJobContext>(after, id).deps;
        const added = now.filter((f) => !was.includes(f));
        if (added.length) return `job ${id} gained dependency ${added.join(', ')} after push, at ${a.label} (R70)`;
        const dropped = was.filter((f) => !now.includes(f) && !signaled(after, f));
        if (dropped.length) return `job ${id} lost the unsignaled dependency ${dropped.join(', ')} at ${a.label} (I17)`;
      }
      if ('captured' in c && c.captured !== undefined && c.captured !== '' && !same(c.captured, d.captured))
        return (
          `${id} changed its captured fence from ${JSON.stringify(c.captured)} to ${JSON.stringify(d.captured)} ` +
          `at ${a.label} (I17)`
        );
    }
    if (after.g === before.g) return null;
    for (const k in before.g) {
      if (!k.startsWith('access:') || after.g[k] === before.g[k]) continue;
      const was = (before.g[k] as { deps: string[] }).deps;
      const now = (after.g[k] as { deps: string[] } | undefined)?.deps;
      if (!same(was, now)) return `the recorded dependencies of ${k.slice(7)} changed at ${a.label} (I17)`;
    }
    return null;
  },
});
