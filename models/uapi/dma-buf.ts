/**
 * dma-buf implicit-sync uAPI (include/uapi/linux/dma-buf.h) over a Device: DMA_BUF_IOCTL_EXPORT_SYNC_FILE,
 * DMA_BUF_IOCTL_IMPORT_SYNC_FILE, poll (R126-R129). A dma-buf fd stands for a BO's reservation object.
 */
import type { Device } from './device.ts';
import { fdInstall, fdLookup, newName, update, EBADF, ENOTTY } from './device.ts';
import { spawn, has } from '../world.ts';
import { dmaResvMachine } from '../dma-buf/dma-resv.ts';
import { dma_buf_export_sync_file, dma_buf_import_sync_file, dma_buf_poll } from '../dma-buf/dma-buf.ts';

export { DMA_BUF_SYNC_READ, DMA_BUF_SYNC_WRITE, DMA_BUF_SYNC_RW } from '../dma-buf/dma-buf.ts';

/** Export BO `bo` as a dma-buf fd (its resv `<bo>.resv` is created if the world has none). */
export function dmabufExport(dev: Device, bo: string): number {
  const resv = `${bo}.resv`;
  if (!has(dev.w, resv)) update(dev, spawn(dev.w, resv, dmaResvMachine, {}));
  return fdInstall(dev, 'dma_buf', resv);
}

function buf(dev: Device, fd: number): { err: number; resv: string } {
  const e = fdLookup(dev, fd);
  if (!e) return { err: EBADF, resv: '' };
  return e.kind === 'dma_buf' ? { err: 0, resv: e.obj } : { err: ENOTTY, resv: '' };
}

/** DMA_BUF_IOCTL_EXPORT_SYNC_FILE{flags} (R126): {result, fd}. */
export function dmabufExportSyncFile(dev: Device, bufFd: number, flags: number): { result: number; fd: number } {
  const b = buf(dev, bufFd);
  if (b.err) return { result: b.err, fd: -1 };
  const name = newName(dev, 'sync_file');
  const r = dma_buf_export_sync_file(dev.w, b.resv, flags, name);
  if (r.ret) return { result: r.ret, fd: -1 };
  update(dev, r.w);
  return { result: 0, fd: fdInstall(dev, 'sync_file', name) };
}

/** DMA_BUF_IOCTL_IMPORT_SYNC_FILE{flags, fd} (R127): 0 or -errno. */
export function dmabufImportSyncFile(dev: Device, bufFd: number, flags: number, syncFd: number): number {
  const b = buf(dev, bufFd);
  if (b.err) return b.err;
  const s = fdLookup(dev, syncFd, 'sync_file');
  const r = dma_buf_import_sync_file(dev.w, b.resv, flags, s ? s.obj : `<fd ${syncFd}>`);
  if (r.ret) return r.ret;
  update(dev, r.w);
  return 0;
}

/** poll(dmabuf, events, 0) (R129): the ready events. */
export function dmabufPoll(dev: Device, bufFd: number, events: number): number {
  const b = buf(dev, bufFd);
  if (b.err) return b.err;
  const r = dma_buf_poll(dev.w, b.resv, events);
  update(dev, r.w);
  return r.revents;
}
