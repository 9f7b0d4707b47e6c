/**
 * sw_sync kernel operations (drivers/dma-buf/sw_sync.c): create a timeline, create a pt (fence) at a
 * value, increment, release. See models/dma-buf/sw-sync.ts for the contract.
 */
import type { World } from '../world.ts';
import { ctx, has, must, spawn, stateOf } from '../world.ts';
import { dmaFenceMachine } from './dma-fence.ts';
import { swSyncTimelineMachine, swSyncPtSignaled, type SwSyncTimelineContext } from './sw-sync.ts';
import { dma_fence_context_alloc } from './dma-fence-api.ts';

/** sync_timeline_create: a fresh context (R2), value 0. */
export function sw_sync_timeline_create(w: World, id: string): World {
  const a = dma_fence_context_alloc(w, 1);
  return spawn(a.w, id, swSyncTimelineMachine, { context: a.context });
}

/**
 * sync_pt_create(tl, seqno): a 'user'-signalled fence on the timeline's context; born signaled if
 * seqno <= value; a pending pt with the same seqno is returned instead of a new one. Null if closed.
 */
export function sw_sync_pt_create(w: World, tl: string, value: number): { w: World; fence: string | null } {
  if (stateOf(w, tl) !== 'open') return { w, fence: null };
  const seqno = value >>> 0; // sw_sync_create_fence_data.value is a __u32
  const c = ctx<SwSyncTimelineContext>(w, tl);
  const same = c.pts.find((p) => p.seqno === seqno);
  if (same) return { w, fence: same.fence };
  const id = `${tl}.pt${c.created}`;
  if (has(w, id)) throw new Error(`sw_sync: ${id} exists`);
  w = spawn(w, id, dmaFenceMachine, {
    context: c.context,
    seqno,
    ops: 'sw_sync',
    signaller: 'user',
    owner: tl,
    signaled: swSyncPtSignaled(seqno, c.value),
  });
  return { w: must(w, tl, { type: 'SW_SYNC_PT_CREATE', fence: id, seqno }), fence: id };
}

/** SW_SYNC_IOC_INC: value += inc; every pt at or below the value signals, in order. */
export function sw_sync_inc(w: World, tl: string, inc: number): World {
  return must(w, tl, { type: 'SW_SYNC_INC', inc });
}

/** Close of the timeline fd: pending pts signal with -ENOENT. */
export function sw_sync_release(w: World, tl: string): World {
  return must(w, tl, { type: 'SW_SYNC_RELEASE' });
}
