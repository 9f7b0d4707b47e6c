/**
 * drm_syncobj binary ioctls (kernel-sync-semantics.md §1.9, R70-R80), in the manner of IGT's
 * syncobj_basic and syncobj_wait.
 *
 * Left out: -ENOMEM (R72, R77: no allocation failure is modelled), -EFAULT and -ERESTARTSYS (R79: no
 * user pointers, no signals to the waiting task), the clamp of huge timeouts (R79: virtual time has
 * no MAX_SCHEDULE_TIMEOUT).
 */
import { describe, expect, test } from 'vitest';
import {
  openDevice,
  join,
  advance,
  at,
  close,
  swSyncTimelineCreate,
  swSyncCreateFence,
  swSyncInc,
  fenceWait,
  drmOpen,
  syncobjCreate,
  syncobjDestroy,
  syncobjWait,
  syncobjWaitAsync,
  syncobjReset,
  syncobjSignal,
  syncobjHandleToFd,
  syncobjFdToHandle,
  syncobjObject,
  syncobjPayload,
  syncobjFindFence,
  DRM_SYNCOBJ_CREATE_SIGNALED,
  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL,
  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT,
  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE,
  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE,
  DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE,
  DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE,
  EINVAL,
  ENOENT,
  ETIME,
  EOPNOTSUPP,
} from '../../models/uapi/index.ts';
import { ctx, stateOf, hasTag } from '../../models/world.ts';
import type { DrmSyncobjContext } from '../../models/drm-syncobj/drm-syncobj.ts';

const ALL = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL;
const FOR_SUBMIT = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT;
const EXPORT = DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE;
const IMPORT = DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE;

function setup() {
  const dev = openDevice();
  const file = drmOpen(dev);
  const tl = swSyncTimelineCreate(dev);
  return { dev, file, tl };
}

/** A syncobj whose payload is an unsignaled sw_sync fence at `value`. */
function syncobjOnSwSync(file: ReturnType<typeof drmOpen>, tl: number, value: number): number {
  const { handle } = syncobjCreate(file);
  const { fd } = swSyncCreateFence(file.dev, tl, value);
  expect(syncobjFdToHandle(file, fd, IMPORT, { handle }).result).toBe(0);
  return handle;
}

describe('drm_syncobj binary (R70-R80)', () => {
  test('R70: a wait acts on the fence current at the time of the call', () => {
    const { dev, file, tl } = setup();
    const h = syncobjOnSwSync(file, tl, 1);
    const t = syncobjWaitAsync(file, [h], 0, 100);
    syncobjSignal(file, [h]); // the payload changes after the wait captured the old fence
    advance(dev, 10);
    expect(t.state).toBe('blocked');
    swSyncInc(dev, tl, 1);
    expect(join(dev, t).result).toBe(0);
    expect(t.doneAt).toBe(10);
  });

  test('R71: replacing the payload does not change a fence already captured by a sync_file (I17)', () => {
    const { dev, file, tl } = setup();
    const h = syncobjOnSwSync(file, tl, 1);
    const { fd } = syncobjHandleToFd(file, h, EXPORT);
    syncobjSignal(file, [h]);
    expect(syncobjWait(file, [h], 0, 0).result).toBe(0);
    expect(fenceWait(dev, fd, 0)).toBe(ETIME);
  });

  test('R72: CREATE gives a NULL payload, or a signaled stub with CREATE_SIGNALED; unknown flags are -EINVAL', () => {
    const { dev, file } = setup();
    const a = syncobjCreate(file);
    const b = syncobjCreate(file, DRM_SYNCOBJ_CREATE_SIGNALED);
    expect([a.result, a.handle, b.result, b.handle]).toEqual([0, 1, 0, 2]);
    expect(syncobjPayload(file, a.handle)).toBe('');
    expect(hasTag(dev.w, syncobjPayload(file, b.handle), 'signaled')).toBe(true);
    expect(syncobjCreate(file, 2).result).toBe(EINVAL);
    expect(syncobjCreate(drmOpen(dev, { syncobj: false })).result).toBe(EOPNOTSUPP);
  });

  test('R73: DESTROY: pad and unknown handles are -EINVAL; the handle is gone afterwards', () => {
    const { dev, file } = setup();
    const { handle } = syncobjCreate(file);
    const obj = syncobjObject(file, handle);
    expect(syncobjDestroy(file, handle, 1)).toBe(EINVAL);
    expect(syncobjDestroy(file, 77)).toBe(EINVAL);
    expect(syncobjDestroy(file, handle)).toBe(0);
    expect(syncobjDestroy(file, handle)).toBe(EINVAL);
    expect(stateOf(dev.w, obj)).toBe('freed');
    expect(syncobjCreate(file).handle).toBe(handle); // idr hands out the lowest free id again
  });

  test('R74: HANDLE_TO_FD checks: pad, unknown flags, a point without EXPORT_SYNC_FILE, unknown handle', () => {
    const { file } = setup();
    const { handle } = syncobjCreate(file, DRM_SYNCOBJ_CREATE_SIGNALED);
    expect(syncobjHandleToFd(file, handle, 0, { pad: 1 }).result).toBe(EINVAL);
    expect(syncobjHandleToFd(file, handle, 1 << 4).result).toBe(EINVAL);
    expect(syncobjHandleToFd(file, handle, 0, { point: 3 }).result).toBe(EINVAL);
    expect(syncobjHandleToFd(file, 42).result).toBe(EINVAL);
    expect(syncobjHandleToFd(file, 42, EXPORT).result).toBe(ENOENT); // resolved through find_fence
    expect(syncobjHandleToFd(file, syncobjCreate(file).handle, EXPORT).result).toBe(EINVAL); // NULL payload
  });

  test(
    'R75: FD_TO_HANDLE: a syncobj fd imports as a new handle on the same object; sync_file import needs a ' +
      'sync_file',
    () => {
      const { dev, file, tl } = setup();
      const { handle } = syncobjCreate(file);
      const { fd } = syncobjHandleToFd(file, handle);
      const other = drmOpen(dev);
      const imp = syncobjFdToHandle(other, fd);
      expect(imp.result).toBe(0);
      expect(syncobjObject(other, imp.handle)).toBe(syncobjObject(file, handle));
      expect(syncobjFdToHandle(other, fd).handle).not.toBe(imp.handle); // no de-duplication
      const sf = swSyncCreateFence(dev, tl, 1).fd;
      expect(syncobjFdToHandle(file, fd, IMPORT, { handle }).result).toBe(EINVAL); // not a sync_file
      expect(syncobjFdToHandle(file, sf, IMPORT, { handle: 9 }).result).toBe(ENOENT);
      expect(syncobjFdToHandle(file, sf).result).toBe(EINVAL); // not a syncobj fd
      expect(syncobjFdToHandle(file, fd, 0, { point: 1 }).result).toBe(EINVAL);
      expect(syncobjFdToHandle(file, fd, 1 << 5).result).toBe(EINVAL);
    },
  );

  test('R76: RESET checks every handle before changing any, then sets every payload to NULL', () => {
    const { file } = setup();
    const a = syncobjCreate(file, DRM_SYNCOBJ_CREATE_SIGNALED).handle;
    expect(syncobjReset(file, [a], 1)).toBe(EINVAL);
    expect(syncobjReset(file, [])).toBe(EINVAL);
    expect(syncobjReset(file, [a, 50])).toBe(ENOENT);
    expect(syncobjPayload(file, a)).not.toBe('');
    expect(syncobjReset(file, [a])).toBe(0);
    expect(syncobjPayload(file, a)).toBe('');
    expect(syncobjWait(file, [a], 0, 0).result).toBe(EINVAL);
  });

  test('R77: SIGNAL installs a fresh signaled stub in each object; same checks as RESET', () => {
    const { dev, file } = setup();
    const a = syncobjCreate(file).handle;
    const b = syncobjCreate(file).handle;
    expect(syncobjSignal(file, [a, 50])).toBe(ENOENT);
    expect(syncobjPayload(file, a)).toBe('');
    expect(syncobjSignal(file, [a, b])).toBe(0);
    expect(syncobjPayload(file, a)).not.toBe(syncobjPayload(file, b));
    expect(syncobjWait(file, [a, b], ALL, 0).result).toBe(0);
    expect(syncobjSignal(file, [a], 1)).toBe(EINVAL);
    expect(syncobjSignal(file, [])).toBe(EINVAL);
    expect(syncobjSignal(drmOpen(dev, { syncobj: false }), [a])).toBe(EOPNOTSUPP);
  });

  test('R78: find_fence: NULL payload -EINVAL without WAIT_FOR_SUBMIT; with it, sleep until a fence appears', () => {
    const { dev, file } = setup();
    const h = syncobjCreate(file).handle;
    expect(syncobjFindFence(file, h, 0).result).toBe(EINVAL);
    at(dev, 40, () => syncobjSignal(file, [h]));
    expect(syncobjFindFence(file, h, 0, FOR_SUBMIT).result).toBe(0);
    syncobjReset(file, [h]);
    expect(syncobjFindFence(file, h, 0, FOR_SUBMIT).result).toBe(ETIME);
  });

  test('R79: WAIT checks in order: flags, count 0 returns 0 at once, unknown handle, NULL payload', () => {
    const { file } = setup();
    const h = syncobjCreate(file).handle;
    expect(syncobjWait(file, [h], DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE, 0).result).toBe(EINVAL); // timeline-only flag
    expect(syncobjWait(file, [], 1 << 6, 0).result).toBe(EINVAL);
    expect(syncobjWait(file, [], 0, 0).result).toBe(0);
    expect(syncobjWait(file, [h, 31], 0, 0).result).toBe(ENOENT);
    expect(syncobjWait(file, [h], 0, 1000).result).toBe(EINVAL);
    expect(syncobjWait(drmOpen(file.dev, { syncobj: false }), [h], 0, 0).result).toBe(EOPNOTSUPP);
  });

  test('R79: timeout 0 polls; a finite timeout is -ETIME unless the fence signals before the deadline', () => {
    const { dev, file, tl } = setup();
    const h = syncobjOnSwSync(file, tl, 1);
    expect(syncobjWait(file, [h], 0, 0).result).toBe(ETIME);
    at(dev, 30, () => swSyncInc(dev, tl, 1));
    const t = syncobjWaitAsync(file, [h], 0, 20);
    expect(join(dev, t).result).toBe(ETIME);
    expect(join(dev, syncobjWaitAsync(file, [h], 0, 20)).result).toBe(0);
  });

  test('R79: without WAIT_ALL the first signaled handle is reported in first_signaled', () => {
    const { dev, file, tl } = setup();
    const a = syncobjOnSwSync(file, tl, 2);
    const b = syncobjOnSwSync(file, tl, 1);
    const c = syncobjOnSwSync(file, tl, 2);
    const t = syncobjWaitAsync(file, [a, b, c], 0, 100);
    at(dev, 5, () => swSyncInc(dev, tl, 1));
    expect(join(dev, t)).toEqual({ result: 0, firstSignaled: 1 });
    expect(syncobjWait(file, [a, b, c], ALL, 0).result).toBe(ETIME);
    swSyncInc(dev, tl, 1);
    expect(syncobjWait(file, [a, b, c], ALL | DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE, 0)).toEqual({
      result: 0,
      firstSignaled: 0,
    });
  });

  test('R79: WAIT_FOR_SUBMIT first waits for a payload to appear (IGT wait-for-submit-delayed)', () => {
    const { dev, file, tl } = setup();
    const h = syncobjCreate(file).handle;
    const t = syncobjWaitAsync(file, [h], FOR_SUBMIT, 100);
    at(dev, 10, () => {
      const { fd } = swSyncCreateFence(dev, tl, 1);
      syncobjFdToHandle(file, fd, IMPORT, { handle: h });
    });
    at(dev, 60, () => swSyncInc(dev, tl, 1));
    expect(join(dev, t).result).toBe(0);
    expect(t.doneAt).toBe(60);
    expect(syncobjWait(file, [syncobjCreate(file).handle], FOR_SUBMIT, 0).result).toBe(ETIME);
  });

  test('R80: an opaque fd shares the object: every holder sees every update; it lives until the last reference', () => {
    const { dev, file } = setup();
    const { handle } = syncobjCreate(file);
    const { fd } = syncobjHandleToFd(file, handle);
    const other = drmOpen(dev);
    const h2 = syncobjFdToHandle(other, fd).handle;
    syncobjSignal(other, [h2]);
    expect(syncobjWait(file, [handle], 0, 0).result).toBe(0);
    const obj = syncobjObject(file, handle);
    syncobjDestroy(file, handle);
    expect(close(dev, fd)).toBe(0);
    expect(stateOf(dev.w, obj)).toBe('alive');
    expect(ctx<DrmSyncobjContext>(dev.w, obj).refcount).toBe(1);
    syncobjDestroy(other, h2);
    expect(stateOf(dev.w, obj)).toBe('freed');
  });

  test('R80: sync_file import is a snapshot too: resetting the syncobj leaves the sync_file alone', () => {
    const { dev, file, tl } = setup();
    const { fd } = swSyncCreateFence(dev, tl, 1);
    const h = syncobjCreate(file).handle;
    syncobjFdToHandle(file, fd, IMPORT, { handle: h });
    syncobjReset(file, [h]);
    expect(fenceWait(dev, fd, 0)).toBe(ETIME);
    swSyncInc(dev, tl, 1);
    expect(fenceWait(dev, fd, 0)).toBe(0);
    expect(syncobjWait(file, [h], 0, 0).result).toBe(EINVAL);
  });
});
