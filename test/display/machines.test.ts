/**
 * Unit tests of the display and io_uring machines, one `describe` per machine, citing the rules, and
 * @xstate/graph coverage of every transition (test/helpers/coverage.ts).
 */
import { describe, expect, test } from 'vitest';
import { coverTransitions } from '../helpers/coverage.ts';
import { emptyWorld, spawn, send, must, ctx, stateOf, hasTag, can } from '../../models/world.ts';
import { dmaFenceMachine, isSignaled } from '../../models/dma-buf/dma-fence.ts';
import { dmaResvMachine } from '../../models/dma-buf/dma-resv.ts';
import { drmCrtcMachine, type DrmCrtcContext } from '../../models/display/drm-crtc.ts';
import { compositorMachine, type CompositorContext, type SurfaceCommit } from '../../models/display/compositor.ts';
import { presentClientMachine, type PresentClientContext } from '../../models/display/present-client.ts';
import {
  wpLinuxDrmSyncobjSurfaceMachine,
  type WpLinuxDrmSyncobjSurfaceContext,
} from '../../models/display/wp-linux-drm-syncobj-surface.ts';
import { xshmfenceMachine } from '../../models/display/xshmfence.ts';
import { ioUringMachine, type IoUringContext } from '../../models/io-uring/io-uring.ts';
import { drm_mode_atomic_ioctl, drm_gem_plane_helper_prepare_fb } from '../../models/display/drm-atomic.ts';
import { dma_resv_add_fence_locked } from '../../models/drm-sched/implicit-sync.ts';
import { syncobj_point_signaled, acquireState, availableEventfd } from '../../models/display/present-view.ts';
import { syncobj_timeline_signal } from '../../models/display/sync-syncobj.ts';
import {
  drm_syncobj_create,
  drm_syncobj_add_point,
  drm_syncobj_point_materialized,
} from '../../models/drm-syncobj/drm-syncobj-api.ts';
import type { DrmSyncobjContext } from '../../models/drm-syncobj/drm-syncobj.ts';
import type { SyncFileContext } from '../../models/dma-buf/sync-file.ts';
import type { EventfdContext } from '../../models/drm-syncobj/eventfd.ts';
import { walk } from './helpers.ts';
import late from '../../models/designs/present-late-binding.ts';

const commit = (client: string, frame: number, buf = `${client}.buf${frame % 2}`): SurfaceCommit => ({
  client,
  buf,
  frame,
  acquire: `a${frame}`,
  release: `r${frame}`,
});

describe('drm_crtc (R131-R135)', () => {
  const base = () => {
    let w = spawn(emptyWorld, 'crtc0', drmCrtcMachine, { planes: ['plane0'] });
    w = spawn(w, 'in', dmaFenceMachine, { owner: 'client0.j0' });
    return w;
  };
  test(
    'R133: a commit whose in-fence is unsignalled misses the vblank and flips at the next one after the ' + 'signal',
    () => {
      let w = base();
      const r = drm_mode_atomic_ioctl(w, {
        crtc: 'crtc0',
        planes: [{ plane: 'plane0', fb: 'fb0', inFence: 'in' }],
        outFence: true,
      });
      expect(r.ret).toBe(0);
      w = must(r.w, 'crtc0', { type: 'DRM_CRTC_HANDLE_VBLANK' });
      expect(ctx<DrmCrtcContext>(w, 'crtc0').planes.plane0).toBe('');
      expect(isSignaled(w, r.outFence!)).toBe(false);
      w = must(w, 'in', { type: 'DMA_FENCE_SIGNAL' });
      w = must(w, 'crtc0', { type: 'DRM_CRTC_HANDLE_VBLANK' });
      expect(ctx<DrmCrtcContext>(w, 'crtc0').planes.plane0).toBe('fb0');
      expect(isSignaled(w, r.outFence!)).toBe(true); // R134: signalled at the flip
    },
  );
  test('R134: TEST_ONLY and failed commits write fd -1 and create no fence; a second pending commit is -EBUSY', () => {
    const w = base();
    const t = drm_mode_atomic_ioctl(w, {
      crtc: 'crtc0',
      planes: [{ plane: 'plane0', fb: 'fb0' }],
      outFence: true,
      testOnly: true,
    });
    expect([t.ret, t.outFence, t.w]).toEqual([0, null, w]);
    const bad = drm_mode_atomic_ioctl(w, {
      crtc: 'crtc0',
      planes: [{ plane: 'plane0', fb: 'fb0', inFence: 'not-a-sync-file' }],
      outFence: true,
    });
    expect([bad.ret, bad.outFence]).toEqual([-22, null]); // R131
    const twice = drm_mode_atomic_ioctl(w, {
      crtc: 'crtc0',
      planes: [
        { plane: 'plane0', fb: 'fb0', inFence: 'in' },
        { plane: 'plane0', fb: 'fb1', inFence: 'in' },
      ],
      outFence: true,
    });
    expect(twice.ret).toBe(-22); // R131: IN_FENCE_FD once per plane state
    const one = drm_mode_atomic_ioctl(w, { crtc: 'crtc0', planes: [{ plane: 'plane0', fb: 'fb0' }], outFence: true });
    const busy = drm_mode_atomic_ioctl(one.w, {
      crtc: 'crtc0',
      planes: [{ plane: 'plane0', fb: 'fb1' }],
      outFence: true,
    });
    expect([busy.ret, busy.outFence, busy.w]).toEqual([-16, null, one.w]);
  });
  test('R132: an explicit in-fence overrules WRITE fences, but KERNEL fences are always honoured', () => {
    let w = spawn(emptyWorld, 'fb0.resv', dmaResvMachine, {});
    w = spawn(w, 'write', dmaFenceMachine, { context: 1, seqno: 1 });
    w = spawn(w, 'move', dmaFenceMachine, { context: 2, seqno: 1 });
    w = spawn(w, 'in', dmaFenceMachine, { context: 3, seqno: 1 });
    w = dma_resv_add_fence_locked(w, 'fb0', 'write', 'WRITE', 't');
    w = dma_resv_add_fence_locked(w, 'fb0', 'move', 'KERNEL', 't');
    expect(drm_gem_plane_helper_prepare_fb(w, 'fb0', 'in').sort()).toEqual(['in', 'move']);
    expect(drm_gem_plane_helper_prepare_fb(w, 'fb0', '').sort()).toEqual(['move', 'write']);
  });
  test('drm_fb_release turns off planes only when no flip is pending', () => {
    let w = base();
    w = drm_mode_atomic_ioctl(w, { crtc: 'crtc0', planes: [{ plane: 'plane0', fb: 'fb0' }] }).w;
    expect(can(w, 'crtc0', { type: 'DRM_FB_RELEASE', fbs: ['fb0'] })).toBe(false);
    w = must(w, 'crtc0', { type: 'DRM_CRTC_HANDLE_VBLANK' });
    w = must(w, 'crtc0', { type: 'DRM_FB_RELEASE', fbs: ['fb0'] });
    expect(ctx<DrmCrtcContext>(w, 'crtc0').planes.plane0).toBe('');
  });
  test('coverage', () => {
    const r = coverTransitions(drmCrtcMachine, (s) => {
      const evs = [
        ...(s.context.commitSeq < 2
          ? [
              {
                type: 'DRM_MODE_ATOMIC_COMMIT',
                planes: { plane0: 'fb0' },
                waiting: s.context.commitSeq ? [] : ['f'],
                outFence: 'o',
                event: 'c',
              },
            ]
          : []),
        { type: 'DRM_ATOMIC_FENCE_SIGNALED', fence: 'f' },
        ...(s.context.vblanks < 3 ? [{ type: 'DRM_CRTC_HANDLE_VBLANK' }] : []),
        { type: 'DRM_FB_RELEASE', fbs: ['fb0'] },
      ];
      return evs;
    });
    expect(r.uncovered).toEqual([]);
  });
});

describe('compositor (seed 000; R137, R139)', () => {
  test(
    'late binding: LATCH takes n commits, shows the last, releases the skipped ones; flip-done releases the ' +
      'replaced one',
    () => {
      let w = spawn(emptyWorld, 'comp', compositorMachine, {});
      for (const k of [0, 1, 2]) w = must(w, 'comp', { type: 'WL_SURFACE_COMMIT', commit: commit('c', k) });
      w = must(w, 'comp', { type: 'COMPOSITOR_PAINT_NOW', frame: 1 });
      w = must(w, 'comp', { type: 'COMPOSITOR_LATCH', client: 'c', n: 2, use: true });
      let c = ctx<CompositorContext>(w, 'comp');
      expect(c.latched.c.frame).toBe(1);
      expect(c.toRelease.map((s) => s.frame)).toEqual([0]);
      expect(c.queue.c.map((s) => s.frame)).toEqual([2]);
      w = must(w, 'comp', { type: 'COMPOSITOR_RELEASED' });
      w = must(w, 'comp', { type: 'COMPOSITOR_COMMITTED' });
      w = must(w, 'comp', { type: 'DRM_EVENT_FLIP_COMPLETE', seq: 1 });
      c = ctx<CompositorContext>(w, 'comp');
      expect([stateOf(w, 'comp'), c.onScreen.c.frame, c.toRelease.length]).toEqual(['idle', 1, 0]);
    },
  );
  test("a stall is recorded as the frame's wait (compositor-never-stalls reads it)", () => {
    let w = spawn(emptyWorld, 'comp', compositorMachine, {});
    w = must(w, 'comp', { type: 'COMPOSITOR_PAINT_NOW', frame: 3 });
    w = must(w, 'comp', { type: 'COMPOSITOR_STALL', client: 'c', on: 'f' });
    expect(hasTag(w, 'comp', 'blocked')).toBe(true);
    expect(ctx<CompositorContext>(w, 'comp').waited).toEqual({ client: 'c', on: 'f', frame: 3 });
    w = must(w, 'comp', { type: 'COMPOSITOR_WAIT_DONE' });
    expect(ctx<CompositorContext>(w, 'comp').stall).toBe(null);
  });
  test('coverage', () => {
    const held = (c: CompositorContext) =>
      (c.queue.c?.length ?? 0) + Object.keys(c.latched).length + Object.keys(c.onScreen).length + c.toRelease.length;
    const r = coverTransitions(
      compositorMachine,
      (s) => {
        const evs = [
          ...(held(s.context) < 2
            ? [
                { type: 'WL_SURFACE_COMMIT', commit: commit('c', 0) },
                { type: 'PRESENT_PIXMAP', commit: commit('c', 1) },
              ]
            : []),
          { type: 'COMPOSITOR_PAINT_NOW', frame: 1 },
          { type: 'COMPOSITOR_LATCH', client: 'c', n: 1, use: true },
          { type: 'COMPOSITOR_STALL', client: 'c', on: 'f' },
          { type: 'COMPOSITOR_WAIT_DONE' },
          { type: 'COMPOSITOR_COMMITTED' },
          { type: 'COMPOSITOR_NOTHING_NEW' },
          { type: 'DRM_EVENT_FLIP_COMPLETE', seq: 1 },
          { type: 'COMPOSITOR_RELEASED' },
          { type: 'COMPOSITOR_CRASH' },
        ];
        return evs;
      },
      { limit: 5000 },
    );
    expect(r.uncovered).toEqual([]);
  });
});

describe('present_client (R139, R145)', () => {
  test('R145: without wbs the render must come first; with wbs the present may', () => {
    const plain = spawn(emptyWorld, 'c', presentClientMachine, { frames: 1, buffers: 2, wbs: false });
    expect(send(plain, 'c', { type: 'CLIENT_PRESENT', buf: 0 })).toBe(null);
    const wbs = spawn(emptyWorld, 'c', presentClientMachine, { frames: 1, buffers: 2, wbs: true });
    let w = must(wbs, 'c', { type: 'CLIENT_PRESENT', buf: 1 });
    // the frame in progress is in buffer 1
    expect(send(w, 'c', { type: 'CLIENT_RENDER', buf: 0, vblank: 0 })).toBe(null);
    w = must(w, 'c', { type: 'CLIENT_RENDER', buf: 1, vblank: 2 });
    const c = ctx<PresentClientContext>(w, 'c');
    expect([c.next, c.cur, c.lastFrame, c.renderedAt]).toEqual([1, null, [-1, 0], [2]]);
  });
  test('coverage', () => {
    const r = coverTransitions(
      presentClientMachine,
      () => {
        const evs = [
          { type: 'CLIENT_RENDER', buf: 0, vblank: 0 },
          { type: 'CLIENT_PRESENT', buf: 0 },
          { type: 'CLIENT_FRAME_SHOWN', frame: 0, vblank: 1 },
          { type: 'CLIENT_CRASH' },
        ];
        return evs;
      },
      { input: { frames: 1, buffers: 1, wbs: true } },
    );
    expect(r.uncovered).toEqual([]);
  });
});

describe('wp_linux_drm_syncobj_surface_v1 (R137, R138, R140)', () => {
  const surf = () =>
    spawn(spawn(emptyWorld, 'comp', compositorMachine, {}), 's', wpLinuxDrmSyncobjSurfaceMachine, {
      client: 'c',
      compositor: 'comp',
    });
  const attach = { type: 'WL_SURFACE_ATTACH', buf: 'b0', frame: 0, explicitSync: true } as const;
  const acq = (p: number, tl = 't') =>
    ({ type: 'WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_SET_ACQUIRE_POINT', timeline: tl, point: p }) as const;
  const rel = (p: number, tl = 't') =>
    ({ type: 'WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_SET_RELEASE_POINT', timeline: tl, point: p }) as const;
  const err = (...evs: any[]) => {
    let w = surf();
    for (const e of evs) w = must(w, 's', e);
    w = must(w, 's', { type: 'WL_SURFACE_COMMIT' });
    return ctx<WpLinuxDrmSyncobjSurfaceContext>(w, 's').error;
  };
  test.each([
    ['no_buffer', [acq(1)]],
    ['no_acquire_point', [attach, rel(2)]],
    ['no_release_point', [attach, acq(1)]],
    ['conflicting_points', [attach, acq(2), rel(2)]],
    ['unsupported_buffer', [{ ...attach, explicitSync: false }, acq(1), rel(2)]],
    ['', [attach, acq(2, 'a'), rel(1, 'b')]],
  ] as const)('R138: %s', (want, evs) => {
    expect(err(...evs)).toBe(want);
  });
  test('R137: points are double-buffered, the last set wins, and apply to the commit with the buffer', () => {
    let w = surf();
    for (const e of [attach, acq(1), acq(3), rel(4)]) w = must(w, 's', e);
    w = must(w, 's', { type: 'WL_SURFACE_COMMIT' });
    expect(ctx<CompositorContext>(w, 'comp').queue.c[0]).toEqual({
      client: 'c',
      buf: 'b0',
      frame: 0,
      acquire: 'tl:t@3',
      release: 'tl:t@4',
    });
    expect(ctx<WpLinuxDrmSyncobjSurfaceContext>(w, 's').acquire).toBe(null);
  });
  test('R140: destroy discards uncommitted points', () => {
    let w = must(surf(), 's', acq(1));
    w = must(w, 's', { type: 'WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_DESTROY' });
    expect([stateOf(w, 's'), ctx<WpLinuxDrmSyncobjSurfaceContext>(w, 's').acquire]).toEqual(['destroyed', null]);
  });
  test('coverage', () => {
    const r = coverTransitions(
      wpLinuxDrmSyncobjSurfaceMachine,
      (s) => {
        const evs = [
          attach,
          acq(1),
          rel(2),
          { type: 'WL_SURFACE_COMMIT' },
          { type: 'WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_DESTROY' },
        ];
        return s.context.commits > 0 ? [] : evs;
      },
      { input: { client: 'c' }, limit: 5000 },
    );
    expect(r.uncovered).toEqual([]);
  });
});

describe('xshmfence (X11 Present idle fence)', () => {
  test('starts idle; the client resets it, the server triggers it; trigger of an idle fence is refused', () => {
    let w = spawn(emptyWorld, 'x', xshmfenceMachine, {});
    expect(send(w, 'x', { type: 'XSHMFENCE_TRIGGER' })).toBe(null);
    w = must(w, 'x', { type: 'XSHMFENCE_RESET' });
    expect(hasTag(w, 'x', 'signaled')).toBe(false);
    w = must(w, 'x', { type: 'XSHMFENCE_TRIGGER' });
    expect(hasTag(w, 'x', 'signaled')).toBe(true);
  });
  test('coverage', () => {
    expect(
      coverTransitions(xshmfenceMachine, () => [{ type: 'XSHMFENCE_RESET' }, { type: 'XSHMFENCE_TRIGGER' }]).uncovered,
    ).toEqual([]);
  });
});

describe('present timelines are drm_syncobj timelines (R74, R81-R87, R141)', () => {
  test(
    'a point signals only when every fence up to it has (chain, R45); a later point materializes earlier ' + 'ones',
    () => {
      let w = spawn(emptyWorld, 'f1', dmaFenceMachine, {});
      w = drm_syncobj_create(w, 't');
      w = drm_syncobj_add_point(w, 't', 'f1', 1).w; // R82
      w = syncobj_timeline_signal(w, 't', 2); // R83
      expect([
        drm_syncobj_point_materialized(w, 't', 2),
        syncobj_point_signaled(w, 't', 2),
        drm_syncobj_point_materialized(w, 't', 3),
      ]).toEqual([true, false, false]);
      w = must(w, 'f1', { type: 'DMA_FENCE_SIGNAL' });
      expect(syncobj_point_signaled(w, 't', 2)).toBe(true);
      expect(ctx<DrmSyncobjContext>(w, 't').unordered).toBe(0);
    },
  );
  const cfg = late.configs.small;
  test('R141: a wait-before-signal commit arms a WAIT_AVAILABLE eventfd; the render submission (R82) fires it', () => {
    const presented = walk(late, cfg, [['wl_surface_commit', 'client0']]);
    const efd = availableEventfd('client0.buf0.tl', 1);
    const q = () => ctx<CompositorContext>(presented, 'compositor').queue.client0[0];
    expect([
      ctx<EventfdContext>(presented, efd).signals,
      acquireState(presented, q()),
      ctx<DrmSyncobjContext>(presented, 'client0.buf0.tl').eventfds.length,
    ]).toEqual([0, 'unmaterialized', 1]);
    const rendered = walk(late, cfg, [['client_render', 'client0']], presented);
    expect([
      ctx<EventfdContext>(rendered, efd).signals,
      acquireState(rendered, q()),
      ctx<DrmSyncobjContext>(rendered, 'client0.buf0.tl').eventfds.length,
    ]).toEqual([1, 'pending', 0]);
    const done = walk(late, cfg, [['gpu_render_done', 'client0.gpu0']], rendered);
    expect(acquireState(done, q())).toBe('ready');
  });
  test(
    'R74: the KMS in-fence is a sync_file exported from the materialized point (its chain node), closed after the ' +
      'ioctl',
    () => {
      const w = walk(late, cfg, [
        ['client_render', 'client0'],
        ['wl_surface_commit', 'client0'],
        ['gpu_render_done', 'client0.gpu0'],
        ['compositor_paint_now'],
        ['compositor_paint'],
      ]);
      const file = 'client0.buf0.tl@1.sync_file';
      expect([ctx<SyncFileContext>(w, file).fence, stateOf(w, file)]).toEqual(['client0.buf0.tl.p1', 'released']);
      expect(ctx<DrmCrtcContext>(w, 'crtc0').pending?.planes).toEqual({ plane0: 'client0.buf0' });
    },
  );
  test('R131: a closed sync_file is no IN_FENCE_FD', () => {
    const w = walk(late, cfg, [
      ['client_render', 'client0'],
      ['wl_surface_commit', 'client0'],
      ['gpu_render_done', 'client0.gpu0'],
      ['compositor_paint_now'],
      ['compositor_paint'],
      ['drm_crtc_vblank'],
    ]);
    const r = drm_mode_atomic_ioctl(w, {
      crtc: 'crtc0',
      planes: [{ plane: 'plane0', fb: 'client0.buf0', inFence: 'client0.buf0.tl@1.sync_file' }],
    });
    expect(r.ret).toBe(-22);
  });
});

describe('io_uring (seed 003)', () => {
  const sqe = (u: string) => ({ user_data: u, sched: 's', in: [], bos: [] });
  test('the SQ is consumed in order; completions are posted in any order and reaped in CQ order', () => {
    let w = spawn(emptyWorld, 'u', ioUringMachine, {});
    w = must(w, 'u', { type: 'IO_URING_ENTER', sqe: sqe('a') });
    w = must(w, 'u', { type: 'IO_URING_ENTER', sqe: sqe('b') });
    w = must(w, 'u', { type: 'IO_SQ_THREAD_CONSUME' });
    w = must(w, 'u', { type: 'IO_SQ_THREAD_CONSUME' });
    expect(send(w, 'u', { type: 'IO_URING_CQE_POST', user_data: 'zz' })).toBe(null);
    w = must(w, 'u', { type: 'IO_URING_CQE_POST', user_data: 'b', fenceError: -62 });
    w = must(w, 'u', { type: 'IO_URING_CQE_POST', user_data: 'a' });
    w = must(w, 'u', { type: 'IO_URING_CQE_SEEN' });
    const c = ctx<IoUringContext>(w, 'u');
    expect(c.reaped).toEqual([{ user_data: 'b', res: -62 }]);
    expect(c.cq.map((e) => e.user_data)).toEqual(['a']);
  });
  test('the fence callback queues a completion once; posting it removes it from the queue', () => {
    let w = spawn(emptyWorld, 'u', ioUringMachine, {});
    w = must(w, 'u', { type: 'IO_URING_ENTER', sqe: sqe('a') });
    expect(send(w, 'u', { type: 'IO_URING_CQE_QUEUE', user_data: 'a' })).toBe(null); // not consumed yet
    w = must(w, 'u', { type: 'IO_SQ_THREAD_CONSUME' });
    w = must(w, 'u', { type: 'IO_URING_CQE_QUEUE', user_data: 'a' });
    expect(send(w, 'u', { type: 'IO_URING_CQE_QUEUE', user_data: 'a' })).toBe(null);
    w = must(w, 'u', { type: 'IO_URING_CQE_POST', user_data: 'a' });
    expect(ctx<IoUringContext>(w, 'u').completing).toEqual([]);
  });
  test('coverage', () => {
    const r = coverTransitions(ioUringMachine, (s) => {
      const evs = [
        ...(s.context.consumed + s.context.sq.length < 1 ? [{ type: 'IO_URING_ENTER', sqe: sqe('a') }] : []),
        { type: 'IO_SQ_THREAD_CONSUME' },
        { type: 'IO_URING_CQE_QUEUE', user_data: 'a' },
        { type: 'IO_URING_CQE_POST', user_data: 'a' },
        { type: 'IO_URING_CQE_SEEN' },
      ];
      return evs;
    });
    expect(r.uncovered).toEqual([]);
  });
});
