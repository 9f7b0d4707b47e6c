/**
 * drm_syncobj uAPI (include/uapi/drm/drm.h, drivers/gpu/drm/drm_syncobj.c) over a Device: one
 * function per DRM_IOCTL_SYNCOBJ_*, returning what the ioctl returns (0 or a negative errno) with the
 * kernel's checks in the kernel's order (R72-R87), so scenario tests read like IGT's syncobj_basic,
 * syncobj_wait and syncobj_timeline:
 *
 *   const dev = openDevice(); const file = drmOpen(dev);
 *   const { handle } = syncobjCreate(file);
 *   const t = syncobjTimelineWaitAsync(file, [handle], [1], WAIT_AVAILABLE, 1000);
 *   syncobjTimelineSignal(file, [handle], [1]);
 *   expect(join(dev, t).result).toBe(0);
 *
 * Handles live in a per-open-file table (idr from 1, lowest free id first: drm_syncobj_get_handle);
 * fds live in the device. Timeouts are relative virtual milliseconds (the device's convention): the
 * ioctl's absolute timeout_nsec is now + timeout; 0 polls (drm_timeout_abs_to_jiffies); < 0 or
 * Infinity waits without a deadline. Driver features (DRIVER_SYNCOBJ, DRIVER_SYNCOBJ_TIMELINE) are per
 * device open; a missing one gives -EOPNOTSUPP.
 */
import type { Device, Thread } from './device.ts';
import {
  fdInstall,
  fdLookup,
  newName,
  update,
  onLastClose,
  startWait,
  join,
  blockingCall,
  EBADF,
  EINVAL,
  ENOENT,
  EOPNOTSUPP,
  ETIME,
  EINTR,
} from './device.ts';
import { syncFileCreate, syncFileFence } from './sync-file.ts';
import { ctx, spawn, must, type World } from '../world.ts';
import {
  drmSyncobjMachine,
  DRM_SYNCOBJ_CREATE_SIGNALED,
  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL,
  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT,
  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE,
  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE,
  DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE,
  DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_TIMELINE,
  DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE,
  DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_TIMELINE,
  DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED,
  type DrmSyncobjContext,
} from '../drm-syncobj/drm-syncobj.ts';
import { eventfdMachine, type EventfdContext } from '../drm-syncobj/eventfd.ts';
import {
  drm_syncobj_add_point,
  drm_syncobj_assign_null_handle,
  drm_syncobj_replace_fence,
  drm_syncobj_find_fence,
  drm_syncobj_query,
  drm_syncobj_eventfd_entries,
  drm_syncobj_array_wait_begin,
  drm_syncobj_array_wait_check,
  dma_fence_get_stub,
  DMA_FENCE_STUB,
  type SyncobjWait,
} from '../drm-syncobj/drm-syncobj-api.ts';
import { dma_fence_unwrap_merge } from '../dma-buf/dma-fence-unwrap.ts';

export {
  DRM_SYNCOBJ_CREATE_SIGNALED,
  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL,
  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT,
  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE,
  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE,
  DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE,
  DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_TIMELINE,
  DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE,
  DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_TIMELINE,
  DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED,
};

/** R78: drm_syncobj_find_fence's WAIT_FOR_SUBMIT sleeps at most 5 s. */
export const DRM_SYNCOBJ_WAIT_FOR_SUBMIT_TIMEOUT_MS = 5000;

/** drm_driver feature bits that gate the syncobj ioctls. */
export interface DrmFeatures {
  /** DRIVER_SYNCOBJ: every syncobj ioctl (R72-R79). */
  syncobj: boolean;
  /** DRIVER_SYNCOBJ_TIMELINE: TIMELINE_SIGNAL, TIMELINE_WAIT, QUERY, TRANSFER, EVENTFD (R83-R87). */
  timeline: boolean;
}

/** One open of the DRM device node (struct drm_file): its syncobj handle table. */
export interface DrmFile {
  dev: Device;
  features: DrmFeatures;
  /** handle -> syncobj object id (idr from 1). */
  handles: Map<number, string>;
}

/** open("/dev/dri/renderD128"): a new drm_file on the device (drm_syncobj_open). */
export function drmOpen(dev: Device, features: Partial<DrmFeatures> = {}): DrmFile {
  return { dev, features: { syncobj: true, timeline: true, ...features }, handles: new Map() };
}

/** The syncobj object behind a handle (drm_syncobj_find), or '' for an unknown handle. */
export function syncobjObject(file: DrmFile, handle: number): string {
  return file.handles.get(handle) ?? '';
}

/** drm_syncobj_get_handle: the lowest free id >= 1 (idr_alloc), taking a reference. */
function getHandle(file: DrmFile, obj: string, takeRef: boolean): number {
  let h = 1;
  while (file.handles.has(h)) h++;
  file.handles.set(h, obj);
  if (takeRef) update(file.dev, must(file.dev.w, obj, { type: 'DRM_SYNCOBJ_GET' }));
  return h;
}

/** drm_syncobj_array_find: every handle looked up before anything changes; -ENOENT for any unknown one. */
function arrayFind(file: DrmFile, handles: number[]): { ret: number; objs: string[] } {
  const objs: string[] = [];
  for (const h of handles) {
    const o = syncobjObject(file, h);
    if (!o) return { ret: ENOENT, objs: [] };
    objs.push(o);
  }
  return { ret: 0, objs };
}

// A syncobj fd is one anon-inode file per export; the device keys files by object, so all fds of one
// syncobj share one reference, dropped when the last of them closes (drm_syncobj_file_release).
onLastClose('syncobj', (w, obj) => must(w, obj, { type: 'DRM_SYNCOBJ_PUT' }));

/** DRM_IOCTL_SYNCOBJ_CREATE (R72): {result, handle}. */
export function syncobjCreate(file: DrmFile, flags = 0): { result: number; handle: number } {
  if (!file.features.syncobj) return { result: EOPNOTSUPP, handle: 0 };
  if (flags & ~DRM_SYNCOBJ_CREATE_SIGNALED) return { result: EINVAL, handle: 0 };
  const obj = newName(file.dev, 'syncobj');
  let w = spawn(file.dev.w, obj, drmSyncobjMachine(), {});
  if (flags & DRM_SYNCOBJ_CREATE_SIGNALED) w = drm_syncobj_assign_null_handle(w, obj);
  update(file.dev, w);
  return { result: 0, handle: getHandle(file, obj, false) };
}

/** DRM_IOCTL_SYNCOBJ_DESTROY (R73). */
export function syncobjDestroy(file: DrmFile, handle: number, pad = 0): number {
  if (!file.features.syncobj) return EOPNOTSUPP;
  if (pad) return EINVAL;
  const obj = syncobjObject(file, handle);
  if (!obj) return EINVAL;
  file.handles.delete(handle);
  update(file.dev, must(file.dev.w, obj, { type: 'DRM_SYNCOBJ_PUT' }));
  return 0;
}

/**
 * DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD (R74): {result, fd}. With EXPORT_SYNC_FILE a sync_file snapshot of
 * the point's fence (R80); otherwise an opaque fd sharing the syncobj.
 */
export function syncobjHandleToFd(
  file: DrmFile,
  handle: number,
  flags = 0,
  opts: { point?: number; pad?: number } = {},
): { result: number; fd: number } {
  const fail = (result: number) => ({ result, fd: -1 });
  if (!file.features.syncobj) return fail(EOPNOTSUPP);
  if (opts.pad) return fail(EINVAL);
  if (flags & ~(DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_TIMELINE | DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE))
    return fail(EINVAL);
  const point = flags & DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_TIMELINE ? (opts.point ?? 0) : 0;
  if (flags & DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE) {
    const r = drm_syncobj_find_fence(file.dev.w, syncobjObject(file, handle), point, 0);
    if (r.ret) return fail(r.ret);
    update(file.dev, r.w);
    return { result: 0, fd: syncFileCreate(file.dev, r.fence!) };
  }
  if (opts.point) return fail(EINVAL);
  const obj = syncobjObject(file, handle);
  if (!obj) return fail(EINVAL);
  const shared = [...file.dev.fds.values()].some((e) => e.kind === 'syncobj' && e.obj === obj);
  if (!shared) update(file.dev, must(file.dev.w, obj, { type: 'DRM_SYNCOBJ_GET' }));
  return { result: 0, fd: fdInstall(file.dev, 'syncobj', obj) };
}

/**
 * DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE (R75): {result, handle}. With IMPORT_SYNC_FILE the sync_file's fence
 * replaces the payload of `opts.handle` (point 0) or is added as a timeline point; otherwise a new
 * handle for the syncobj behind an opaque fd (no de-duplication).
 */
export function syncobjFdToHandle(
  file: DrmFile,
  fd: number,
  flags = 0,
  opts: { handle?: number; point?: number; pad?: number } = {},
): { result: number; handle: number } {
  const fail = (result: number) => ({ result, handle: 0 });
  if (!file.features.syncobj) return fail(EOPNOTSUPP);
  if (opts.pad) return fail(EINVAL);
  if (flags & ~(DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_TIMELINE | DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE))
    return fail(EINVAL);
  const point = flags & DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_TIMELINE ? (opts.point ?? 0) : 0;
  if (flags & DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE) {
    const fence = syncFileFence(file.dev, fd);
    if (fence === null) return fail(EINVAL);
    const obj = syncobjObject(file, opts.handle ?? 0);
    if (!obj) return fail(ENOENT);
    update(
      file.dev,
      point
        ? drm_syncobj_add_point(file.dev.w, obj, fence, point).w
        : drm_syncobj_replace_fence(file.dev.w, obj, fence),
    );
    return { result: 0, handle: opts.handle ?? 0 };
  }
  if (opts.point) return fail(EINVAL);
  const e = fdLookup(file.dev, fd, 'syncobj');
  if (!e) return fail(EINVAL);
  return { result: 0, handle: getHandle(file, e.obj, true) };
}

/** DRM_IOCTL_SYNCOBJ_RESET (R76): every handle looked up first, then every payload set to NULL. */
export function syncobjReset(file: DrmFile, handles: number[], pad = 0): number {
  if (!file.features.syncobj) return EOPNOTSUPP;
  if (pad) return EINVAL;
  if (handles.length === 0) return EINVAL;
  const f = arrayFind(file, handles);
  if (f.ret) return f.ret;
  for (const o of f.objs) update(file.dev, drm_syncobj_replace_fence(file.dev.w, o, ''));
  return 0;
}

/** DRM_IOCTL_SYNCOBJ_SIGNAL (R77): a fresh signaled stub in each. */
export function syncobjSignal(file: DrmFile, handles: number[], pad = 0): number {
  if (!file.features.syncobj) return EOPNOTSUPP;
  if (pad) return EINVAL;
  if (handles.length === 0) return EINVAL;
  const f = arrayFind(file, handles);
  if (f.ret) return f.ret;
  for (const o of f.objs) update(file.dev, drm_syncobj_assign_null_handle(file.dev.w, o));
  return 0;
}

/** DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL (R83): the global stub added at each point (points null = all 0). */
export function syncobjTimelineSignal(file: DrmFile, handles: number[], points: number[] | null, flags = 0): number {
  if (!file.features.timeline) return EOPNOTSUPP;
  if (flags !== 0) return EINVAL;
  if (handles.length === 0) return EINVAL;
  const f = arrayFind(file, handles);
  if (f.ret) return f.ret;
  f.objs.forEach((o, i) => {
    const w = dma_fence_get_stub(file.dev.w);
    update(file.dev, drm_syncobj_add_point(w, o, DMA_FENCE_STUB, points?.[i] ?? 0).w);
  });
  return 0;
}

/** DRM_IOCTL_SYNCOBJ_QUERY (R85): {result, points}. */
export function syncobjQuery(file: DrmFile, handles: number[], flags = 0): { result: number; points: number[] } {
  if (!file.features.timeline) return { result: EOPNOTSUPP, points: [] };
  if (flags & ~DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED) return { result: EINVAL, points: [] };
  if (handles.length === 0) return { result: EINVAL, points: [] };
  const f = arrayFind(file, handles);
  if (f.ret) return { result: f.ret, points: [] };
  const points: number[] = [];
  for (const o of f.objs) {
    const r = drm_syncobj_query(file.dev.w, o, (flags & DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED) !== 0);
    update(file.dev, r.w);
    points.push(r.point);
  }
  return { result: 0, points };
}

export interface TransferArgs {
  srcHandle: number;
  srcPoint: number;
  dstHandle: number;
  dstPoint: number;
  flags?: number;
  pad?: number;
}

function transferApply(w: World, dst: string, dstPoint: number, fence: string, name: string): World {
  if (!dstPoint) return drm_syncobj_replace_fence(w, dst, fence);
  const m = dma_fence_unwrap_merge(w, [fence], name);
  return drm_syncobj_add_point(m.w, dst, m.fence, dstPoint).w;
}

/**
 * DRM_IOCTL_SYNCOBJ_TRANSFER (R86): the source point's fence (find_fence with `flags`, so
 * WAIT_FOR_SUBMIT may sleep up to 5 s) becomes the destination's payload (dstPoint 0) or, unwrapped
 * and merged (R51), a new destination point.
 */
export function syncobjTransfer(file: DrmFile, a: TransferArgs): number {
  if (!file.features.timeline) return EOPNOTSUPP;
  if (a.pad) return EINVAL;
  const dst = syncobjObject(file, a.dstHandle);
  if (!dst) return ENOENT;
  const src = syncobjObject(file, a.srcHandle);
  const flags = a.flags ?? 0;
  const name = newName(file.dev, 'transfer');
  const attempt = (d: Device): number | undefined => {
    const r = drm_syncobj_find_fence(d.w, src, a.srcPoint, flags);
    if (r.blocked) return undefined;
    if (r.ret) return r.ret;
    d.w = transferApply(r.w, dst, a.dstPoint, r.fence!, name);
    return 0;
  };
  const before = file.dev.w;
  const ret = blockingCall(
    file.dev,
    `DRM_IOCTL_SYNCOBJ_TRANSFER(${a.srcHandle}@${a.srcPoint})`,
    attempt,
    flags & DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT ? DRM_SYNCOBJ_WAIT_FOR_SUBMIT_TIMEOUT_MS : 0,
    ETIME,
  );
  if (file.dev.w !== before) update(file.dev, file.dev.w);
  return ret;
}

/**
 * The kernel-side resolver drivers call at submit time (R78, R88): {result, fence}; WAIT_FOR_SUBMIT sleeps up to 5 s.
 */
export function syncobjFindFence(
  file: DrmFile,
  handle: number,
  point: number,
  flags = 0,
): { result: number; fence: string | null } {
  let fence: string | null = null;
  const result = blockingCall(
    file.dev,
    `drm_syncobj_find_fence(${handle}@${point})`,
    (d) => {
      const r = drm_syncobj_find_fence(d.w, syncobjObject(file, handle), point, flags);
      if (r.blocked) return undefined;
      d.w = r.w;
      fence = r.fence;
      return r.ret;
    },
    flags & DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT ? DRM_SYNCOBJ_WAIT_FOR_SUBMIT_TIMEOUT_MS : 0,
    ETIME,
  );
  return { result, fence };
}

/** eventfd(0, 0): a new eventfd. */
export function eventfdCreate(dev: Device): number {
  const id = newName(dev, 'eventfd');
  update(dev, spawn(dev.w, id, eventfdMachine, {}));
  return fdInstall(dev, 'eventfd', id);
}

/** read(2) on an eventfd without blocking: the counter (cleared), 0 standing for -EAGAIN. */
export function eventfdRead(dev: Device, fd: number): number {
  const e = fdLookup(dev, fd, 'eventfd');
  if (!e) return EBADF;
  const n = ctx<EventfdContext>(dev.w, e.obj).count;
  if (n) update(dev, must(dev.w, e.obj, { type: 'EVENTFD_READ' }));
  return n;
}

/** DRM_IOCTL_SYNCOBJ_EVENTFD (R87): signal eventfd `fd` once when `point` materializes (WAIT_AVAILABLE) or signals. */
export function syncobjEventfd(file: DrmFile, handle: number, point: number, fd: number, flags = 0, pad = 0): number {
  if (!file.features.timeline) return EOPNOTSUPP;
  if (flags & ~DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE) return EINVAL;
  if (pad) return EINVAL;
  const obj = syncobjObject(file, handle);
  if (!obj) return ENOENT;
  const e = fdLookup(file.dev, fd);
  if (!e) return EBADF;
  if (e.kind !== 'eventfd') return EINVAL; // eventfd_ctx_fdget on another file type
  let w = must(file.dev.w, obj, {
    type: 'DRM_SYNCOBJ_ADD_EVENTFD',
    eventfd: e.obj,
    point,
    available: (flags & DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE) !== 0,
  });
  w = drm_syncobj_eventfd_entries(w, obj);
  update(file.dev, w);
  return 0;
}

export interface SyncobjWaitResult {
  result: number;
  /** R79 first_signaled: the index of the first entry found signaled (or available); -1 if none. */
  firstSignaled: number;
}

const WAIT_FLAGS =
  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL | DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT | DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE;

function waitAsync(
  file: DrmFile,
  label: string,
  handles: number[],
  points: number[] | null,
  flags: number,
  timeoutMs: number,
  possible: number,
  feature: boolean,
): Thread<SyncobjWaitResult> {
  const now = (result: number) =>
    startWait(file.dev, label, () => ({ result, firstSignaled: -1 }), 0, { result, firstSignaled: -1 });
  if (!feature) return now(EOPNOTSUPP);
  if (flags & ~possible) return now(EINVAL);
  if (handles.length === 0) return now(0);
  const f = arrayFind(file, handles);
  if (f.ret) return now(f.ret);
  // WAIT_DEADLINE: dma_fence_set_deadline on each captured fence, a hint the model does not keep (R32).
  const begin = (objs: string[]) =>
    drm_syncobj_array_wait_begin(
      file.dev.w,
      objs,
      points ?? objs.map(() => 0),
      flags & ~DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE,
    );
  const b = begin(f.objs);
  update(file.dev, b.w);
  if (b.ret !== undefined) {
    const r: SyncobjWaitResult = { result: b.ret, firstSignaled: b.ret === 0 ? b.first : -1 };
    return startWait(file.dev, label, () => r, 0, r);
  }
  let wait: SyncobjWait = b.wait;
  return startWait(
    file.dev,
    label,
    (d) => {
      const s = drm_syncobj_array_wait_check(d.w, wait);
      d.w = s.w;
      wait = s.wait;
      return s.ret === undefined ? undefined : { result: s.ret, firstSignaled: s.first };
    },
    timeoutMs,
    { result: ETIME, firstSignaled: -1 },
    (d, saRestart) => {
      // drm_syncobj_array_wait_timeout: signal_pending -> -ERESTARTSYS, entries dropped. Without
      // SA_RESTART userspace gets -EINTR; with it the ioctl runs again from the top with the same
      // arguments: timeout_nsec is absolute (R79), so the deadline is unchanged, and every handle is
      // looked up and every payload captured anew (a payload replaced meanwhile is the one waited on).
      if (!saRestart) return { result: EINTR, firstSignaled: -1 };
      const again = arrayFind(file, handles);
      if (again.ret) return { result: again.ret, firstSignaled: -1 };
      const r = begin(again.objs);
      d.w = r.w;
      if (r.ret !== undefined) return { result: r.ret, firstSignaled: r.ret === 0 ? r.first : -1 };
      wait = r.wait;
      return undefined;
    },
  );
}

/** DRM_IOCTL_SYNCOBJ_WAIT (R79) in another thread: join it for {result, firstSignaled}. */
export function syncobjWaitAsync(
  file: DrmFile,
  handles: number[],
  flags: number,
  timeoutMs: number,
): Thread<SyncobjWaitResult> {
  return waitAsync(
    file,
    `DRM_IOCTL_SYNCOBJ_WAIT(${handles.join(',')})`,
    handles,
    null,
    flags,
    timeoutMs,
    WAIT_FLAGS,
    file.features.syncobj,
  );
}

/** DRM_IOCTL_SYNCOBJ_WAIT (R79): {result, firstSignaled}. */
export function syncobjWait(file: DrmFile, handles: number[], flags: number, timeoutMs: number): SyncobjWaitResult {
  return join(file.dev, syncobjWaitAsync(file, handles, flags, timeoutMs));
}

/** DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT (R84) in another thread. */
export function syncobjTimelineWaitAsync(
  file: DrmFile,
  handles: number[],
  points: number[],
  flags: number,
  timeoutMs: number,
): Thread<SyncobjWaitResult> {
  return waitAsync(
    file,
    `DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT(${handles.join(',')})`,
    handles,
    points,
    flags,
    timeoutMs,
    WAIT_FLAGS | DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE,
    file.features.timeline,
  );
}

/** DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT (R84): {result, firstSignaled}. */
export function syncobjTimelineWait(
  file: DrmFile,
  handles: number[],
  points: number[],
  flags: number,
  timeoutMs: number,
): SyncobjWaitResult {
  return join(file.dev, syncobjTimelineWaitAsync(file, handles, points, flags, timeoutMs));
}

/** The payload of a handle's syncobj ('' = NULL), for assertions. */
export function syncobjPayload(file: DrmFile, handle: number): string {
  return ctx<DrmSyncobjContext>(file.dev.w, syncobjObject(file, handle)).fence;
}
