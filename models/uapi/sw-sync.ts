/**
 * sw_sync uAPI (drivers/dma-buf/sw_sync.c, debugfs sw_sync): open a timeline, SW_SYNC_IOC_CREATE_FENCE,
 * SW_SYNC_IOC_INC; closing the timeline fd signals what is left with -ENOENT. For scripting tests:
 * only userspace advances these fences (signaller 'user').
 */
import type { Device } from './device.ts';
import { fdInstall, fdLookup, newName, update, onLastClose, EBADF, ENOTTY } from './device.ts';
import { sw_sync_timeline_create, sw_sync_pt_create, sw_sync_inc, sw_sync_release } from '../dma-buf/sw-sync-api.ts';
import { sync_file_create } from '../dma-buf/sync-file-api.ts';

onLastClose('sw_sync', sw_sync_release);

/** open("/sys/kernel/debug/sync/sw_sync"): a new timeline fd. */
export function swSyncTimelineCreate(dev: Device): number {
  const id = newName(dev, 'sw_sync');
  update(dev, sw_sync_timeline_create(dev.w, id));
  return fdInstall(dev, 'sw_sync', id);
}

function timeline(dev: Device, fd: number): { err: number; obj: string } {
  const e = fdLookup(dev, fd);
  if (!e) return { err: EBADF, obj: '' };
  return e.kind === 'sw_sync' ? { err: 0, obj: e.obj } : { err: ENOTTY, obj: '' };
}

/** SW_SYNC_IOC_CREATE_FENCE{value}: {result, fd} of a sync_file holding the pt at `value`. */
export function swSyncCreateFence(dev: Device, tlFd: number, value: number): { result: number; fd: number } {
  const t = timeline(dev, tlFd);
  if (t.err) return { result: t.err, fd: -1 };
  const pt = sw_sync_pt_create(dev.w, t.obj, value);
  const id = newName(dev, 'sync_file');
  update(dev, sync_file_create(pt.w, id, pt.fence!));
  return { result: 0, fd: fdInstall(dev, 'sync_file', id) };
}

/** SW_SYNC_IOC_INC{inc}: 0. */
export function swSyncInc(dev: Device, tlFd: number, inc: number): number {
  const t = timeline(dev, tlFd);
  if (t.err) return t.err;
  update(dev, sw_sync_inc(dev.w, t.obj, inc));
  return 0;
}
