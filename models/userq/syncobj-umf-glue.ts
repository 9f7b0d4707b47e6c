/**
 * The syncobj upgrade path (seed 002, Vetter): "some clever kernel tricks so that we can substitute
 * dma_fence for userspace fences within a drm_syncobj. drm_syncobj already has the notion of waiting for a
 * dma_fence to materialize", with "the timeout ... in the compat glue, e.g. when we stall for a dma_fence
 * to materialize from a drm_syncobj".
 *
 * A producer attaches a user memory fence (umf >= value) as a syncobj's payload; for dma_fence consumers
 * the compat glue materializes it as a dma_fence that signals when the UMF is written (a futex wait,
 * R120) or when the glue's timeout expires, with -ETIME. Seed 002's proposal lets the kernel punish the
 * process "obliged to signal" it: the glue then kills the producer's context. A timeout cannot tell a
 * producer that will never write from one that is merely slow (seed 002: "you fundamentally can't tell
 * 'has deadlocked' from 'is still doing useful computations'").
 */
import type { World } from '../world.ts';
import { must, spawn, tell, ctx } from '../world.ts';
import { ETIME } from '../dma-buf/dma-fence.ts';
import { drm_syncobj_replace_fence } from '../drm-syncobj/drm-syncobj-api.ts';
import { dmaFenceUmfMachine, type DmaFenceUmfContext } from './dma-fence-umf.ts';

/** Attach `umf` >= `value` as `syncobj`'s payload, materialized by the glue as the dma_fence `glue`. */
export function drm_syncobj_attach_umf(
  w: World,
  syncobj: string,
  glue: string,
  umf: string,
  value: number,
  obliged: string,
): World {
  w = spawn(w, glue, dmaFenceUmfMachine, { self: glue, umf, value, context: 950, seqno: 1, timeoutKills: obliged });
  return drm_syncobj_replace_fence(w, syncobj, glue);
}

/** The glue's timeout: the glue fence gets -ETIME and signals; the context obliged to signal is killed. */
export function drm_syncobj_umf_timedout(w: World, glue: string): World {
  const c = ctx<DmaFenceUmfContext>(w, glue);
  w = tell(w, c.umf, { type: 'UMF_FUTEX_CANCEL', to: glue });
  w = must(w, glue, { type: 'DMA_FENCE_SET_ERROR', error: ETIME });
  w = must(w, glue, { type: 'DMA_FENCE_SIGNAL' });
  return c.timeoutKills ? tell(w, c.timeoutKills, { type: 'GPU_CTX_KILL', by: glue, error: ETIME }) : w;
}
