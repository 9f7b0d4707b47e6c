/**
 * sync_file rules that no other test pinned down, found by StrykerJS (stryker.config.mjs) on
 * models/dma-buf/sync-file.ts and models/dma-buf/sync-file-api.ts: each test states the kernel behaviour
 * with its rule id (kernel-sync-semantics.md §1.8; drivers/dma-buf/sync_file.c).
 */
import { describe, expect, test } from 'vitest';
import * as u from '../../models/uapi/index.ts';
import { ctx, emptyWorld, hasTag, kindOf, send, spawn, stateOf, type World } from '../../models/world.ts';
import { dmaFenceMachine, EINVAL, ENOENT, type DmaFenceContext } from '../../models/dma-buf/dma-fence.ts';
import { syncFileMachine, type SyncFileContext } from '../../models/dma-buf/sync-file.ts';
import * as S from '../../models/dma-buf/sync-file-api.ts';
import * as F from '../../models/dma-buf/dma-fence-api.ts';
import { coverTransitions } from '../helpers/coverage.ts';

/** Every transition's description, as "state EVENT: text" (docs/model.md's rule map reads them). */
function descriptions(m: ReturnType<typeof syncFileMachine>): string[] {
  const out: string[] = [];
  for (const [name, node] of Object.entries(m.root.states))
    for (const [ev, ts] of node.transitions) for (const t of ts) out.push(`${name} ${ev}: ${t.description ?? ''}`);
  return out.sort();
}

function fileOn(fence = 'f', signaled = false): World {
  let w = spawn(emptyWorld, fence, dmaFenceMachine, { context: 1, seqno: 1 });
  if (signaled) w = F.dma_fence_signal(w, fence).w;
  return S.sync_file_create(w, 'sf', fence);
}

describe('sync_file machine (R64, R65)', () => {
  // The machine is built once per test file, by the first test that spawns a file (models/dma-buf/sync-file.ts):
  // StrykerJS counts only that test as reaching the machine's config, so it checks all of the config.
  test('the machine as a whole: kind, transitions and the rules they cite, guards, what each assigns, release', () => {
    expect(descriptions(syncFileMachine())).toEqual([
      'open SYNC_FILE_FENCE_CB: R65: fence_check_cb_func wakes the pollers',
      'open SYNC_FILE_POLL_ENABLE: R65: the first poll installs one callback',
      'open SYNC_FILE_RELEASE: R64: the last fd closed; the fence reference is dropped',
      // released: no transitions
    ]);
    expect(syncFileMachine()).toBe(syncFileMachine()); // one machine object for every file
    let w = fileOn();
    expect([kindOf(w, 'sf'), stateOf(w, 'sf')]).toEqual(['sync_file', 'open']);
    expect(ctx<SyncFileContext>(w, 'sf')).toEqual({ fence: 'f', pollEnabled: false, woken: false });
    expect(send(w, 'sf', { type: 'SYNC_FILE_FENCE_CB' })).toBeNull(); // no callback before the first poll
    w = send(w, 'sf', { type: 'SYNC_FILE_POLL_ENABLE' })!;
    expect(ctx<SyncFileContext>(w, 'sf')).toEqual({ fence: 'f', pollEnabled: true, woken: false });
    expect(send(w, 'sf', { type: 'SYNC_FILE_POLL_ENABLE' })).toBeNull(); // R65: POLL_ENABLED is set once
    w = send(w, 'sf', { type: 'SYNC_FILE_FENCE_CB' })!;
    expect(ctx<SyncFileContext>(w, 'sf')).toEqual({ fence: 'f', pollEnabled: true, woken: true });
    expect(send(w, 'sf', { type: 'SYNC_FILE_FENCE_CB' })).toBeNull(); // the fence signals once (R4)
    w = S.sync_file_release(w, 'sf');
    expect([stateOf(w, 'sf'), hasTag(w, 'sf', 'released'), S.sync_file_get_fence(w, 'sf')]).toEqual([
      'released',
      true,
      null,
    ]);
    for (const type of ['SYNC_FILE_POLL_ENABLE', 'SYNC_FILE_FENCE_CB', 'SYNC_FILE_RELEASE'] as const)
      expect(send(w, 'sf', { type })).toBeNull();
  });

  test('poll constants are the uapi ones (include/uapi/asm-generic/poll.h)', () => {
    expect([u.POLLIN, u.POLLOUT]).toEqual([0x1, 0x4]);
  });

  test('the kind is sync_file: sync_file_get_fence finds the fence of an open file only (R64)', () => {
    const w = fileOn();
    expect([kindOf(w, 'sf'), stateOf(w, 'sf')]).toEqual(['sync_file', 'open']);
    expect(ctx<SyncFileContext>(w, 'sf')).toEqual({ fence: 'f', pollEnabled: false, woken: false });
    expect(S.sync_file_get_fence(w, 'sf')).toBe('f');
    expect(S.sync_file_get_fence(w, 'f')).toBeNull(); // a fence is no sync_file
    // the last fput drops the file: it is released, holds nothing a lookup can reach (sync_file_release)
    const r = S.sync_file_release(w, 'sf');
    expect([stateOf(r, 'sf'), hasTag(r, 'sf', 'released'), S.sync_file_get_fence(r, 'sf')]).toEqual([
      'released',
      true,
      null,
    ]);
    expect(send(r, 'sf', { type: 'SYNC_FILE_POLL_ENABLE' })).toBeNull();
  });

  test('R64: creating the file publishes its fence (R26: another process can now reach it)', () => {
    const w = fileOn();
    expect(ctx<DmaFenceContext>(w, 'f').published).toBe(true);
  });

  test('R65: in every reachable state, woken implies POLL_ENABLED, and a file wakes at most once', () => {
    // fence_check_cb_func runs only from the callback the first poll installed.
    const seen: SyncFileContext[] = [];
    const r = coverTransitions(
      syncFileMachine(),
      (s) => {
        seen.push(s.context as SyncFileContext);
        return [{ type: 'SYNC_FILE_POLL_ENABLE' }, { type: 'SYNC_FILE_FENCE_CB' }, { type: 'SYNC_FILE_RELEASE' }];
      },
      { input: { fence: 'f' } },
    );
    expect(r.uncovered).toEqual([]);
    expect(seen.length).toBeGreaterThan(3);
    for (const c of seen) if (c.woken) expect(c.pollEnabled).toBe(true);
    let w = fileOn();
    expect(send(w, 'sf', { type: 'SYNC_FILE_FENCE_CB' })).toBeNull(); // no callback before the first poll
    w = send(w, 'sf', { type: 'SYNC_FILE_POLL_ENABLE' })!;
    w = send(w, 'sf', { type: 'SYNC_FILE_FENCE_CB' })!;
    expect(ctx<SyncFileContext>(w, 'sf').woken).toBe(true);
    expect(send(w, 'sf', { type: 'SYNC_FILE_FENCE_CB' })).toBeNull(); // the fence signals once (R4)
  });

  test(
    'R65: the first poll of an unsignaled file installs one ' + 'callback, the fence wakes it, later polls add none',
    () => {
      let w = fileOn();
      let p = S.sync_file_poll(w, 'sf');
      expect(p.revents).toBe(0);
      w = S.sync_file_poll(p.w, 'sf').w;
      expect(ctx<DmaFenceContext>(w, 'f').cbs).toEqual([{ to: 'sf', ev: { type: 'SYNC_FILE_FENCE_CB' } }]);
      expect(ctx<SyncFileContext>(w, 'sf')).toMatchObject({ pollEnabled: true, woken: false });
      w = F.dma_fence_signal(w, 'f').w;
      expect(ctx<SyncFileContext>(w, 'sf').woken).toBe(true);
      p = S.sync_file_poll(w, 'sf');
      expect(p.revents).toBe(S.POLLIN);
      // polling a file whose fence already signaled: EPOLLIN at once, the callback is refused (R10)
      const s = S.sync_file_poll(fileOn('g', true), 'sf');
      expect([s.revents, ctx<SyncFileContext>(s.w, 'sf').woken]).toEqual([S.POLLIN, false]);
    },
  );
});

describe('sync_file ioctls (R66, R67)', () => {
  function two() {
    const dev = u.openDevice();
    const t1 = u.swSyncTimelineCreate(dev);
    const t2 = u.swSyncTimelineCreate(dev);
    return { dev, t1, t2, a: u.swSyncCreateFence(dev, t1, 1).fd, b: u.swSyncCreateFence(dev, t2, 1).fd };
  }

  test('R66: a merge returns the new file, named as asked, holding a new merged fence; pad alone is -EINVAL', () => {
    let w = spawn(emptyWorld, 'x', dmaFenceMachine, { context: 1, seqno: 1 });
    w = spawn(w, 'y', dmaFenceMachine, { context: 2, seqno: 1 });
    w = S.sync_file_create(S.sync_file_create(w, 'A', 'x'), 'B', 'y');
    expect(S.sync_file_ioctl_merge(w, 'A', 'B', 'M', 0, 1)).toMatchObject({ ret: EINVAL, file: null });
    const m = S.sync_file_ioctl_merge(w, 'A', 'B', 'M');
    expect([m.ret, m.file, S.sync_file_get_fence(m.w, 'M')]).toEqual([0, 'M', 'M.fence']);
    expect(ctx<DmaFenceContext>(m.w, 'M.fence').published).toBe(true);
  });

  test('R67: num_fences 0 returns the count and dma_fence_get_status of the whole fence; too few is -EINVAL', () => {
    const { dev, t1, t2, a, b } = two();
    const m = u.syncFileMerge(dev, a, b).fd;
    expect(u.syncFileInfo(dev, m, { numFences: 3 }).info!.numFences).toBe(2); // room for more is fine
    u.swSyncInc(dev, t1, 1);
    u.swSyncInc(dev, t2, 1);
    expect(u.syncFileInfo(dev, m).info).toEqual({ numFences: 2, status: 1, fences: [] });
    const i = u.syncFileInfo(dev, m, { numFences: 2 }).info!;
    expect([i.status, i.fences.map((f) => f.status)]).toEqual([1, [1, 1]]);
    expect(i.fences.map((f) => typeof f.fence)).toEqual(['string', 'string']);
  });

  test('R67: the aggregate status is the first leaf status <= 0; a later leaf does not override it', () => {
    const { dev, t1, t2, a, b } = two();
    const m = u.syncFileMerge(dev, a, b).fd;
    u.close(dev, t2); // leaf 2 signals with -ENOENT
    const i = u.syncFileInfo(dev, m, { numFences: 2 }).info!;
    expect([i.status, i.fences.map((f) => f.status)]).toEqual([0, [0, ENOENT]]);
    u.close(dev, t1);
    const j = u.syncFileInfo(dev, m, { numFences: 2 }).info!;
    expect([j.status, j.fences.map((f) => f.status)]).toEqual([-2, [-2, -2]]);
  });
});
