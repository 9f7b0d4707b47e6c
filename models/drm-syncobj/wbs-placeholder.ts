/**
 * The naive wait-before-signal submit path (H2, rejected upstream): where find_fence finds no fence for a
 * timeline point yet, a driver that does not return -EINVAL (R88) stands a placeholder (dma_fence_proxy,
 * signaller userspace) in for the future point, and binds it to the fence find_fence resolves the point
 * to once it materializes (R47, R81). Shared by timeline-wbs-direct and timeline-wbs-eviction.
 */
import type { World } from '../world.ts';
import { ctx, idsOf, must, send, spawn } from '../world.ts';
import { dma_fence_context_alloc } from '../dma-buf/dma-fence-api.ts';
import { dmaFenceProxyMachine, type DmaFenceProxyContext } from '../dma-buf/dma-fence-proxy.ts';
import type { DmaFenceContext } from '../dma-buf/dma-fence.ts';
import { drm_syncobj_find_fence, freshId } from './drm-syncobj-api.ts';

/** The dependency for `syncobj`@`point`: the fence find_fence gives, or (H2, R88 relaxed) a new placeholder. */
export function wbsDependency(w: World, syncobj: string, point: number): { w: World; dep: string } {
  const r = drm_syncobj_find_fence(w, syncobj, point, 0);
  if (r.ret === 0 && r.fence) return { w: r.w, dep: r.fence };
  // seeded bug: R88 says -EINVAL here; instead stand in a placeholder for the future point.
  const dep = freshId(w, `${syncobj}@${point}.future`);
  const a = dma_fence_context_alloc(w, 1);
  return { w: spawn(a.w, dep, dmaFenceProxyMachine, { context: a.context, syncobj, point }), dep };
}

/** Bind every unbound placeholder whose point has materialized to the fence find_fence gives it. */
export function bindPlaceholders(w: World): World {
  for (const p of idsOf(w, 'dma_fence_proxy')) {
    const c = ctx<DmaFenceProxyContext>(w, p);
    if (c.target !== '' || w.o[p].hasTag('signaled')) continue;
    const r = drm_syncobj_find_fence(w, c.syncobj, c.point, 0);
    if (r.ret || !r.fence) continue;
    w = must(r.w, p, { type: 'DMA_FENCE_PROXY_BIND', fence: r.fence });
    const cb = send(w, r.fence, { type: 'DMA_FENCE_ADD_CALLBACK', cb: { to: p, ev: { type: 'DMA_FENCE_PROXY_CB' } } });
    w = cb ?? must(w, p, { type: 'DMA_FENCE_PROXY_CB', fenceError: ctx<DmaFenceContext>(w, r.fence).error });
  }
  return w;
}
