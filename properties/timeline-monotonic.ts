/**
 * timeline-monotonic — I14 (R81-R85, R142-R144, H10): on every timeline syncobj, points are added in
 * strictly increasing order, and DRM_IOCTL_SYNCOBJ_QUERY never goes backwards except across a binary
 * replace or reset. The kernel does not reject an unordered point: drm_syncobj_add_point only logs
 * "You are adding an unorder point to timeline!" (R82), dma_fence_chain_init gives it a new context
 * (R44), after which QUERY may report 0 and find_seqno resolves lower points to the new head (H10).
 * This property flags the logged message, and a QUERY value that decreases.
 */
import { defineProperty } from './property.ts';
import { idsOf, ctx, has } from '../models/world.ts';
import type { DrmSyncobjContext } from '../models/drm-syncobj/drm-syncobj.ts';
import { drm_syncobj_query } from '../models/drm-syncobj/drm-syncobj-api.ts';

export default defineProperty({
  name: 'timeline-monotonic',
  kind: 'step',
  rules: ['I14', 'R44', 'R82', 'R85', 'R142', 'R143', 'H10'],
  needs: ['drm_syncobj'],
  witness: {
    what: 'a point added to a timeline that already had one',
    step: (before, _a, after) =>
      idsOf(after, 'drm_syncobj').some((s) => {
        if (!has(before, s)) return false;
        const b = ctx<DrmSyncobjContext>(before, s).fence;
        return !!b && b !== ctx<DrmSyncobjContext>(after, s).fence;
      }),
  },
  statement:
    'Timeline points are added in strictly increasing order, and QUERY never decreases absent a binary replace or ' +
    'reset.',
  step: (before, a, after) => {
    for (const s of idsOf(after, 'drm_syncobj')) {
      if (!has(before, s)) continue;
      const b = ctx<DrmSyncobjContext>(before, s);
      const n = ctx<DrmSyncobjContext>(after, s);
      if (n.refcount === 0) continue;
      if (n.unordered > b.unordered) {
        return (
          `${s}: point ${n.lastPoint} added at ${a.label} is not above the timeline's last point ` +
          `${b.fence ? (before.o[b.fence].context as { seqno: number }).seqno : 0} (R82 only logs "You are adding ` +
          `an unorder point")`
        );
      }
      if (n.replaced !== b.replaced) continue;
      const q0 = drm_syncobj_query(before, s, false, false).point;
      const q1 = drm_syncobj_query(after, s, false, false).point;
      if (q1 < q0) return `${s}: QUERY went back from ${q0} to ${q1} at ${a.label} (R85)`;
    }
    return null;
  },
});
