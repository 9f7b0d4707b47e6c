/**
 * sync_file kernel calls and ioctls (drivers/dma-buf/sync_file.c), one atomic operation each, with the
 * kernel's order of checks. Objects are named by the caller (the uapi device names them by fd).
 *
 * - R64 sync_file_create publishes the fence (R26: it is now reachable by another process);
 *       sync_file_get_fence is null for an object that is not a sync_file.
 * - R65 sync_file_poll: the first poll sets POLL_ENABLED and adds a callback; EPOLLIN iff signaled.
 * - R66 SYNC_IOC_MERGE: flags/pad -> -EINVAL; fd2 not a sync_file -> -ENOENT; else a new sync_file
 *       holding dma_fence_unwrap_merge(a, b) (R51).
 * - R67 SYNC_IOC_FILE_INFO: flags/pad -> -EINVAL; num_fences 0 -> the leaf count and
 *       dma_fence_get_status(fence); num_fences below the count -> -EINVAL; else per-leaf status, and
 *       the aggregate status is 1 only if every leaf is 1, else the first leaf status <= 0.
 */
import type { World } from '../world.ts';
import { ctx, kindOf, spawn, stateOf, tell } from '../world.ts';
import { EINVAL, ENOENT } from './dma-fence.ts';
import { syncFileMachine, type SyncFileContext } from './sync-file.ts';
import { dma_fence_unwrap, dma_fence_unwrap_merge } from './dma-fence-unwrap.ts';
import {
  dma_fence_add_callback,
  dma_fence_get_status,
  dma_fence_is_signaled,
  dma_fence_publish,
  type KRet,
} from './dma-fence-api.ts';

export const POLLIN = 0x1;
export const POLLOUT = 0x4;

/** R64 sync_file_create(fence) as object `id`; the fence is published through it. */
export function sync_file_create(w: World, id: string, fence: string): World {
  w = spawn(w, id, syncFileMachine(), { fence });
  return dma_fence_publish(w, fence, 'sync_file');
}

/** R64 sync_file_get_fence: the fence, or null if `id` is not an open sync_file. */
export function sync_file_get_fence(w: World, id: string): string | null {
  if (kindOf(w, id) !== 'sync_file' || stateOf(w, id) !== 'open') return null;
  return ctx<SyncFileContext>(w, id).fence;
}

/** R66 SYNC_IOC_MERGE on sync_file `a` with `b`; the new file (and a new merged fence) get ids `name`, `name.fence`. */
export function sync_file_ioctl_merge(
  w: World,
  a: string,
  b: string,
  name: string,
  flags = 0,
  pad = 0,
): KRet & { file: string | null } {
  if (flags || pad) return { w, ret: EINVAL, file: null };
  const fb = sync_file_get_fence(w, b);
  if (fb === null) return { w, ret: ENOENT, file: null };
  const fa = sync_file_get_fence(w, a)!;
  const m = dma_fence_unwrap_merge(w, [fa, fb], `${name}.fence`);
  return { w: sync_file_create(m.w, name, m.fence), ret: 0, file: name };
}

export interface SyncFenceInfo {
  /** Leaf fence object id (the kernel reports driver and timeline names). */
  fence: string;
  status: number;
}

export interface SyncFileInfo {
  numFences: number;
  status: number;
  fences: SyncFenceInfo[];
}

/** R67 SYNC_IOC_FILE_INFO with the caller's num_fences (0 = count only). */
export function sync_file_ioctl_fence_info(
  w: World,
  file: string,
  numFences = 0,
  flags = 0,
  pad = 0,
): KRet & { info: SyncFileInfo | null } {
  if (flags || pad) return { w, ret: EINVAL, info: null };
  const fence = ctx<SyncFileContext>(w, file).fence;
  const leaves = dma_fence_unwrap(w, fence);
  if (numFences === 0) {
    const s = dma_fence_get_status(w, fence);
    return { w: s.w, ret: 0, info: { numFences: leaves.length, status: s.ret, fences: [] } };
  }
  if (numFences < leaves.length) return { w, ret: EINVAL, info: null };
  let status = 1;
  const fences: SyncFenceInfo[] = [];
  for (const leaf of leaves) {
    const s = dma_fence_get_status(w, leaf);
    w = s.w;
    fences.push({ fence: leaf, status: s.ret });
    status = status <= 0 ? status : s.ret;
  }
  return { w, ret: 0, info: { numFences: leaves.length, status, fences } };
}

/** R65 sync_file_poll: first call enables the poll callback; EPOLLIN iff the fence is signaled. */
export function sync_file_poll(w: World, file: string): { w: World; revents: number } {
  const c = ctx<SyncFileContext>(w, file);
  if (!c.pollEnabled) {
    w = tell(w, file, { type: 'SYNC_FILE_POLL_ENABLE' });
    w = dma_fence_add_callback(w, c.fence, { to: file, ev: { type: 'SYNC_FILE_FENCE_CB' } }).w;
  }
  const r = dma_fence_is_signaled(w, c.fence);
  return { w: r.w, revents: r.signaled ? POLLIN : 0 };
}

/** Close of the last fd: the file drops its fence reference. */
export function sync_file_release(w: World, file: string): World {
  return tell(w, file, { type: 'SYNC_FILE_RELEASE' });
}
