/**
 * no-future-edges — I8 (R30, R47, R78, R88, H2): when a job is armed, and whenever a dependency is
 * added to an armed job, every dependency is a fence that exists: never a placeholder for a timeline
 * point that has not materialized, nor for a syncobj with a NULL payload. The kernel guarantees it by
 * resolving in-syncobjs with drm_syncobj_find_fence(flags = 0), which fails with -EINVAL before
 * drm_sched_job_arm (R88, I25); a design that hands wait-before-signal to the scheduler breaks it.
 * A placeholder is recognised by its ops 'proxy' while unsignaled (models/dma-buf/dma-fence-proxy.ts),
 * or by a 'future' tag (a kind that models a future point as a state).
 */
import { defineProperty } from './property.ts';
import { idsOf, ctx, stateOf, has } from '../models/world.ts';
import type { DrmSchedJobContext } from '../models/drm-sched/drm-sched-job.ts';
import type { DmaFenceContext } from '../models/dma-buf/dma-fence.ts';
import type { World } from '../models/world.ts';

function future(w: World, f: string): boolean {
  const s = w.o[f];
  return !!s && (s.hasTag('future') || ((s.context as DmaFenceContext).ops === 'proxy' && !s.hasTag('signaled')));
}

export default defineProperty({
  name: 'no-future-edges',
  kind: 'step',
  rules: ['I8', 'I25', 'R30', 'R78', 'R88', 'H2'],
  needs: ['drm_sched_job+drm_syncobj', 'drm_sched_job+dma_fence_proxy'],
  witness: {
    what: 'a job not armed yet while a fence for a future point exists',
    state: (w) =>
      idsOf(w, 'drm_sched_job').some((j) => stateOf(w, j) === 'init') && Object.keys(w.o).some((f) => future(w, f)),
  },
  statement: 'A job is never armed, nor given a dependency after arm, on a fence for a point that does not exist yet.',
  step: (before, a, after) => {
    for (const job of idsOf(after, 'drm_sched_job')) {
      if (stateOf(after, job) === 'init') continue;
      const wasArmed = has(before, job) && stateOf(before, job) !== 'init';
      const old = wasArmed ? ctx<DrmSchedJobContext>(before, job).deps : [];
      for (const d of ctx<DrmSchedJobContext>(after, job).deps) {
        if (old.includes(d) || !future(after, d)) continue;
        const c = ctx<{ syncobj?: string; point?: number }>(after, d);
        const what = c.syncobj
          ? `${c.syncobj}@${c.point}, which has not materialized`
          : 'a fence that does not exist yet';
        return (
          `${job} was ${wasArmed ? 'given a dependency after arm' : 'armed'} at ${a.label} on ${d}, a ` +
          `placeholder for ${what} (I8, R88)`
        );
      }
    }
    return null;
  },
});
