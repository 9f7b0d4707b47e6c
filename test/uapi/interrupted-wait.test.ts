/**
 * A signal delivered to a thread blocked in DRM_IOCTL_SYNCOBJ_(TIMELINE_)WAIT (R79, R84): the kernel's
 * drm_syncobj_array_wait_timeout returns -ERESTARTSYS, and the ioctl is restarted with the same
 * arguments, whose timeout_nsec is absolute, so the wait ends at the original deadline however many
 * signals arrive. Mirrors IGT tests/syncobj_wait.c and tests/syncobj_timeline.c subtests
 * wait-any-interrupted / wait-all-interrupted (test_wait_interrupted: `wait.timeout_nsec =
 * short_timeout()` once, then igt_while_interruptible(true) around the ioctl, expecting -ETIME).
 */
import { describe, expect, test } from 'vitest';
import {
  openDevice,
  drmOpen,
  join,
  at,
  signalThread,
  syncobjCreate,
  syncobjWaitAsync,
  syncobjTimelineWaitAsync,
  syncobjFdToHandle,
  syncobjSignal,
  syncobjDestroy,
  swSyncTimelineCreate,
  swSyncCreateFence,
  swSyncInc,
  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL,
  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT,
  DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE,
  DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_TIMELINE,
  ETIME,
  EINTR,
  ENOENT,
  type DrmFile,
  type Device,
  type Thread,
} from '../../models/uapi/index.ts';

const SHORT_TIME_MS = 100;

/** igt_while_interruptible: a signal every `every` ms at the blocked thread until it returns. */
function interruptEvery<T>(dev: Device, t: Thread<T>, every: number, saRestart = true): void {
  const tick = (d: Device) => {
    if (t.state !== 'blocked') return;
    signalThread(d, t, { saRestart });
    at(d, d.now + every, tick);
  };
  at(dev, dev.now + every, tick);
}

/** syncobj_attach_sw_sync: an unsignaled sw_sync fence imported as the payload (or as `point`). */
function attachSwSync(file: DrmFile, handle: number, point = 0): number {
  const tl = swSyncTimelineCreate(file.dev);
  const { fd } = swSyncCreateFence(file.dev, tl, 1);
  const flags = DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE | (point ? DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_TIMELINE : 0);
  expect(syncobjFdToHandle(file, fd, flags, { handle, point }).result).toBe(0);
  return tl;
}

describe.each([
  ['wait-any-interrupted', 0],
  ['wait-all-interrupted', DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL],
])('IGT syncobj_wait %s (R79)', (_name, flags) => {
  test('WAIT_FOR_SUBMIT on a NULL payload, then an unsignaled fence: -ETIME at the first deadline', () => {
    const dev = openDevice();
    const file = drmOpen(dev);
    const { handle } = syncobjCreate(file);
    const t0 = syncobjWaitAsync(file, [handle], flags | DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, SHORT_TIME_MS);
    interruptEvery(dev, t0, 7);
    expect(join(dev, t0).result).toBe(ETIME);
    expect(t0.signals).toBe(14); // restarted 14 times ...
    expect(t0.doneAt).toBe(t0.start + SHORT_TIME_MS); // ... and never past the absolute deadline

    attachSwSync(file, handle);
    const t1 = syncobjWaitAsync(file, [handle], flags, SHORT_TIME_MS);
    interruptEvery(dev, t1, 10);
    expect(join(dev, t1).result).toBe(ETIME);
    expect(t1.signals).toBe(9); // the 10th tick falls on the deadline, which passes first
    expect(t1.doneAt).toBe(t1.start + SHORT_TIME_MS);
  });
});

describe('interrupted syncobj waits: what the restart re-reads (R79, R84)', () => {
  test('IGT syncobj_timeline wait-any-interrupted: a timeline point, WAIT_FOR_SUBMIT then materialized', () => {
    const dev = openDevice();
    const file = drmOpen(dev);
    const { handle } = syncobjCreate(file);
    const t0 = syncobjTimelineWaitAsync(file, [handle], [1], DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, SHORT_TIME_MS);
    interruptEvery(dev, t0, 25);
    expect(join(dev, t0).result).toBe(ETIME);
    const tl = attachSwSync(file, handle, 1);
    const t1 = syncobjTimelineWaitAsync(file, [handle], [1], 0, SHORT_TIME_MS);
    interruptEvery(dev, t1, 25);
    at(dev, dev.now + 60, (d) => swSyncInc(d, tl, 1)); // signaled between the 2nd and 3rd signal
    expect(join(dev, t1).result).toBe(0);
    expect([t1.signals, t1.doneAt! - t1.start]).toEqual([2, 60]);
  });

  test('without SA_RESTART userspace sees -EINTR; retrying with the same timeout_nsec keeps the deadline', () => {
    const dev = openDevice();
    const file = drmOpen(dev);
    const { handle } = syncobjCreate(file);
    attachSwSync(file, handle);
    const deadline = dev.now + SHORT_TIME_MS;
    const t = syncobjWaitAsync(file, [handle], 0, SHORT_TIME_MS);
    at(dev, 30, (d) => signalThread(d, t, { saRestart: false }));
    expect(join(dev, t).result).toBe(EINTR);
    expect(t.doneAt).toBe(30);
    // drmIoctl's loop: the same struct, so the same absolute deadline (the remaining 70 ms).
    const again = syncobjWaitAsync(file, [handle], 0, deadline - dev.now);
    expect(join(dev, again).result).toBe(ETIME);
    expect(again.doneAt).toBe(deadline);
  });

  test('the restarted ioctl captures the payload anew: a payload replaced during the wait is the one waited on', () => {
    const dev = openDevice();
    const file = drmOpen(dev);
    const { handle } = syncobjCreate(file);
    attachSwSync(file, handle); // never signaled
    const t = syncobjWaitAsync(file, [handle], 0, SHORT_TIME_MS);
    at(dev, 20, () => syncobjSignal(file, [handle])); // R77: a signaled stub replaces the payload
    at(dev, 40, (d) => signalThread(d, t));
    expect(join(dev, t).result).toBe(0); // the wait on the first fence would have timed out (snapshot)
    expect(t.doneAt).toBe(40);
  });

  test('the restart looks the handles up again: a handle destroyed meanwhile is -ENOENT', () => {
    const dev = openDevice();
    const file = drmOpen(dev);
    const { handle } = syncobjCreate(file);
    attachSwSync(file, handle);
    const t = syncobjWaitAsync(file, [handle], 0, SHORT_TIME_MS);
    at(dev, 20, () => syncobjDestroy(file, handle));
    at(dev, 40, (d) => signalThread(d, t));
    expect(join(dev, t).result).toBe(ENOENT);
  });

  test('a signal to a thread that already returned changes nothing', () => {
    const dev = openDevice();
    const file = drmOpen(dev);
    const { handle } = syncobjCreate(file, 1); // CREATE_SIGNALED
    const t = syncobjWaitAsync(file, [handle], 0, SHORT_TIME_MS);
    expect(t.state).toBe('done');
    expect(signalThread(dev, t)).toBe(false);
    expect(join(dev, t).result).toBe(0);
  });
});
