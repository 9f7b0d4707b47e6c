/**
 * Presentation beyond linux-drm-syncobj (issue 12.7): zwp_linux_explicit_synchronization_v1 sync_files,
 * Android hwcomposer release fences, and GPU composition whose sampling is a recorded access. Walked
 * along real design steps; release-after-last-use and hazard-free are shown a broken world where the
 * designs never break it.
 */
import { describe, expect, test } from 'vitest';
import { ctx, hasTag, must, type World } from '../../models/world.ts';
import type { DrmCrtcContext } from '../../models/display/drm-crtc.ts';
import { sync_file_get_fence } from '../../models/dma-buf/sync-file-api.ts';
import syncFile from '../../models/designs/present-explicit-sync-file.ts';
import hwc from '../../models/designs/present-android-hwc.ts';
import gpu from '../../models/designs/present-gpu-composition.ts';
import { syncobj_timeline_signal } from '../../models/display/sync-syncobj.ts';
import release from '../../properties/release-after-last-use.ts';
import hazard from '../../properties/hazard-free.ts';
import complete from '../../properties/displayed-content-complete.ts';
import { walk } from './helpers.ts';

const act = (label: string) => ({ step: label.split('(')[0], args: [], label, role: 'timer' });
const crtc = (w: World) => ctx<DrmCrtcContext>(w, 'crtc0');
const frame = (q: string): [string, ...string[]][] => [
  ['client_render', 'client0'],
  ['wl_surface_commit', 'client0'],
  ['gpu_render_done', q],
  ['compositor_paint_now'],
  ['compositor_paint'],
  ['drm_crtc_vblank'],
];

describe('present-explicit-sync-file (zwp_linux_explicit_synchronization_v1)', () => {
  const cfg = syncFile.configs.small;
  test("the acquire sync_file is KMS's in-fence; the release is fenced on the flip that replaced the buffer", () => {
    const one = walk(syncFile, cfg, frame('client0.gpu0'));
    expect(sync_file_get_fence(one, 'client0.f0.acquire')).toBe('client0.j0.finished');
    expect(one.g['access:crtc0.plane0.j1']).toEqual({
      proc: 'crtc0.plane0',
      acc: [['client0.buf0', 'r']],
      deps: ['client0.j0.finished'],
    });
    expect(one.o['client0.f0.release']).toBeUndefined(); // still on screen: no release yet
    const two = walk(syncFile, cfg, frame('client0.gpu1'), one);
    expect(sync_file_get_fence(two, 'client0.f0.release')).toBe('crtc0.out2');
    expect(hasTag(two, 'crtc0.out2', 'signaled')).toBe(true);
  });
});

describe('present-android-hwc (hwcomposer)', () => {
  const cfg = hwc.configs.small;
  test('presentDisplay hands out the release fence before the flip; it signals at that flip (R134)', () => {
    const one = walk(
      hwc,
      cfg,
      frame('client0.gpu0').map(([n, ...a]) => [n === 'wl_surface_commit' ? 'queueBuffer' : n, ...a]),
    );
    const path = frame('client0.gpu1').map(([n, ...a]): [string, ...string[]] => [
      n === 'wl_surface_commit' ? 'queueBuffer' : n,
      ...a,
    ]);
    const committed = walk(hwc, cfg, path.slice(0, -1), one);
    expect(sync_file_get_fence(committed, 'client0.f0.release')).toBe('crtc0.out2');
    expect(hasTag(committed, 'crtc0.out2', 'signaled')).toBe(false);
    expect(release.state!(committed, cfg)).toBe(null);
    const flipped = walk(hwc, cfg, path.slice(-1), committed);
    expect(hasTag(flipped, 'crtc0.out2', 'signaled')).toBe(true);
  });
});

describe('present-gpu-composition', () => {
  const cfg = gpu.configs.small;
  const path: [string, ...string[]][] = [
    ['client_render', 'client0'],
    ['wl_surface_commit', 'client0'],
    ['gpu_render_done', 'client0.gpu0'],
    ['compositor_paint_now'],
  ];
  const before = walk(gpu, cfg, path);
  const painted = walk(gpu, cfg, [['compositor_paint']], before);
  test("the composite job samples the client buffer and KMS waits on that job's fence", () => {
    expect(painted.g['access:compositor.j0']).toEqual({
      proc: 'compositor',
      acc: [
        ['client0.buf0', 'r'],
        ['compositor.buf0', 'w'],
      ],
      deps: ['client0.buf0.tl.p1'],
    });
    expect(crtc(painted).pending?.planes).toEqual({ primary: 'compositor.buf0' });
    expect(crtc(painted).pending?.waiting).toEqual(['compositor.j0.finished']);
    expect(hazard.step!(before, act('compositor_paint()'), painted, cfg)).toBe(null);
    const held = walk(gpu, cfg, [['drm_crtc_vblank']], painted);
    expect(crtc(held).flips).toBe(0);
    const done = walk(gpu, cfg, [['gpu_render_done', 'compositor.gpu0']], held);
    const flipped = walk(gpu, cfg, [['drm_crtc_vblank']], done);
    expect(crtc(flipped).planes.primary).toBe('compositor.buf0');
    expect(complete.step!(done, act('drm_crtc_vblank()'), flipped, cfg)).toBe(null);
  });
  test('release-after-last-use sees the sampling: a release while the composite job runs is a violation', () => {
    expect(release.state!(painted, cfg)).toBe(null);
    // break it: signal frame 0's release point while compositor.j0 still reads client0.buf0
    const early = syncobj_timeline_signal(painted, 'client0.buf0.tl', 2);
    expect(release.state!(early, cfg)).toMatch(/client0's frame 0 in client0.buf0 is released/);
    // the composite job done, the commit is still latched for the flip: still in use
    const done = must(painted, 'compositor.gpu0', { type: 'GPU_RING_COMPLETE' });
    expect(release.state!(syncobj_timeline_signal(done, 'client0.buf0.tl', 2), cfg)).toMatch(/released/);
  });
});
