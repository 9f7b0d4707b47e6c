/**
 * sw_sync's 32-bit timeline counter and its wrap (drivers/dma-buf/sw_sync.c: "a 32bit counter";
 * timeline_fence_signaled = !__dma_fence_is_later(seqno, value), which is R3's signed 32-bit difference
 * for fences without SEQNO64; sw_sync_ioctl_inc adds a u32 in steps of at most INT_MAX). IGT's
 * tests/sw_sync.c has no wrap subtest; these follow the shape of its timeline_closed_signaled and
 * sync_expired_merge (create a pt, SW_SYNC_IOC_INC, sync_fence_wait(fd, 0) and sync_fence_status).
 * The last test mirrors IGT tests/syncobj_timeline.c 32bits-limit: chain points more than 2^31 apart
 * stay ordered, because chains compare 64-bit seqnos (R3 with SEQNO64).
 */
import { describe, expect, test } from 'vitest';
import { ctx } from '../../models/world.ts';
import type { SwSyncTimelineContext } from '../../models/dma-buf/sw-sync.ts';
import { __dma_fence_is_later } from '../../models/dma-buf/dma-fence-api.ts';
import {
  openDevice,
  swSyncTimelineCreate,
  swSyncCreateFence,
  swSyncInc,
  fenceWait,
  syncFileInfo,
  syncFileMerge,
  fdLookup,
  drmOpen,
  syncobjCreate,
  syncobjFdToHandle,
  syncobjQuery,
  syncobjTransfer,
  DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE,
  ETIME,
  type Device,
} from '../../models/uapi/index.ts';

const U32_MAX = 0xffffffff;
const INT_MAX = 0x7fffffff;

const value = (dev: Device, tl: number) => ctx<SwSyncTimelineContext>(dev.w, fdLookup(dev, tl)!.obj).value;
/** sync_fence_wait(fd, 0) == 0: the pt has signaled. */
const signaled = (dev: Device, fd: number) => fenceWait(dev, fd, 0) === 0;

describe('sw_sync: a 32-bit timeline (R3)', () => {
  test('R3: without SEQNO64 the low 32 bits compare as a signed difference; with it, plainly', () => {
    expect(__dma_fence_is_later(5, U32_MAX - 7, false)).toBe(true); // 5 comes after 0xfffffff8
    expect(__dma_fence_is_later(U32_MAX - 7, 5, false)).toBe(false);
    expect(__dma_fence_is_later(5, U32_MAX - 7, true)).toBe(false);
    expect(__dma_fence_is_later(2 ** 31, 0, false)).toBe(false); // half the ring away: "earlier"
  });

  test('the value wraps past 2^32 - 1, and a pt past the wrap signals when the value reaches it', () => {
    const dev = openDevice();
    const tl = swSyncTimelineCreate(dev);
    swSyncInc(dev, tl, U32_MAX - 15); // > INT_MAX: three steps
    expect(value(dev, tl)).toBe(0xfffffff0);
    const before = swSyncCreateFence(dev, tl, U32_MAX - 7).fd; // 0xfffffff8: pending
    const after = swSyncCreateFence(dev, tl, 5).fd; // 5 - 0xfffffff0 = 21 > 0: pending, after the wrap
    const old = swSyncCreateFence(dev, tl, 0xffffffe0).fd; // behind the value: born signaled
    expect([signaled(dev, before), signaled(dev, after), signaled(dev, old)]).toEqual([false, false, true]);
    // The pending list is in 32-bit order: the pt before the wrap first (I4 on the timeline's context).
    const pts = ctx<SwSyncTimelineContext>(dev.w, fdLookup(dev, tl)!.obj).pts.map((p) => p.seqno);
    expect(pts).toEqual([U32_MAX - 7, 5]);
    swSyncInc(dev, tl, 8);
    expect([value(dev, tl), signaled(dev, before), signaled(dev, after)]).toEqual([U32_MAX - 7, true, false]);
    swSyncInc(dev, tl, 12);
    expect(value(dev, tl)).toBe(4); // wrapped
    expect(signaled(dev, after)).toBe(false);
    swSyncInc(dev, tl, 1);
    expect(signaled(dev, after)).toBe(true);
    expect(syncFileInfo(dev, after).info!.status).toBe(1);
  });

  test('SW_SYNC_IOC_INC of more than INT_MAX signals the pts it passes on the way', () => {
    const dev = openDevice();
    const tl = swSyncTimelineCreate(dev);
    const pt = swSyncCreateFence(dev, tl, 10).fd;
    // One jump to 0xffffffff would leave 10 "later" than the value ((10 - 0xffffffff) as s32 = 11);
    // the INT_MAX steps pass it first.
    swSyncInc(dev, tl, U32_MAX);
    expect(value(dev, tl)).toBe(U32_MAX);
    expect(signaled(dev, pt)).toBe(true);
  });

  test('a pt more than 2^31 ahead of the value is "behind" it: born signaled', () => {
    const dev = openDevice();
    const tl = swSyncTimelineCreate(dev);
    expect(signaled(dev, swSyncCreateFence(dev, tl, INT_MAX).fd)).toBe(false); // as far ahead as it gets
    expect(signaled(dev, swSyncCreateFence(dev, tl, 2 ** 31).fd)).toBe(true);
    expect(fenceWait(dev, swSyncCreateFence(dev, tl, 1).fd, 10)).toBe(ETIME);
  });

  // Finding: dma_fence_unwrap_merge's dedup (models/dma-buf/dma-fence-unwrap.ts, R52) keeps the larger
  // seqno with a plain `>`, where the kernel's dma_fence_is_later keeps the later one in 32-bit order,
  // so merging pts across the wrap keeps the earlier pt and the merge signals too early. The model has
  // no SEQNO64 flag per fence to choose the comparison; see the report. Flip to `test` once fixed.
  test.fails('SYNC_IOC_MERGE of two pts across the wrap keeps the later one (R52 with R3)', () => {
    const dev = openDevice();
    const tl = swSyncTimelineCreate(dev);
    swSyncInc(dev, tl, U32_MAX - 15);
    const a = swSyncCreateFence(dev, tl, U32_MAX - 7).fd;
    const b = swSyncCreateFence(dev, tl, 5).fd;
    const m = syncFileMerge(dev, a, b).fd;
    swSyncInc(dev, tl, 8); // a signals, b does not
    expect(signaled(dev, m)).toBe(false);
  });
});

describe('IGT syncobj_timeline 32bits-limit: chain points are 64-bit (R3 with SEQNO64)', () => {
  test('points more than 2^31 apart, signaled in order: QUERY never decreases', () => {
    const dev = openDevice();
    const file = drmOpen(dev);
    const { handle: tlh } = syncobjCreate(file);
    const tl = swSyncTimelineCreate(dev);
    const limitDiff = 2 ** 31 - 1;
    const points = [1, 5, limitDiff + 5, limitDiff + 6, limitDiff * 2];
    points.forEach((p, i) => {
      const { fd } = swSyncCreateFence(dev, tl, i + 1);
      const { handle: tmp } = syncobjCreate(file);
      expect(syncobjFdToHandle(file, fd, DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE, { handle: tmp }).result).toBe(
        0,
      );
      expect(syncobjTransfer(file, { srcHandle: tmp, srcPoint: 0, dstHandle: tlh, dstPoint: p })).toBe(0);
    });
    let last = 0;
    for (const p of points) {
      swSyncInc(dev, tl, 1);
      const v = syncobjQuery(file, [tlh]).points[0];
      expect(v).toBeGreaterThanOrEqual(last);
      expect(v).toBe(p);
      last = v;
    }
  });
});
