/**
 * dma-buf implicit-sync uAPI (drivers/dma-buf/dma-buf.c, include/uapi/linux/dma-buf.h), with the
 * kernel's order of checks. A dma-buf is named here by its reservation object (`<bo>.resv`).
 *
 * - R126 DMA_BUF_IOCTL_EXPORT_SYNC_FILE{flags}: flags outside RW, or no RW bit -> -EINVAL; usage =
 *        dma_resv_usage_rw(flags & WRITE); a new sync_file holding get_singleton(usage) (R58), or the
 *        global stub if nothing is pending. A snapshot: later resv changes do not reach it (I17).
 * - R127 DMA_BUF_IOCTL_IMPORT_SYNC_FILE{flags, fd}: same flag checks; fd not a sync_file -> -EINVAL;
 *        usage = WRITE if the WRITE bit is set, else READ; the fence is unwrapped (R50) and every
 *        leaf added with that usage under the lock, after reserving one slot per leaf (R55, R56).
 *        This is how explicit (BOOKKEEP) work is promoted to implicit sync.
 * - R128 export -> submit -> import is not atomic: these are separate operations (separate steps).
 * - R129 poll: EPOLLIN once the writers are done (usage WRITE), EPOLLOUT once everyone is (usage READ).
 */
import type { World } from '../world.ts';
import { EINVAL } from './dma-fence.ts';
import {
  dma_resv_usage_rw,
  dma_resv_get_singleton,
  dma_resv_lock,
  dma_resv_unlock,
  dma_resv_reserve_fences,
  dma_resv_add_fence,
  dma_resv_wait_poll,
  type DmaResvUsage,
} from './dma-resv.ts';
import { dma_fence_unwrap } from './dma-fence-unwrap.ts';
import { DMA_FENCE_STUB, dma_fence_get_stub, type KRet } from './dma-fence-api.ts';
import { sync_file_create, sync_file_get_fence, POLLIN, POLLOUT } from './sync-file-api.ts';

export const DMA_BUF_SYNC_READ = 1 << 0;
export const DMA_BUF_SYNC_WRITE = 2 << 0;
export const DMA_BUF_SYNC_RW = DMA_BUF_SYNC_READ | DMA_BUF_SYNC_WRITE;

const badFlags = (flags: number) => (flags & ~DMA_BUF_SYNC_RW) !== 0 || (flags & DMA_BUF_SYNC_RW) === 0;

/** R126: the new sync_file gets id `name` (an array snapshot, if one is built, `name.fence`). */
export function dma_buf_export_sync_file(
  w: World,
  resv: string,
  flags: number,
  name: string,
): KRet & { file: string | null; fence: string | null } {
  if (badFlags(flags)) return { w, ret: EINVAL, file: null, fence: null };
  const usage = dma_resv_usage_rw((flags & DMA_BUF_SYNC_WRITE) !== 0);
  const s = dma_resv_get_singleton(w, resv, usage, `${name}.fence`);
  w = s.w;
  let fence = s.fence;
  if (fence === null) {
    w = dma_fence_get_stub(w);
    fence = DMA_FENCE_STUB;
  }
  return { w: sync_file_create(w, name, fence), ret: 0, file: name, fence };
}

/** R127: add every leaf of the sync_file's fence to the resv as WRITE or READ. */
export function dma_buf_import_sync_file(
  w: World,
  resv: string,
  flags: number,
  file: string,
  owner = 'dma_buf_ioctl',
): KRet & { usage: DmaResvUsage | null } {
  if (badFlags(flags)) return { w, ret: EINVAL, usage: null };
  const fence = sync_file_get_fence(w, file);
  if (fence === null) return { w, ret: EINVAL, usage: null };
  const usage: DmaResvUsage = flags & DMA_BUF_SYNC_WRITE ? 'WRITE' : 'READ';
  const leaves = dma_fence_unwrap(w, fence);
  if (leaves.length === 0) return { w, ret: 0, usage };
  w = dma_resv_lock(w, resv, owner);
  const r = dma_resv_reserve_fences(w, resv, leaves.length);
  w = r.w;
  if (r.ret === 0) for (const leaf of leaves) w = dma_resv_add_fence(w, resv, leaf, usage).w;
  return { w: dma_resv_unlock(w, resv), ret: r.ret, usage };
}

/** R129 dma_buf_poll: which of the requested events are ready (no callback state is modelled). */
export function dma_buf_poll(w: World, resv: string, events: number): { w: World; revents: number } {
  let revents = 0;
  if (events & POLLOUT) {
    const r = dma_resv_wait_poll(w, resv, 'READ');
    w = r.w;
    if (r.ret) revents |= POLLOUT;
  }
  if (events & POLLIN) {
    const r = dma_resv_wait_poll(w, resv, 'WRITE');
    w = r.w;
    if (r.ret) revents |= POLLIN;
  }
  return { w, revents };
}
