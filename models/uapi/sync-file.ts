/**
 * sync_file uAPI (include/uapi/linux/sync_file.h) over a Device: SYNC_IOC_MERGE, SYNC_IOC_FILE_INFO,
 * poll, and libsync's sync_wait (poll with a timeout). Results are what the ioctl returns: 0 or a
 * negative errno (R66, R67, R68); an fd that is not open is -EBADF, an ioctl on an fd of another file
 * type is -ENOTTY (R68).
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
  EBADF,
  ENOTTY,
  ETIME,
  EINVAL,
} from './device.ts';
import {
  sync_file_create,
  sync_file_ioctl_merge,
  sync_file_ioctl_fence_info,
  sync_file_poll,
  sync_file_release,
  type SyncFileInfo,
} from '../dma-buf/sync-file-api.ts';
import { dma_fence_is_signaled, dma_fence_enable_sw_signaling } from '../dma-buf/dma-fence-api.ts';

export { POLLIN, POLLOUT } from '../dma-buf/sync-file-api.ts';

onLastClose('sync_file', sync_file_release);

/** The errno of an ioctl on `fd` that needs a sync_file: 0 if it is one. */
function check(dev: Device, fd: number): number {
  const e = fdLookup(dev, fd);
  if (!e) return EBADF;
  return e.kind === 'sync_file' ? 0 : ENOTTY;
}

/** Kernel-internal sync_file_create(fence) + fd_install, as a driver's out-fence path does (R64). */
export function syncFileCreate(dev: Device, fence: string): number {
  const id = newName(dev, 'sync_file');
  update(dev, sync_file_create(dev.w, id, fence));
  return fdInstall(dev, 'sync_file', id);
}

/** The fence object behind a sync_file fd (sync_file_get_fence, R64), or null. */
export function syncFileFence(dev: Device, fd: number): string | null {
  const e = fdLookup(dev, fd, 'sync_file');
  return e ? (dev.w.o[e.obj].context as { fence: string }).fence : null;
}

/** SYNC_IOC_MERGE on fd1 with fd2 (R66): {result, fd} (fd -1 on error). */
export function syncFileMerge(
  dev: Device,
  fd1: number,
  fd2: number,
  opts: { flags?: number; pad?: number } = {},
): { result: number; fd: number } {
  const c = check(dev, fd1);
  if (c) return { result: c, fd: -1 };
  const b = fdLookup(dev, fd2, 'sync_file');
  const name = newName(dev, 'sync_file');
  // fd2 that is not a sync_file: the kernel's sync_file_fdget returns NULL -> -ENOENT.
  const r = sync_file_ioctl_merge(
    dev.w,
    fdLookup(dev, fd1)!.obj,
    b ? b.obj : `<fd ${fd2}>`,
    name,
    opts.flags ?? 0,
    opts.pad ?? 0,
  );
  if (r.ret) return { result: r.ret, fd: -1 };
  update(dev, r.w);
  return { result: 0, fd: fdInstall(dev, 'sync_file', name) };
}

/** SYNC_IOC_FILE_INFO (R67): num_fences 0 asks for the count and the status only. */
export function syncFileInfo(
  dev: Device,
  fd: number,
  opts: { numFences?: number; flags?: number; pad?: number } = {},
): { result: number; info: SyncFileInfo | null } {
  const c = check(dev, fd);
  if (c) return { result: c, info: null };
  const r = sync_file_ioctl_fence_info(
    dev.w,
    fdLookup(dev, fd)!.obj,
    opts.numFences ?? 0,
    opts.flags ?? 0,
    opts.pad ?? 0,
  );
  if (r.ret) return { result: r.ret, info: null };
  update(dev, r.w);
  return { result: 0, info: r.info };
}

/** poll(fd, POLLIN, 0) on a sync_file (R65): the ready events. */
export function syncFilePoll(dev: Device, fd: number): number {
  const e = fdLookup(dev, fd, 'sync_file');
  if (!e) return EBADF;
  const r = sync_file_poll(dev.w, e.obj);
  update(dev, r.w);
  return r.revents;
}

/**
 * libsync sync_wait(fd, timeout) started in another thread: 0 once the fence signals, -ETIME at the
 * deadline (timeout 0 polls, < 0 waits forever). Like the kernel's wait it enables signaling first (R12).
 */
export function fenceWaitAsync(dev: Device, fd: number, timeoutMs: number): Thread<number> {
  const fence = syncFileFence(dev, fd);
  if (fence === null) return startWait(dev, `sync_wait(${fd})`, () => (fdLookup(dev, fd) ? EINVAL : EBADF), 0, EBADF);
  update(dev, dma_fence_enable_sw_signaling(dev.w, fence));
  return startWait(
    dev,
    `sync_wait(${fd})`,
    (d) => {
      const r = dma_fence_is_signaled(d.w, fence);
      d.w = r.w;
      return r.signaled ? 0 : undefined;
    },
    timeoutMs,
    ETIME,
  );
}

/** sync_wait(fd, timeout) in the calling thread. */
export function fenceWait(dev: Device, fd: number, timeoutMs: number): number {
  return join(dev, fenceWaitAsync(dev, fd, timeoutMs));
}
