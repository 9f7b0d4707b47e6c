/**
 * vgem's fence uAPI (drivers/gpu/drm/vgem/vgem_fence.c, include/uapi/drm/vgem_drm.h) over a Device: a
 * driver fence that userspace attaches to a BO's reservation object with a usage and signals itself,
 * the way IGT's vgem_basic and prime tests fake a busy device.
 *
 * DRM_IOCTL_VGEM_FENCE_ATTACH{handle, flags, pad} -> {result, fence}, in the kernel's order:
 * - flags other than VGEM_FENCE_WRITE, or pad != 0: -EINVAL; an unknown handle: -ENOENT;
 * - a fresh fence on its own context (R2, seqno 1), armed with a 10 s timer (VGEM_FENCE_TIMEOUT) that
 *   signals it if userspace does not, "to prevent driver hangs" (so the 'user' signaller is bounded);
 * - the conflict rule: -EBUSY unless dma_resv_test_signaled(resv, dma_resv_usage_rw(write)) (R54, R59):
 *   a write conflicts with any unsignaled fence up to READ, a read with any up to WRITE. The fence made
 *   for a refused attach is signaled and dropped;
 * - otherwise, under the resv lock, one slot reserved (R55) and the fence added with usage WRITE for
 *   VGEM_FENCE_WRITE, else READ (R56, R62: implicit-sync readers and writers), then an id from 1.
 * DRM_IOCTL_VGEM_FENCE_SIGNAL{fence, flags}: flags != 0: -EINVAL; an id never handed out or already
 * consumed: -ENOENT; a fence the timer already signaled: -ETIMEDOUT (and the id is consumed); else 0.
 * Closing the file signals every fence still held (vgem_fence_close).
 */
import type { Device } from './device.ts';
import { newName, update, at, EINVAL, ENOENT } from './device.ts';
import { dmabufExport } from './dma-buf.ts';
import { has, spawn } from '../world.ts';
import { dmaFenceMachine, isSignaled } from '../dma-buf/dma-fence.ts';
import { dma_fence_context_alloc, dma_fence_signal } from '../dma-buf/dma-fence-api.ts';
import {
  dmaResvMachine,
  dma_resv_usage_rw,
  dma_resv_test_signaled,
  dma_resv_lock,
  dma_resv_reserve_fences,
  dma_resv_add_fence,
  dma_resv_unlock,
} from '../dma-buf/dma-resv.ts';

export const VGEM_FENCE_WRITE = 0x1;
/** VGEM_FENCE_TIMEOUT = 10 * HZ, on the device clock (virtual ms). */
export const VGEM_FENCE_TIMEOUT_MS = 10_000;
export const EBUSY = -16;
export const ETIMEDOUT = -110;

/** An open vgem device file: its GEM handles and its fence idr. */
export interface VgemFile {
  dev: Device;
  /** handle -> BO name (its resv is `<bo>.resv`). */
  bos: Map<number, string>;
  /** fence idr (from 1): id -> fence, null once consumed by FENCE_SIGNAL (idr_replace with NULL). */
  fences: Map<number, string | null>;
}

export function vgemOpen(dev: Device): VgemFile {
  return { dev, bos: new Map(), fences: new Map() };
}

/** DRM_IOCTL_VGEM_CREATE (dumb create): a handle for a new BO with its own reservation object. */
export function vgemCreate(vf: VgemFile): number {
  const bo = newName(vf.dev, 'vgem_bo');
  if (!has(vf.dev.w, `${bo}.resv`)) update(vf.dev, spawn(vf.dev.w, `${bo}.resv`, dmaResvMachine, {}));
  const handle = vf.bos.size + 1;
  vf.bos.set(handle, bo);
  return handle;
}

/** DRM_IOCTL_PRIME_HANDLE_TO_FD: a dma-buf fd sharing the BO's resv. */
export function vgemPrimeHandleToFd(vf: VgemFile, handle: number): number {
  const bo = vf.bos.get(handle);
  if (!bo) return ENOENT;
  return dmabufExport(vf.dev, bo);
}

/** DRM_IOCTL_VGEM_FENCE_ATTACH: {result, fence id}. */
export function vgemFenceAttach(vf: VgemFile, handle: number, flags = 0, pad = 0): { result: number; fence: number } {
  const fail = (result: number) => ({ result, fence: 0 });
  if (flags & ~VGEM_FENCE_WRITE) return fail(EINVAL);
  if (pad) return fail(EINVAL);
  const bo = vf.bos.get(handle);
  if (!bo) return fail(ENOENT);
  const dev = vf.dev;
  const resv = `${bo}.resv`;
  const write = (flags & VGEM_FENCE_WRITE) !== 0;
  // vgem_fence_create: own context, seqno 1; only userspace (or the timer) signals it.
  const a = dma_fence_context_alloc(dev.w, 1);
  const fence = newName(dev, 'vgem_fence');
  let w = spawn(a.w, fence, dmaFenceMachine, {
    context: a.context,
    seqno: 1,
    ops: 'vgem',
    signaller: 'user',
    owner: bo,
  });
  if (!dma_resv_test_signaled(w, resv, dma_resv_usage_rw(write))) {
    update(dev, dma_fence_signal(w, fence).w); // err_fence: dma_fence_signal + put
    return fail(EBUSY);
  }
  w = dma_resv_lock(w, resv, 'vgem_fence_attach');
  w = dma_resv_reserve_fences(w, resv, 1).w;
  w = dma_resv_add_fence(w, resv, fence, write ? 'WRITE' : 'READ').w;
  w = dma_resv_unlock(w, resv);
  update(dev, w);
  at(dev, dev.now + VGEM_FENCE_TIMEOUT_MS, (d) => {
    if (!isSignaled(d.w, fence)) update(d, dma_fence_signal(d.w, fence).w); // vgem_fence_timeout
  });
  const id = vf.fences.size + 1;
  vf.fences.set(id, fence);
  return { result: 0, fence: id };
}

/** DRM_IOCTL_VGEM_FENCE_SIGNAL: 0, -EINVAL, -ENOENT, or -ETIMEDOUT for a fence the timer signaled. */
export function vgemFenceSignal(vf: VgemFile, id: number, flags = 0): number {
  if (flags) return EINVAL;
  const fence = vf.fences.get(id);
  if (!fence) return ENOENT;
  vf.fences.set(id, null);
  const expired = isSignaled(vf.dev.w, fence);
  if (!expired) update(vf.dev, dma_fence_signal(vf.dev.w, fence).w);
  return expired ? ETIMEDOUT : 0;
}

/** vgem_fence_close: every fence still in the idr is signaled. */
export function vgemClose(vf: VgemFile): void {
  for (const [id, f] of vf.fences) {
    if (f && !isSignaled(vf.dev.w, f)) update(vf.dev, dma_fence_signal(vf.dev.w, f).w);
    vf.fences.set(id, null);
  }
}

/** The fence object behind a vgem fence id (for assertions), or null once consumed. */
export function vgemFenceObject(vf: VgemFile, id: number): string | null {
  return vf.fences.get(id) ?? null;
}
