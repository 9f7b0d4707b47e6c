/**
 * drm_syncobj timeline ioctls (kernel-sync-semantics.md §1.10, R81-R88), scenario tests in the manner
 * of IGT's syncobj_timeline: fences come from sw_sync timelines imported as points (R75).
 *
 * Left out: R83's and R86's -ENOMEM (no allocation failure is modelled), R83/R85's -EFAULT (no user
 * pointers), R84's -ERESTARTSYS (no signals to the waiting task).
 */
import { describe, expect, test } from 'vitest';
import {
  openDevice,
  join,
  advance,
  at,
  swSyncTimelineCreate,
  swSyncCreateFence,
  swSyncInc,
  fenceWait,
  drmOpen,
  syncobjCreate,
  syncobjTimelineSignal,
  syncobjTimelineWait,
  syncobjTimelineWaitAsync,
  syncobjQuery,
  syncobjTransfer,
  syncobjFdToHandle,
  syncobjHandleToFd,
  syncobjEventfd,
  eventfdCreate,
  eventfdRead,
  syncobjFindFence,
  syncobjObject,
  syncobjPayload,
  syncobjWait,
  syncobjSignal,
  syncobjReset,
  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL,
  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE,
  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT,
  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE,
  DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE,
  DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_TIMELINE,
  DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE,
  DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_TIMELINE,
  DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED,
  EINVAL,
  ENOENT,
  ETIME,
  EOPNOTSUPP,
  EBADF,
  type DrmFile,
} from '../../models/uapi/index.ts';
import { ctx, hasTag } from '../../models/world.ts';
import type { DrmSyncobjContext } from '../../models/drm-syncobj/drm-syncobj.ts';
import type { DmaFenceChainContext } from '../../models/dma-buf/dma-fence-chain.ts';

const AVAILABLE = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE;
const FOR_SUBMIT = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT;
const IMPORT_POINT = DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE | DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_TIMELINE;

function setup() {
  const dev = openDevice();
  const file = drmOpen(dev);
  const tl = swSyncTimelineCreate(dev);
  const { handle } = syncobjCreate(file);
  return { dev, file, tl, h: handle };
}

/** IGT's syncobj_timeline helper: a sw_sync fence at `value`, imported as point `point` of `h`. */
function importPoint(file: DrmFile, tl: number, value: number, h: number, point: number): void {
  const { fd } = swSyncCreateFence(file.dev, tl, value);
  expect(syncobjFdToHandle(file, fd, IMPORT_POINT, { handle: h, point }).result).toBe(0);
}

describe('drm_syncobj timeline (R81-R88)', () => {
  test('R81: point p is materialized iff the head seqno >= p; point 0 means the payload itself', () => {
    const { file, tl, h } = setup();
    importPoint(file, tl, 1, h, 5);
    expect(syncobjTimelineWait(file, [h], [5], AVAILABLE, 0).result).toBe(0);
    expect(syncobjTimelineWait(file, [h], [3], AVAILABLE, 0).result).toBe(0); // 3 <= 5: materialized
    expect(syncobjTimelineWait(file, [h], [6], 0, 0).result).toBe(EINVAL); // not submitted yet
    expect(syncobjFindFence(file, h, 0).fence).toBe(syncobjPayload(file, h));
  });

  test('R82: add_point makes a chain node the head; an unordered point is accepted and only logged', () => {
    const { dev, file, tl, h } = setup();
    importPoint(file, tl, 1, h, 2);
    const first = syncobjPayload(file, h);
    importPoint(file, tl, 2, h, 1); // unordered: 1 <= 2
    const s = ctx<DrmSyncobjContext>(dev.w, syncobjObject(file, h));
    expect(s.unordered).toBe(1);
    const head = ctx<DmaFenceChainContext>(dev.w, s.fence);
    expect(head.prev).toBe(first);
    expect(head.seqno).toBe(2); // R44: raised to max(prev, point)
    expect(head.context).not.toBe(ctx<DmaFenceChainContext>(dev.w, first).context); // R44: new context
  });

  test('R82: add_point garbage-collects signaled links behind the new head', () => {
    const { dev, file, tl, h } = setup();
    importPoint(file, tl, 1, h, 1);
    importPoint(file, tl, 2, h, 2);
    swSyncInc(dev, tl, 1); // point 1's fence signals
    importPoint(file, tl, 3, h, 3);
    const p2 = ctx<DmaFenceChainContext>(dev.w, ctx<DmaFenceChainContext>(dev.w, syncobjPayload(file, h)).prev);
    expect(p2.seqno).toBe(2);
    expect(p2.prev).toBe(''); // point 1 collected (R46)
  });

  test('R83: TIMELINE_SIGNAL adds a signaled stub at each point; argument checks in the kernel order', () => {
    const { file, h } = setup();
    expect(syncobjTimelineSignal(file, [h], [3], 1)).toBe(EINVAL); // flags != 0
    expect(syncobjTimelineSignal(file, [], [], 0)).toBe(EINVAL); // count == 0
    expect(syncobjTimelineSignal(file, [h, 99], [3, 3], 0)).toBe(ENOENT);
    expect(syncobjQuery(file, [h]).points).toEqual([0]); // the ENOENT changed nothing
    expect(syncobjTimelineSignal(file, [h], [3], 0)).toBe(0);
    expect(syncobjQuery(file, [h]).points).toEqual([3]);
    expect(syncobjTimelineSignal(drmOpen(file.dev, { timeline: false }), [h], [4])).toBe(EOPNOTSUPP);
  });

  test('R83: TIMELINE_SIGNAL with points = NULL adds point 0, which this kernel logs as unordered', () => {
    const { dev, file, h } = setup();
    syncobjTimelineSignal(file, [h], [2]);
    expect(syncobjTimelineSignal(file, [h], null)).toBe(0);
    expect(ctx<DrmSyncobjContext>(dev.w, syncobjObject(file, h)).unordered).toBe(1);
    expect(syncobjQuery(file, [h], DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED).points).toEqual([2]);
  });

  test('R84: WAIT_AVAILABLE returns once the point materializes, before it signals', () => {
    const { dev, file, tl, h } = setup();
    const t = syncobjTimelineWaitAsync(file, [h], [1], AVAILABLE, 1000);
    advance(dev, 10);
    expect(t.state).toBe('blocked');
    importPoint(file, tl, 1, h, 1);
    expect(join(dev, t).result).toBe(0);
    expect(syncobjTimelineWait(file, [h], [1], 0, 0).result).toBe(ETIME); // not signaled yet
  });

  test('R84: without WAIT_FOR_SUBMIT or WAIT_AVAILABLE an unmaterialized point is -EINVAL up front', () => {
    const { file, h } = setup();
    expect(syncobjTimelineWait(file, [h], [1], 0, 1000).result).toBe(EINVAL);
    expect(syncobjTimelineWait(file, [h], [1], 1 << 7, 0).result).toBe(EINVAL); // unknown flag
    expect(syncobjTimelineWait(file, [], [], 0, 0).result).toBe(0); // count 0
    expect(syncobjTimelineWait(file, [42], [1], 0, 0).result).toBe(ENOENT);
    expect(syncobjTimelineWait(drmOpen(file.dev, { timeline: false }), [h], [1], 0, 0).result).toBe(EOPNOTSUPP);
  });

  test('R84: WAIT_FOR_SUBMIT waits for the point to appear and then for it to signal', () => {
    const { dev, file, tl, h } = setup();
    const t = syncobjTimelineWaitAsync(file, [h], [2], FOR_SUBMIT, 100);
    at(dev, 10, () => importPoint(file, tl, 1, h, 2));
    at(dev, 20, () => swSyncInc(dev, tl, 1));
    expect(join(dev, t)).toEqual({ result: 0, firstSignaled: 0 });
    expect(t.doneAt).toBe(20); // returned when the fence signaled, not at the deadline
  });

  test('R84: WAIT_FOR_SUBMIT times out with -ETIME if the point never signals', () => {
    const { dev, file, tl, h } = setup();
    const t = syncobjTimelineWaitAsync(file, [h], [1], FOR_SUBMIT, 50);
    at(dev, 10, () => importPoint(file, tl, 1, h, 1));
    expect(join(dev, t).result).toBe(ETIME);
    expect(t.doneAt).toBe(50);
  });

  test('R84: WAIT_ALL over points, first_signaled without it; WAIT_DEADLINE is only a hint', () => {
    const { dev, file, tl } = setup();
    const a = syncobjCreate(file).handle;
    const b = syncobjCreate(file).handle;
    importPoint(file, tl, 1, a, 1);
    importPoint(file, tl, 2, b, 1);
    expect(syncobjTimelineWait(file, [a, b], [1, 1], DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL, 0).result).toBe(ETIME);
    swSyncInc(dev, tl, 1);
    expect(syncobjTimelineWait(file, [b, a], [1, 1], 0, 0)).toEqual({ result: 0, firstSignaled: 1 });
    expect(
      syncobjTimelineWait(
        file,
        [a, b],
        [1, 1],
        DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL | DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE,
        0,
      ).result,
    ).toBe(ETIME);
    swSyncInc(dev, tl, 1);
    expect(
      syncobjTimelineWait(
        file,
        [a, b],
        [1, 1],
        DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL | DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE,
        0,
      ).result,
    ).toBe(0);
  });

  test("R84: a wait captures the point's fence when it materializes; a later reset does not release it (I17)", () => {
    const { dev, file, tl, h } = setup();
    const t = syncobjTimelineWaitAsync(file, [h], [1], FOR_SUBMIT, 100);
    importPoint(file, tl, 1, h, 1);
    syncobjReset(file, [h]);
    syncobjSignal(file, [h]); // binary signal on the timeline: the payload is now a signaled stub
    advance(dev, 10);
    expect(t.state).toBe('blocked'); // still waiting on the captured sw_sync fence
    swSyncInc(dev, tl, 1);
    expect(join(dev, t).result).toBe(0);
  });

  test('R85: QUERY reports the latest fully signaled point; LAST_SUBMITTED the head', () => {
    const { dev, file, tl, h } = setup();
    importPoint(file, tl, 1, h, 1);
    importPoint(file, tl, 2, h, 2);
    importPoint(file, tl, 3, h, 3);
    expect(syncobjQuery(file, [h]).points).toEqual([0]);
    swSyncInc(dev, tl, 2);
    expect(syncobjQuery(file, [h]).points).toEqual([2]);
    expect(syncobjQuery(file, [h], DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED).points).toEqual([3]);
    swSyncInc(dev, tl, 1);
    expect(syncobjQuery(file, [h]).points).toEqual([3]);
  });

  test('R85: QUERY argument checks; a binary payload queries as 0', () => {
    const { file, h } = setup();
    expect(syncobjQuery(file, [h], 2).result).toBe(EINVAL);
    expect(syncobjQuery(file, []).result).toBe(EINVAL);
    expect(syncobjQuery(file, [7]).result).toBe(ENOENT);
    syncobjSignal(file, [h]);
    expect(syncobjQuery(file, [h])).toEqual({ result: 0, points: [0] });
  });

  test('R85/H10: after an unordered point QUERY stops at the context change and may report 0', () => {
    const { dev, file, tl, h } = setup();
    importPoint(file, tl, 1, h, 5);
    swSyncInc(dev, tl, 1);
    expect(syncobjQuery(file, [h]).points).toEqual([5]);
    importPoint(file, tl, 2, h, 3); // unordered
    expect(syncobjQuery(file, [h]).points).toEqual([0]);
    // find_seqno(3) resolves to the new head (seqno raised to 5), which waits for the new fence too.
    expect(syncobjTimelineWait(file, [h], [5], 0, 0).result).toBe(ETIME);
  });

  test('R86: TRANSFER copies a point to another timeline point or to a binary payload', () => {
    const { dev, file, tl, h } = setup();
    const dst = syncobjCreate(file).handle;
    const bin = syncobjCreate(file).handle;
    importPoint(file, tl, 1, h, 1);
    expect(syncobjTransfer(file, { srcHandle: h, srcPoint: 1, dstHandle: dst, dstPoint: 4 })).toBe(0);
    expect(syncobjTransfer(file, { srcHandle: h, srcPoint: 1, dstHandle: bin, dstPoint: 0 })).toBe(0);
    expect(syncobjTimelineWait(file, [dst], [4], 0, 0).result).toBe(ETIME);
    expect(syncobjWait(file, [bin], 0, 0).result).toBe(ETIME);
    swSyncInc(dev, tl, 1);
    expect(syncobjTimelineWait(file, [dst], [4], 0, 0).result).toBe(0);
    expect(syncobjWait(file, [bin], 0, 0).result).toBe(0);
  });

  test('R86: TRANSFER checks: pad, unknown destination before the source, unmaterialized source', () => {
    const { file, h } = setup();
    const dst = syncobjCreate(file).handle;
    expect(syncobjTransfer(file, { srcHandle: h, srcPoint: 1, dstHandle: dst, dstPoint: 1, pad: 1 })).toBe(EINVAL);
    expect(syncobjTransfer(file, { srcHandle: 99, srcPoint: 1, dstHandle: 98, dstPoint: 1 })).toBe(ENOENT);
    expect(syncobjTransfer(file, { srcHandle: 99, srcPoint: 1, dstHandle: dst, dstPoint: 1 })).toBe(ENOENT);
    expect(syncobjTransfer(file, { srcHandle: h, srcPoint: 1, dstHandle: dst, dstPoint: 1 })).toBe(EINVAL);
    expect(syncobjTransfer(file, { srcHandle: h, srcPoint: 1, dstHandle: dst, dstPoint: 1, flags: 1 << 5 })).toBe(
      EINVAL,
    );
    expect(
      syncobjTransfer(drmOpen(file.dev, { timeline: false }), {
        srcHandle: h,
        srcPoint: 1,
        dstHandle: dst,
        dstPoint: 1,
      }),
    ).toBe(EOPNOTSUPP);
  });

  test('R86: TRANSFER with WAIT_FOR_SUBMIT sleeps until the source point appears (at most 5 s)', () => {
    const { dev, file, tl, h } = setup();
    const dst = syncobjCreate(file).handle;
    at(dev, 100, () => importPoint(file, tl, 1, h, 1));
    expect(syncobjTransfer(file, { srcHandle: h, srcPoint: 1, dstHandle: dst, dstPoint: 2, flags: FOR_SUBMIT })).toBe(
      0,
    );
    expect(syncobjTimelineWait(file, [dst], [2], AVAILABLE, 0).result).toBe(0);
    const t0 = dev.now;
    expect(syncobjTransfer(file, { srcHandle: h, srcPoint: 9, dstHandle: dst, dstPoint: 3, flags: FOR_SUBMIT })).toBe(
      ETIME,
    );
    expect(dev.now - t0).toBe(5000); // DRM_SYNCOBJ_WAIT_FOR_SUBMIT_TIMEOUT
    // without it: at once
    expect(syncobjTransfer(file, { srcHandle: h, srcPoint: 9, dstHandle: dst, dstPoint: 3 })).toBe(EINVAL);
  });

  test('R87: an eventfd fires once when the point signals; with WAIT_AVAILABLE when it materializes', () => {
    const { dev, file, tl, h } = setup();
    const onSignal = eventfdCreate(dev);
    const onAvail = eventfdCreate(dev);
    expect(syncobjEventfd(file, h, 1, onSignal)).toBe(0);
    expect(syncobjEventfd(file, h, 1, onAvail, AVAILABLE)).toBe(0);
    expect(eventfdRead(dev, onAvail)).toBe(0);
    importPoint(file, tl, 1, h, 1);
    expect(eventfdRead(dev, onAvail)).toBe(1);
    expect(eventfdRead(dev, onSignal)).toBe(0);
    swSyncInc(dev, tl, 1);
    expect(eventfdRead(dev, onSignal)).toBe(1);
    importPoint(file, tl, 2, h, 2); // later changes do not fire a spent entry again
    swSyncInc(dev, tl, 1);
    expect(eventfdRead(dev, onSignal) + eventfdRead(dev, onAvail)).toBe(0);
  });

  test('R87: a point already garbage-collected counts as signaled (stub); argument checks', () => {
    const { dev, file, tl, h } = setup();
    importPoint(file, tl, 1, h, 1);
    swSyncInc(dev, tl, 1);
    importPoint(file, tl, 2, h, 2); // collects point 1
    const e = eventfdCreate(dev);
    expect(syncobjEventfd(file, h, 1, e)).toBe(0);
    expect(eventfdRead(dev, e)).toBe(1);
    expect(syncobjEventfd(file, h, 1, e, 1 << 1)).toBe(EINVAL);
    expect(syncobjEventfd(file, h, 1, e, 0, 1)).toBe(EINVAL);
    expect(syncobjEventfd(file, 9, 1, e)).toBe(ENOENT);
    expect(syncobjEventfd(file, h, 1, 99)).toBe(EBADF);
    expect(syncobjEventfd(file, h, 1, swSyncTimelineCreate(dev))).toBe(EINVAL);
  });

  test('R88: the submit-time resolver fails on an unmaterialized point; WAIT_FOR_SUBMIT sleeps up to 5 s', () => {
    const { dev, file, tl, h } = setup();
    expect(syncobjFindFence(file, h, 1)).toEqual({ result: EINVAL, fence: null });
    expect(syncobjFindFence(file, 9, 1).result).toBe(ENOENT);
    expect(syncobjFindFence(file, h, 1, 1 << 0).result).toBe(EINVAL); // WAIT_ALL is not a find_fence flag
    at(dev, 30, () => importPoint(file, tl, 1, h, 1));
    const r = syncobjFindFence(file, h, 1, FOR_SUBMIT);
    expect(r.result).toBe(0);
    expect(hasTag(dev.w, r.fence!, 'signaled')).toBe(false);
    expect(syncobjFindFence(file, h, 2, FOR_SUBMIT).result).toBe(ETIME);
  });

  test('R47/R78: a materialized point that was garbage-collected resolves to the signaled stub', () => {
    const { dev, file, tl, h } = setup();
    importPoint(file, tl, 1, h, 1);
    importPoint(file, tl, 2, h, 2);
    swSyncInc(dev, tl, 1);
    importPoint(file, tl, 3, h, 3); // the walk collects point 1
    const r = syncobjFindFence(file, h, 1);
    expect(r).toEqual({ result: 0, fence: 'dma_fence_stub' });
    expect(hasTag(dev.w, r.fence!, 'signaled')).toBe(true);
    expect(syncobjTimelineWait(file, [h], [1], 0, 0).result).toBe(0);
  });

  test('R74/R80: EXPORT_SYNC_FILE of a timeline point is a snapshot of that point', () => {
    const { dev, file, tl, h } = setup();
    importPoint(file, tl, 1, h, 1);
    const { result, fd } = syncobjHandleToFd(
      file,
      h,
      DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE | DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_TIMELINE,
      { point: 1 },
    );
    expect(result).toBe(0);
    syncobjReset(file, [h]);
    expect(fenceWait(dev, fd, 0)).toBe(ETIME);
    swSyncInc(dev, tl, 1);
    expect(fenceWait(dev, fd, 0)).toBe(0);
    expect(
      syncobjHandleToFd(
        file,
        h,
        DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE | DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_TIMELINE,
        { point: 1 },
      ).result,
    ).toBe(EINVAL); // NULL payload now
  });
});
