/**
 * one-shot — I1 (R4, R5, R6): a dma_fence goes from unsignaled to signaled at most once and never
 * back; once signaled its error never changes. A re-initialised fence object (H15: resubmit_jobs
 * re-running dma_fence_init on a fence waiters already saw signaled) breaks it, and so does removing a
 * signaled fence from the world while anything may still observe it.
 */
import { defineProperty } from './property.ts';
import { isFence } from '../models/view.ts';
import { changedIds, onWorld, type World } from '../models/world.ts';

import type { DmaFenceContext } from '../models/dma-buf/dma-fence.ts';

/** Is some fence signaled at w (judged once per state, not per transition: onWorld). */
const anySignaled = (w: World): boolean => Object.values(w.o).some((s) => isFence(s) && s.hasTag('signaled'));

export default defineProperty({
  name: 'one-shot',
  kind: 'step',
  rules: ['I1', 'R4', 'R5', 'R6', 'H15'],
  statement: 'A signaled dma_fence stays signaled with the same error forever; signaling is one-shot.',
  needs: ['dma_fence'],
  witness: {
    what: 'a step taken while some fence is signaled',
    step: (before) => onWorld(before, anySignaled, anySignaled),
  },
  step: (before, a, after) => {
    // an object the step did not touch keeps its snapshot: only the changed ones can break the rule
    for (const id of changedIds(before, after)) {
      const s = before.o[id];
      const n = after.o[id];
      if (!s || !isFence(s) || !s.hasTag('signaled')) continue;
      if (!n) return `${id} was signaled and vanished at ${a.label}`;
      if (!n.hasTag('signaled'))
        return (
          `${id} (ctx ${(s.context as DmaFenceContext).context}, seqno ${(s.context as DmaFenceContext).seqno}) ` +
          `went from signaled back to unsignaled at ${a.label} (R5)`
        );
      const e0 = (s.context as DmaFenceContext).error,
        e1 = (n.context as DmaFenceContext).error;
      if (e0 !== e1) return `${id} changed its error from ${e0} to ${e1} after signaling, at ${a.label} (R6)`;
    }
    return null;
  },
});
