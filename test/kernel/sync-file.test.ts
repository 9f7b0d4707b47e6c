/**
 * §1.8 sync_file (R64-R69), §1.14 dma-buf implicit-sync uAPI (R126-R129), sw_sync, and the uAPI
 * device's threads and timeouts, written as IGT-style scenarios over models/uapi.
 * Not modelled, and why: -ENOMEM and -EFAULT (allocation and copy_from_user never fail in the model);
 * SYNC_IOC_SET_DEADLINE (R68, R35: deadlines never change fence state, R32); R130 DMA_BUF_IOCTL_SYNC
 * (cache coherency only, no fences).
 */
import { describe, expect, test } from 'vitest';
import * as u from '../../models/uapi/index.ts';
import { ctx, stateOf } from '../../models/world.ts';
import { ETIME, ENOENT, EINVAL } from '../../models/dma-buf/dma-fence.ts';
import finiteTime from '../../properties/finite-time.ts';

function twoTimelines() {
  const dev = u.openDevice();
  const t1 = u.swSyncTimelineCreate(dev);
  const t2 = u.swSyncTimelineCreate(dev);
  return { dev, t1, t2 };
}

describe('sync_file (R64-R69)', () => {
  test('R64: a sync_file holds one fence that never changes, whatever later happens to other files', () => {
    const { dev, t1 } = twoTimelines();
    const a = u.swSyncCreateFence(dev, t1, 1);
    const f = u.syncFileFence(dev, a.fd);
    u.syncFileMerge(dev, a.fd, u.swSyncCreateFence(dev, t1, 2).fd);
    u.swSyncInc(dev, t1, 2);
    expect(u.syncFileFence(dev, a.fd)).toBe(f);
    expect(u.syncFileFence(dev, t1)).toBeNull();
  });

  test('R65: poll reports EPOLLIN iff the fence is signaled, and installs one callback on the first poll', () => {
    const { dev, t1 } = twoTimelines();
    const a = u.swSyncCreateFence(dev, t1, 1);
    expect(u.syncFilePoll(dev, a.fd)).toBe(0);
    expect(u.syncFilePoll(dev, a.fd)).toBe(0);
    const fence = u.syncFileFence(dev, a.fd)!;
    expect(ctx<any>(dev.w, fence).cbs).toHaveLength(1);
    u.swSyncInc(dev, t1, 1);
    expect(u.syncFilePoll(dev, a.fd)).toBe(u.POLLIN);
    expect(ctx<any>(dev.w, u.fdLookup(dev, a.fd)!.obj).woken).toBe(true);
  });

  test('R66: SYNC_IOC_MERGE checks flags/pad (-EINVAL) before fd2 (-ENOENT); fd1 of another type is -ENOTTY', () => {
    const { dev, t1 } = twoTimelines();
    const a = u.swSyncCreateFence(dev, t1, 1);
    expect(u.syncFileMerge(dev, a.fd, 999, { flags: 1 }).result).toBe(EINVAL);
    expect(u.syncFileMerge(dev, a.fd, a.fd, { pad: 1 }).result).toBe(EINVAL);
    expect(u.syncFileMerge(dev, a.fd, 999).result).toBe(ENOENT);
    expect(u.syncFileMerge(dev, a.fd, t1).result).toBe(ENOENT);
    expect(u.syncFileMerge(dev, t1, a.fd).result).toBe(u.ENOTTY);
    expect(u.syncFileMerge(dev, 999, a.fd).result).toBe(u.EBADF);
  });

  test(
    'R66: the merged file holds dma_fence_unwrap_merge(a, b) and signals when both have; a and b are ' + 'unchanged',
    () => {
      const { dev, t1, t2 } = twoTimelines();
      const a = u.swSyncCreateFence(dev, t1, 1);
      const b = u.swSyncCreateFence(dev, t2, 1);
      const fa = u.syncFileFence(dev, a.fd),
        fb = u.syncFileFence(dev, b.fd);
      const m = u.syncFileMerge(dev, a.fd, b.fd);
      expect(m.result).toBe(0);
      expect(u.syncFileInfo(dev, m.fd).info!.numFences).toBe(2);
      u.swSyncInc(dev, t1, 1);
      expect(u.fenceWait(dev, m.fd, 0)).toBe(ETIME);
      u.swSyncInc(dev, t2, 1);
      expect(u.fenceWait(dev, m.fd, 0)).toBe(0);
      expect([u.syncFileFence(dev, a.fd), u.syncFileFence(dev, b.fd)]).toEqual([fa, fb]);
    },
  );

  test(
    'R67: FILE_INFO: flags/pad -> -EINVAL; num_fences 0 -> count and get_status; too small -> -EINVAL; else ' +
      'per-leaf, first status <= 0 wins',
    () => {
      const { dev, t1, t2 } = twoTimelines();
      const a = u.swSyncCreateFence(dev, t1, 1);
      const b = u.swSyncCreateFence(dev, t2, 1);
      const m = u.syncFileMerge(dev, a.fd, b.fd);
      expect(u.syncFileInfo(dev, m.fd, { flags: 1 }).result).toBe(EINVAL);
      expect(u.syncFileInfo(dev, m.fd, { pad: 2 }).result).toBe(EINVAL);
      expect(u.syncFileInfo(dev, m.fd).info).toMatchObject({ numFences: 2, status: 0 });
      expect(u.syncFileInfo(dev, m.fd, { numFences: 1 }).result).toBe(EINVAL);
      u.swSyncInc(dev, t2, 1);
      const i = u.syncFileInfo(dev, m.fd, { numFences: 2 }).info!;
      expect([i.status, i.fences.map((f) => f.status)]).toEqual([0, [0, 1]]);
      u.close(dev, t1); // pending pts of t1 signal with -ENOENT
      const j = u.syncFileInfo(dev, m.fd, { numFences: 2 }).info!;
      expect([j.status, j.fences.map((f) => f.status)]).toEqual([ENOENT, [ENOENT, 1]]);
    },
  );

  test('R68: an ioctl on an fd that is not a sync_file is -ENOTTY', () => {
    const { dev, t1 } = twoTimelines();
    expect(u.syncFileInfo(dev, t1).result).toBe(u.ENOTTY);
  });

  test(
    'R69: a signaled sync_file stays signaled; a sync_file of a fence only userspace can signal is flagged by ' +
      'finite-time (R30)',
    () => {
      const { dev, t1 } = twoTimelines();
      const a = u.swSyncCreateFence(dev, t1, 1);
      const msg = finiteTime.drain!(dev.w, { settled: dev.w, steps: 0, labels: [], bound: 1 }, {});
      expect(msg).toMatch(/only userspace can signal it/);
      u.swSyncInc(dev, t1, 1);
      u.swSyncInc(dev, t1, 5);
      u.close(dev, t1);
      expect(u.fenceWait(dev, a.fd, 0)).toBe(0);
      expect(u.syncFileInfo(dev, a.fd).info!.status).toBe(1);
    },
  );
});

describe('sw_sync (sw_sync.c) and uAPI threads', () => {
  test(
    'sw_sync: SW_SYNC_IOC_INC signals every pt with seqno <= value, in order; a pt at or below the value is born ' +
      'signaled',
    () => {
      const { dev, t1 } = twoTimelines();
      const p3 = u.swSyncCreateFence(dev, t1, 3),
        p1 = u.swSyncCreateFence(dev, t1, 1),
        p5 = u.swSyncCreateFence(dev, t1, 5);
      u.swSyncInc(dev, t1, 3);
      expect([p1, p3, p5].map((p) => u.fenceWait(dev, p.fd, 0))).toEqual([0, 0, ETIME]);
      expect(u.fenceWait(dev, u.swSyncCreateFence(dev, t1, 2).fd, 0)).toBe(0);
      expect(u.syncFileFence(dev, u.swSyncCreateFence(dev, t1, 5).fd)).toBe(u.syncFileFence(dev, p5.fd));
    },
  );

  test('sw_sync: closing the timeline signals the remaining pts with -ENOENT', () => {
    const { dev, t1 } = twoTimelines();
    const p = u.swSyncCreateFence(dev, t1, 1);
    expect(u.close(dev, t1)).toBe(0);
    expect(u.syncFileInfo(dev, p.fd).info!.status).toBe(ENOENT);
    expect(u.close(dev, t1)).toBe(u.EBADF);
  });

  test(
    'device: a wait in another thread sees steps done before its deadline; a finite wait with nothing to wake it ' +
      'returns -ETIME at the deadline',
    () => {
      const { dev, t1 } = twoTimelines();
      const a = u.swSyncCreateFence(dev, t1, 1);
      const th = u.fenceWaitAsync(dev, a.fd, 100);
      expect(th.state).toBe('blocked');
      u.advance(dev, 40);
      u.swSyncInc(dev, t1, 1);
      expect(u.join(dev, th)).toBe(0);
      expect(th.doneAt).toBe(40);
      const b = u.swSyncCreateFence(dev, t1, 2);
      u.at(dev, dev.now + 100, (d) => u.swSyncInc(d, t1, 1));
      expect(u.fenceWait(dev, b.fd, 100)).toBe(ETIME); // the inc comes exactly at the deadline: too late
      expect(u.fenceWait(dev, b.fd, -1)).toBe(0);
      expect(stateOf(dev.w, u.syncFileFence(dev, b.fd)!)).toBe('signaled');
    },
  );
});

describe('dma-buf implicit-sync uAPI (R126-R129)', () => {
  function buf() {
    const dev = u.openDevice();
    const tl = u.swSyncTimelineCreate(dev);
    const bo = u.dmabufExport(dev, 'bo0');
    return { dev, tl, bo };
  }
  const { DMA_BUF_SYNC_READ: RD, DMA_BUF_SYNC_WRITE: WR, DMA_BUF_SYNC_RW: RW } = u;

  test(
    'R126: EXPORT_SYNC_FILE rejects flags outside RW and flags without RW (-EINVAL); an idle buffer exports the ' +
      'signaled stub',
    () => {
      const { dev, bo } = buf();
      expect(u.dmabufExportSyncFile(dev, bo, 0).result).toBe(EINVAL);
      expect(u.dmabufExportSyncFile(dev, bo, 4 | RD).result).toBe(EINVAL);
      const x = u.dmabufExportSyncFile(dev, bo, RW);
      expect(x.result).toBe(0);
      expect(u.syncFileFence(dev, x.fd)).toBe('dma_fence_stub');
      expect(u.fenceWait(dev, x.fd, 0)).toBe(0);
    },
  );

  test('R126/R127: READ export waits for the writers only; WRITE export waits for readers and writers', () => {
    const { dev, tl, bo } = buf();
    const w1 = u.swSyncCreateFence(dev, tl, 1),
      r2 = u.swSyncCreateFence(dev, tl, 2);
    expect(u.dmabufImportSyncFile(dev, bo, WR, w1.fd)).toBe(0);
    expect(u.dmabufImportSyncFile(dev, bo, RD, r2.fd)).toBe(0);
    const forRead = u.dmabufExportSyncFile(dev, bo, RD);
    const forWrite = u.dmabufExportSyncFile(dev, bo, WR);
    expect(u.syncFileFence(dev, forRead.fd)).toBe(u.syncFileFence(dev, w1.fd));
    expect(u.syncFileInfo(dev, forWrite.fd).info!.numFences).toBe(2);
    u.swSyncInc(dev, tl, 1);
    expect([u.fenceWait(dev, forRead.fd, 0), u.fenceWait(dev, forWrite.fd, 0)]).toEqual([0, ETIME]);
  });

  test('R126/I17: an exported sync_file is a snapshot: fences added later do not reach it', () => {
    const { dev, tl, bo } = buf();
    const x = u.dmabufExportSyncFile(dev, bo, WR);
    const f = u.syncFileFence(dev, x.fd);
    expect(u.dmabufImportSyncFile(dev, bo, WR, u.swSyncCreateFence(dev, tl, 1).fd)).toBe(0);
    expect(u.syncFileFence(dev, x.fd)).toBe(f);
    expect(u.fenceWait(dev, x.fd, 0)).toBe(0);
    expect(u.fenceWait(dev, u.dmabufExportSyncFile(dev, bo, WR).fd, 0)).toBe(ETIME);
  });

  test(
    'R127: IMPORT_SYNC_FILE checks flags before the fd (-EINVAL for both); it unwraps the fence and adds every ' +
      'leaf as WRITE or READ',
    () => {
      const { dev, tl, bo } = buf();
      const t2 = u.swSyncTimelineCreate(dev);
      expect(u.dmabufImportSyncFile(dev, bo, 0, 999)).toBe(EINVAL);
      expect(u.dmabufImportSyncFile(dev, bo, RD, tl)).toBe(EINVAL);
      const m = u.syncFileMerge(dev, u.swSyncCreateFence(dev, tl, 1).fd, u.swSyncCreateFence(dev, t2, 1).fd);
      expect(u.dmabufImportSyncFile(dev, bo, WR, m.fd)).toBe(0);
      const entries = ctx<any>(dev.w, 'bo0.resv').fences.map((e: any) => [e.fence, e.usage]);
      expect(entries).toEqual([
        ['sw_sync0.pt0', 'WRITE'],
        ['sw_sync1.pt0', 'WRITE'],
      ]);
    },
  );

  test('R128: export -> another context writes -> import is not atomic: the early export misses the write', () => {
    const { dev, tl, bo } = buf();
    const early = u.dmabufExportSyncFile(dev, bo, WR);
    const other = u.swSyncCreateFence(dev, tl, 1);
    u.dmabufImportSyncFile(dev, bo, WR, other.fd); // another context's write lands in between
    expect(u.fenceWait(dev, early.fd, 0)).toBe(0); // the early snapshot says "go" while the write runs
    expect(u.dmabufPoll(dev, bo, u.POLLOUT)).toBe(0);
  });

  test('R129: dma-buf poll: EPOLLIN once the writers are done, EPOLLOUT once readers and writers are', () => {
    const { dev, tl, bo } = buf();
    u.dmabufImportSyncFile(dev, bo, WR, u.swSyncCreateFence(dev, tl, 1).fd);
    u.dmabufImportSyncFile(dev, bo, RD, u.swSyncCreateFence(dev, tl, 2).fd);
    expect(u.dmabufPoll(dev, bo, u.POLLIN | u.POLLOUT)).toBe(0);
    u.swSyncInc(dev, tl, 1);
    expect(u.dmabufPoll(dev, bo, u.POLLIN | u.POLLOUT)).toBe(u.POLLIN);
    u.swSyncInc(dev, tl, 1);
    expect(u.dmabufPoll(dev, bo, u.POLLIN | u.POLLOUT)).toBe(u.POLLIN | u.POLLOUT);
  });
});
