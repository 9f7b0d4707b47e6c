/**
 * The display and io_uring properties can fail: each is shown a world (reached by real design steps,
 * then broken on purpose where the designs never break it) on which it must fire, and the same world
 * before the break on which it must not. Also the frame-latency metric each present design reports.
 */
import { describe, expect, test } from 'vitest';
import type { World } from '../../models/world.ts';
import { must, spawn } from '../../models/world.ts';
import { dmaFenceMachine } from '../../models/dma-buf/dma-fence.ts';
import { drmCrtcMachine } from '../../models/display/drm-crtc.ts';
import { compositorMachine } from '../../models/display/compositor.ts';
import { presentClientMachine } from '../../models/display/present-client.ts';
import { drm_mode_atomic_ioctl } from '../../models/display/drm-atomic.ts';
import { maxFrameLatency, missedVblanks, type PresentConfig } from '../../models/display/present.ts';
import { syncobj_timeline_signal } from '../../models/display/sync-syncobj.ts';
import { worldKey } from '../../models/world.ts';
import { enabledActions } from '../../src/world/steps.ts';
import neverStalls from '../../properties/compositor-never-stalls.ts';
import scanout from '../../properties/scanout-not-written.ts';
import release from '../../properties/release-after-last-use.ts';
import outFence from '../../properties/out-fence-once.ts';
import crashIsolation from '../../properties/crash-isolation.ts';
import uring from '../../properties/uring-completion-after-fence.ts';
import naive from '../../models/designs/present-vblank-naive.ts';
import late from '../../models/designs/present-late-binding.ts';
import syncobj from '../../models/designs/present-explicit-syncobj.ts';
import implicit from '../../models/designs/present-implicit.ts';
import submitReturn from '../../models/designs/present-submit-return.ts';
import uringSubmit from '../../models/designs/io-uring-submit.ts';
import uringEarly from '../../models/designs/io-uring-early-completion.ts';
import { Checker } from '../../src/check.ts';
import { exploreExhaustive } from '../../src/explore/exhaustive.ts';
import { walk, fairRun } from './helpers.ts';
import { evaluateMetrics } from '../../src/report/metrics.ts';

const act = (label: string) => ({ step: label.split('(')[0], args: [], label, role: 'timer' });

/** client0 renders frame 0 into buf0 and presents it; the GPU finishes; the compositor paints (commit pending). */
const shownPath: [string, ...any[]][] = [
  ['client_render', 'client0'],
  ['wl_surface_commit', 'client0'],
  ['gpu_render_done', 'client0.gpu0'],
  ['compositor_paint_now'],
  ['compositor_paint'],
];

describe('compositor-never-stalls (I26, I27)', () => {
  test(
    'a frame in which the naive compositor waited on a slow client is a violation even if it woke before ' + 'vblank',
    () => {
      const cfg = naive.configs.small;
      const before = walk(naive, cfg, [
        ['client_render', 'client0'],
        ['wl_surface_commit', 'client0'],
        ['compositor_paint_now'],
        ['compositor_paint'],
        ['gpu_render_done', 'client0.gpu0'],
        ['compositor_wait_done'],
        ['compositor_paint'],
      ]);
      const after = walk(naive, cfg, [['drm_crtc_vblank']], before);
      expect(neverStalls.step!(before, act('drm_crtc_vblank()'), after, cfg)).toMatch(
        /frame for vblank 1: compositor waited at compositor_paint on client0's acquire point 1 of client0.buf0.tl/,
      );
    },
  );
  test('the late-binding compositor never waits: the same story is clean', () => {
    const cfg = late.configs.small;
    const before = walk(late, cfg, [
      ['client_render', 'client0'],
      ['wl_surface_commit', 'client0'],
      ['compositor_paint_now'],
      ['compositor_paint'],
      ['gpu_render_done', 'client0.gpu0'],
    ]);
    const after = walk(late, cfg, [['drm_crtc_vblank']], before);
    expect(neverStalls.step!(before, act('drm_crtc_vblank()'), after, cfg)).toBe(null);
  });
  test("R133: KMS holding a flip on a client's in-fence across a vblank is a violation", () => {
    let w: World = spawn({ o: {}, g: {} }, 'crtc0', drmCrtcMachine, { planes: ['plane0'] });
    w = spawn(w, 'compositor', compositorMachine, {});
    w = spawn(w, 'client0', presentClientMachine, {});
    w = spawn(w, 'client0.j0.finished', dmaFenceMachine, { owner: 'client0.j0' });
    const before = drm_mode_atomic_ioctl(w, {
      crtc: 'crtc0',
      planes: [{ plane: 'plane0', fb: 'client0.buf0', inFence: 'client0.j0.finished' }],
      outFence: true,
    }).w;
    const after = must(before, 'crtc0', { type: 'DRM_CRTC_HANDLE_VBLANK' });
    expect(neverStalls.step!(before, act('drm_crtc_vblank()'), after, {})).toMatch(
      /KMS holds commit 1 on client0's client0.j0.finished/,
    );
  });
});

describe('release-after-last-use and scanout-not-written (I27, R139)', () => {
  const cfg = late.configs.small;
  const onScreen = walk(late, cfg, [...shownPath, ['drm_crtc_vblank']]);
  test('a buffer on screen, released properly later: both hold', () => {
    expect(release.state!(onScreen, cfg)).toBe(null);
    expect(scanout.state!(onScreen, cfg)).toBe(null);
  });
  test('releasing the on-screen buffer early is a violation', () => {
    const early = syncobj_timeline_signal(onScreen, 'client0.buf0.tl', 2); // a compositor that releases at latch time
    expect(release.state!(early, cfg)).toMatch(
      /client0's frame 0 in client0.buf0 is released \(tl:client0.buf0.tl@2\) while the display still uses it/,
    );
  });
  test('a render into the buffer on screen (after an early release) breaks scanout-not-written', () => {
    const cfg1: PresentConfig = { ...cfg, buffers: 1, frames: 2 };
    const shown = walk(late, cfg1, [...shownPath, ['drm_crtc_vblank']]);
    expect(scanout.state!(shown, cfg1)).toBe(null);
    const broken = walk(
      late,
      cfg1,
      [['client_render', 'client0']],
      syncobj_timeline_signal(shown, 'client0.buf0.tl', 2),
    );
    expect(scanout.state!(broken, cfg1)).toMatch(
      /client0.buf0 shows frame 0 of client0 while the render of frame 1 writes into it/,
    );
  });
});

describe('out-fence-once (I26, R134)', () => {
  const cfg = syncobj.configs.small;
  const pending = walk(syncobj, cfg, shownPath);
  test('signalled at the flip: holds', () => {
    const flipped = walk(syncobj, cfg, [['drm_crtc_vblank']], pending);
    expect(outFence.step!(pending, act('drm_crtc_vblank()'), flipped, cfg)).toBe(null);
  });
  test('signalled before the flip, or a fence for a commit that never succeeded: violations', () => {
    const early = must(pending, 'crtc0.out1', { type: 'DMA_FENCE_SIGNAL' });
    expect(outFence.step!(pending, act('x()'), early, cfg)).toMatch(
      /crtc0.out1 signalled at x\(\) before commit 1 flipped/,
    );
    const ghost = spawn(pending, 'crtc0.out7', dmaFenceMachine, {
      ops: 'kms.out',
      owner: 'crtc0',
      seqno: 7,
      published: true,
    });
    expect(outFence.step!(pending, act('x()'), ghost, cfg)).toMatch(/exists for commit 7/);
  });
});

describe('crash-isolation (seed 002)', () => {
  test("without the kernel signalling a crashed side's fences, a crash blocks the survivor", () => {
    const d = { ...submitReturn, configs: { small: { ...submitReturn.configs.small, crashRecovery: false } } };
    const cfg = d.configs.small;
    const r = exploreExhaustive(d, cfg, new Checker(d, cfg, [crashIsolation]), ['crash-isolation'], {
      maxDepth: 30,
      maxStates: 20_000,
    });
    expect(r.found[0]?.message).toMatch(
      /crashed (client0|compositor) owed .*nobody signals them|their clients wait forever/,
    );
  });
});

describe('uring-completion-after-fence (seed 003)', () => {
  test('a CQE for a finished job holds; the same CQE before the fence signals does not', () => {
    const cfg = uringSubmit.configs.small;
    const posted = walk(uringSubmit, cfg, [
      ['io_uring_enter'],
      ['io_sq_thread_consume'],
      ['drm_sched_run_job', 'sched0', 'uring0.sched0.ctx'],
      ['gpu_ring_complete', 'gpu0'],
    ]);
    expect(uring.state!(posted, cfg)).toBe(null);
    const early = walk(uringEarly, cfg, [['io_uring_enter'], ['io_sq_thread_consume']]);
    expect(uring.state!(early, cfg)).toMatch(/uring0:sqe0 \(uring0.sqe0.finished unsignalled\)/);
  });
});

/** The largest value of `m` over every state reachable without faults (small configs: a few thousand states). */
function worstOver(d: any, cfg: any, m: (w: World) => number): number {
  const seen = new Set<string>([worldKey(d.init(cfg))]);
  let frontier: World[] = [d.init(cfg)],
    worst = -1;
  while (frontier.length) {
    const next: World[] = [];
    for (const w of frontier) {
      worst = Math.max(worst, m(w));
      for (const a of enabledActions(d, cfg, w, (r) => r !== 'fault')) {
        const k = worldKey(a.next);
        if (!seen.has(k)) {
          seen.add(k);
          next.push(a.next);
        }
      }
    }
    frontier = next;
  }
  return worst;
}

describe('frame latency (design metrics: vblanks from render submission to first scanout)', () => {
  test(
    'worst case over every schedule of the small config: late binding is never slower than in-order, the naive ' +
      'wait is not faster',
    () => {
      const worst = Object.fromEntries(
        [implicit, syncobj, late, naive].map((d) => [d.name, worstOver(d, d.configs.small, maxFrameLatency)]),
      );
      console.log(
        Object.entries(worst)
          .map(([n, v]) => `${n.padEnd(26)} worst frame latency ${v} vblanks (all schedules, config 'small')`)
          .join('\n'),
      );
      expect(worst['present-late-binding']).toBeLessThanOrEqual(worst['present-explicit-syncobj']);
      expect(worst['present-vblank-naive']).toBeGreaterThanOrEqual(worst['present-late-binding']);
      for (const v of Object.values(worst)) expect(v).toBeGreaterThanOrEqual(1);
    },
  );
  const designs = [implicit, syncobj, late, naive, submitReturn];
  const rows = designs.map((d) => {
    const cfg = d.configs.default;
    const w = fairRun(d, cfg, 2000);
    return {
      design: d.name,
      latency: d.metrics!['frame-latency-vblanks'](w, cfg),
      shown: d.metrics!['frames-shown'](w, cfg),
    };
  });
  test('every present design shows frames and reports a latency of at least one vblank', () => {
    console.log(
      rows
        .map(
          (r) =>
            `${r.design.padEnd(26)} latency ${r.latency.toFixed(2)} vblanks, ${r.shown} frames shown (fair run, ` +
            `config 'default')`,
        )
        .join('\n'),
    );
    for (const r of rows) {
      expect(r.shown, r.design).toBeGreaterThan(0);
      expect(r.latency, r.design).toBeGreaterThanOrEqual(1);
    }
  });
});

describe('missed-vblanks (design metric: vblanks with a newer complete frame, or a client wait, and no flip)', () => {
  test(
    'one wait-before-signal client: the naive compositor misses the vblank it waits through, late binding keeps ' +
      'the old frame and misses none',
    () => {
      const story: [string, ...any[]][] = [
        ['wl_surface_commit', 'client0'],
        ['compositor_paint_now'],
        ['compositor_paint'],
      ];
      const n = walk(naive, naive.configs.small, [...story, ['drm_crtc_vblank']]);
      const l = walk(late, late.configs.small, [...story, ['drm_crtc_vblank']]);
      expect([missedVblanks(n), missedVblanks(l)]).toEqual([1, 0]);
    },
  );
  test(
    'a frame that completed after the decision is a miss for late binding too (the metric is not blind to ' + 'it)',
    () => {
      const l = walk(late, late.configs.small, [
        ['client_render', 'client0'],
        ['wl_surface_commit', 'client0'],
        ['compositor_paint_now'],
        ['compositor_paint'],
        ['gpu_render_done', 'client0.gpu0'],
        ['drm_crtc_vblank'],
      ]);
      expect(missedVblanks(l)).toBe(1);
    },
  );
  test(
    '20 random runs of the default config: present-vblank-naive misses more vblanks than ' + 'present-late-binding',
    () => {
      const mean = (d: any) =>
        evaluateMetrics(d, { runs: 20 }).find((r) => r.metric === 'missed-vblanks')!.random!.mean;
      const [n, l] = [mean(naive), mean(late)];
      console.log(
        `missed-vblanks, mean of 20 random runs (config 'default'): present-vblank-naive ${n.toFixed(2)}, ` +
          `present-late-binding ${l.toFixed(2)}`,
      );
      expect(n).toBeGreaterThan(l);
    },
  );
});
