/**
 * chain-prefix-closed — I15 (R45, R47): a timeline signals in prefix order. For chain nodes, a signaled
 * node has a signaled contained fence and a signaled prev; for the points of a timeline syncobj,
 * signalled(p) implies signalled(q) for every materialized q <= p, where signalled(p) means the fence
 * drm_syncobj_find_fence resolves p to (R47, a GC'd point being the signaled stub) has signaled.
 */
import { defineProperty } from './property.ts';
import { idsOf, ctx, hasTag } from '../models/world.ts';
import type { DmaFenceChainContext } from '../models/dma-buf/dma-fence-chain.ts';
import type { DrmSyncobjContext } from '../models/drm-syncobj/drm-syncobj.ts';
import { drm_syncobj_point_fence } from '../models/drm-syncobj/drm-syncobj-api.ts';

export default defineProperty({
  name: 'chain-prefix-closed',
  kind: 'state',
  rules: ['I15', 'R45', 'R47'],
  needs: ['dma_fence_chain', 'drm_syncobj'],
  witness: {
    what: 'a timeline point above another (a chain node with a prev link)',
    state: (w) => idsOf(w, 'dma_fence_chain').some((id) => !!ctx<DmaFenceChainContext>(w, id).prev),
  },
  statement:
    'A signaled chain node has a signaled fence and prev; a signaled timeline point implies every lower materialized ' +
    'point signaled.',
  state: (w) => {
    for (const id of idsOf(w, 'dma_fence_chain')) {
      if (!hasTag(w, id, 'signaled')) continue;
      const c = ctx<DmaFenceChainContext>(w, id);
      for (const l of [c.fence, c.prev])
        if (l && !hasTag(w, l, 'signaled')) return `${id} (point ${c.seqno}) signaled before its link ${l} (R45)`;
    }
    for (const s of idsOf(w, 'drm_syncobj')) {
      const head = ctx<DrmSyncobjContext>(w, s).fence;
      if (!head || w.o[head].machine.id !== 'dma_fence_chain') continue;
      const top = (w.o[head].context as DmaFenceChainContext).seqno;
      let lowestUnsignaled = 0;
      for (let p = 1; p <= top; p++) {
        const f = drm_syncobj_point_fence(w, s, p);
        if (f === null) continue;
        const sig = f === 'dma_fence_stub' || hasTag(w, f, 'signaled');
        if (!sig && !lowestUnsignaled) lowestUnsignaled = p;
        if (sig && lowestUnsignaled) return `${s}@${p} signaled while ${s}@${lowestUnsignaled} has not (I15)`;
      }
    }
    return null;
  },
});
