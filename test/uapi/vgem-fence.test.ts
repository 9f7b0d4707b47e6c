/**
 * vgem's DRM_IOCTL_VGEM_FENCE_ATTACH / _SIGNAL (drivers/gpu/drm/vgem/vgem_fence.c): a driver fence on a
 * dma-buf's reservation object with a usage (WRITE for VGEM_FENCE_WRITE, else READ: R56, R62), refused
 * with -EBUSY when dma_resv_test_signaled(resv, dma_resv_usage_rw(write)) is false (R54, R59).
 * Mirrors IGT tests/vgem_basic.c: bad-flag, bad-pad, bad-handle, bad-fence, busy-fence, dmabuf-fence,
 * dmabuf-fence-before (prime_busy = poll(dmabuf, excl ? POLLOUT : POLLIN, 0) == 0, R129).
 */
import { describe, expect, test } from 'vitest';
import { ctx } from '../../models/world.ts';
import type { DmaResvContext } from '../../models/dma-buf/dma-resv.ts';
import {
  openDevice,
  advance,
  vgemOpen,
  vgemCreate,
  vgemPrimeHandleToFd,
  vgemFenceAttach,
  vgemFenceSignal,
  vgemFenceObject,
  vgemClose,
  dmabufPoll,
  dmabufExportSyncFile,
  fenceWait,
  POLLIN,
  POLLOUT,
  DMA_BUF_SYNC_READ,
  VGEM_FENCE_WRITE,
  VGEM_FENCE_TIMEOUT_MS,
  EBUSY,
  ETIMEDOUT,
  EINVAL,
  ENOENT,
  ETIME,
  type Device,
} from '../../models/uapi/index.ts';

/** prime_busy(dmabuf, excl): poll for POLLOUT (excl) or POLLIN with timeout 0 finds nothing ready. */
const busy = (dev: Device, fd: number, excl: boolean) => dmabufPoll(dev, fd, excl ? POLLOUT : POLLIN) === 0;

describe('IGT vgem_basic: argument checks', () => {
  test('bad-flag, bad-pad, bad-handle, bad-fence', () => {
    const vf = vgemOpen(openDevice());
    const bo = vgemCreate(vf);
    expect(vgemFenceAttach(vf, bo, 0xff).result).toBe(EINVAL);
    expect(vgemFenceSignal(vf, 1, 0xff)).toBe(EINVAL);
    expect(vgemFenceAttach(vf, bo, 0, 1).result).toBe(EINVAL);
    expect(vgemFenceAttach(vf, 0xff).result).toBe(ENOENT);
    expect(vgemFenceSignal(vf, 0xff)).toBe(ENOENT);
  });
});

describe('IGT vgem_basic: the usage and the -EBUSY conflict rule', () => {
  test('busy-fence: a write fence over an unsignaled read fence is -EBUSY', () => {
    const vf = vgemOpen(openDevice());
    const bo = vgemCreate(vf);
    expect(vgemFenceAttach(vf, bo, 0).result).toBe(0);
    expect(vgemFenceAttach(vf, bo, VGEM_FENCE_WRITE).result).toBe(EBUSY);
  });

  test('readers share; a reader conflicts only with a writer; nothing conflicts once signaled', () => {
    const dev = openDevice();
    const vf = vgemOpen(dev);
    const bo = vgemCreate(vf);
    const r1 = vgemFenceAttach(vf, bo, 0);
    const r2 = vgemFenceAttach(vf, bo, 0);
    expect([r1.result, r2.result, r1.fence, r2.fence]).toEqual([0, 0, 1, 2]); // idr from 1
    const resv = ctx<DmaResvContext>(dev.w, 'vgem_bo0.resv');
    expect(resv.fences.map((e) => e.usage)).toEqual(['READ', 'READ']);
    expect(vgemFenceSignal(vf, r1.fence)).toBe(0);
    expect(vgemFenceAttach(vf, bo, VGEM_FENCE_WRITE).result).toBe(EBUSY); // r2 still reads
    expect(vgemFenceSignal(vf, r2.fence)).toBe(0);
    const w = vgemFenceAttach(vf, bo, VGEM_FENCE_WRITE);
    expect(w.result).toBe(0);
    expect(vgemFenceAttach(vf, bo, 0).result).toBe(EBUSY); // a reader waits for the writer
    expect(ctx<DmaResvContext>(dev.w, 'vgem_bo0.resv').fences.some((e) => e.usage === 'WRITE')).toBe(true);
  });

  test('a refused attach leaves no fence behind: the one it made is signaled, the resv unchanged', () => {
    const dev = openDevice();
    const vf = vgemOpen(dev);
    const bo = vgemCreate(vf);
    vgemFenceAttach(vf, bo, VGEM_FENCE_WRITE);
    const before = ctx<DmaResvContext>(dev.w, 'vgem_bo0.resv').fences;
    expect(vgemFenceAttach(vf, bo, 0).result).toBe(EBUSY);
    expect(ctx<DmaResvContext>(dev.w, 'vgem_bo0.resv').fences).toEqual(before);
    expect(vf.fences.size).toBe(1);
  });
});

describe('IGT vgem_basic: implicit sync seen through the dma-buf (R129, R126)', () => {
  test('dmabuf-fence: export, then fence', () => {
    const dev = openDevice();
    const vf = vgemOpen(dev);
    const bo = vgemCreate(vf);
    const dmabuf = vgemPrimeHandleToFd(vf, bo);
    let f = vgemFenceAttach(vf, bo, 0).fence;
    expect([busy(dev, dmabuf, false), busy(dev, dmabuf, true)]).toEqual([false, true]);
    vgemFenceSignal(vf, f);
    expect([busy(dev, dmabuf, false), busy(dev, dmabuf, true)]).toEqual([false, false]);
    f = vgemFenceAttach(vf, bo, VGEM_FENCE_WRITE).fence;
    expect([busy(dev, dmabuf, false), busy(dev, dmabuf, true)]).toEqual([true, true]);
    // A reader's EXPORT_SYNC_FILE (usage WRITE, R126) captures the vgem write fence.
    const sf = dmabufExportSyncFile(dev, dmabuf, DMA_BUF_SYNC_READ).fd;
    expect(fenceWait(dev, sf, 0)).toBe(ETIME);
    vgemFenceSignal(vf, f);
    expect([busy(dev, dmabuf, false), busy(dev, dmabuf, true)]).toEqual([false, false]);
    expect(fenceWait(dev, sf, 0)).toBe(0);
  });

  test('dmabuf-fence-before: fence, then export; the dma-buf sees the fence attached before it', () => {
    const dev = openDevice();
    const vf = vgemOpen(dev);
    const bo = vgemCreate(vf);
    const f = vgemFenceAttach(vf, bo, VGEM_FENCE_WRITE).fence;
    const dmabuf = vgemPrimeHandleToFd(vf, bo);
    expect([busy(dev, dmabuf, false), busy(dev, dmabuf, true)]).toEqual([true, true]);
    vgemFenceSignal(vf, f);
    expect([busy(dev, dmabuf, false), busy(dev, dmabuf, true)]).toEqual([false, false]);
  });
});

describe('vgem fence lifetime', () => {
  test('VGEM_FENCE_TIMEOUT: an unsignaled fence expires after 10 s; FENCE_SIGNAL then says -ETIMEDOUT', () => {
    const dev = openDevice();
    const vf = vgemOpen(dev);
    const bo = vgemCreate(vf);
    const dmabuf = vgemPrimeHandleToFd(vf, bo);
    const f = vgemFenceAttach(vf, bo, VGEM_FENCE_WRITE).fence;
    advance(dev, VGEM_FENCE_TIMEOUT_MS - 1);
    expect(busy(dev, dmabuf, true)).toBe(true);
    advance(dev, 1);
    expect(busy(dev, dmabuf, true)).toBe(false);
    expect(vgemFenceSignal(vf, f)).toBe(ETIMEDOUT);
    expect(vgemFenceSignal(vf, f)).toBe(ENOENT); // consumed
  });

  test('closing the file signals every fence it still holds', () => {
    const dev = openDevice();
    const vf = vgemOpen(dev);
    const bo = vgemCreate(vf);
    const dmabuf = vgemPrimeHandleToFd(vf, bo);
    const f = vgemFenceAttach(vf, bo, 0).fence;
    expect(vgemFenceObject(vf, f)).toBe('vgem_fence0');
    vgemClose(vf);
    expect(busy(dev, dmabuf, true)).toBe(false);
    expect(vgemFenceObject(vf, f)).toBe(null);
  });
});
