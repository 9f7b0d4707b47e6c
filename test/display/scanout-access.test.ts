/**
 * KMS scanout as a recorded access (issue 11.3, I26), KMS holding a flip on an in-fence (R133), and
 * displayed-content-complete (I26): walked along real design steps, each assertion one that a broken
 * model would fail.
 */
import { describe, expect, test } from 'vitest';
import { ctx, hasTag, type World } from '../../models/world.ts';
import type { DrmCrtcContext } from '../../models/display/drm-crtc.ts';
import type { Design } from '../../models/design.ts';
import type { PresentConfig } from '../../models/display/present.ts';
import kms from '../../models/designs/present-kms-in-fence.ts';
import forgotten from '../../models/designs/present-forgotten-in-fence.ts';
import syncobj from '../../models/designs/present-explicit-syncobj.ts';
import implicit from '../../models/designs/present-implicit.ts';
import late from '../../models/designs/present-late-binding.ts';
import naive from '../../models/designs/present-vblank-naive.ts';
import submitReturn from '../../models/designs/present-submit-return.ts';
import neverStalls from '../../properties/compositor-never-stalls.ts';
import complete from '../../properties/displayed-content-complete.ts';
import hazard from '../../properties/hazard-free.ts';
import { walk } from './helpers.ts';

const act = (label: string) => ({ step: label.split('(')[0], args: [], label, role: 'timer' });
const crtc = (w: World) => ctx<DrmCrtcContext>(w, 'crtc0');

/** client0 renders frame 0 into buf0 and presents it; the compositor paints before the GPU finished. */
const earlyPaint: [string, ...string[]][] = [
  ['client_render', 'client0'],
  ['wl_surface_commit', 'client0'],
  ['compositor_paint_now'],
];

describe('KMS holds a flip on its in-fence (R131, R133)', () => {
  const cfg = kms.configs.small;
  const painted = walk(kms, cfg, earlyPaint);
  const committed = walk(kms, cfg, [['compositor_paint']], painted);
  test('the kms-fence compositor commits an unsignalled acquire point and KMS waits on it', () => {
    expect(crtc(committed).pending?.waiting).toEqual(['client0.buf0.tl.p1']);
    const rec = committed.g['access:crtc0.plane0.j1'] as { proc: string; acc: unknown; deps: string[] };
    expect(rec).toEqual({ proc: 'crtc0.plane0', acc: [['client0.buf0', 'r']], deps: ['client0.buf0.tl.p1'] });
    expect(hazard.step!(painted, act('compositor_paint()'), committed, cfg)).toBe(null);
  });
  test("a vblank with the flip held is compositor-never-stalls' KMS branch; the flip comes after the GPU", () => {
    const held = walk(kms, cfg, [['drm_crtc_vblank']], committed);
    expect(crtc(held).flips).toBe(0);
    expect(neverStalls.step!(committed, act('drm_crtc_vblank()'), held, cfg)).toMatch(/KMS holds commit 1 on client0/);
    const done = walk(kms, cfg, [['gpu_render_done', 'client0.gpu0']], held);
    const flipped = walk(kms, cfg, [['drm_crtc_vblank']], done);
    expect(crtc(flipped).planes.plane0).toBe('client0.buf0');
    expect(complete.step!(done, act('drm_crtc_vblank()'), flipped, cfg)).toBe(null);
  });
});

describe('displayed-content-complete (I26)', () => {
  test('without IN_FENCE_FD and implicit fences the flip shows a buffer still being rendered', () => {
    const cfg = forgotten.configs.small;
    const painted = walk(forgotten, cfg, earlyPaint);
    const committed = walk(forgotten, cfg, [['compositor_paint']], painted);
    expect(crtc(committed).pending?.waiting).toEqual([]);
    expect(hazard.step!(painted, act('compositor_paint()'), committed, cfg)).toMatch(
      /crtc0.plane0.j1 reads client0.buf0 while client0.j0 writes it, unordered/,
    );
    const flipped = walk(forgotten, cfg, [['drm_crtc_vblank']], committed);
    expect(complete.step!(committed, act('drm_crtc_vblank()'), flipped, cfg)).toMatch(
      /flipped client0.buf0 onto plane0 .* client0.j0 is still writing it/,
    );
  });
  test('its witness: a wait-before-signal commit queued before its render is a buffer handed over early', () => {
    const cfg = syncobj.configs.small;
    const w0 = syncobj.init(cfg);
    const presented = walk(syncobj, cfg, [['wl_surface_commit', 'client0']]);
    expect(complete.witness!.state!(w0, cfg, { design: syncobj })).toBe(false);
    expect(complete.witness!.state!(presented, cfg, { design: syncobj })).toBe(true);
  });
});

describe('the end of a scanout (R134)', () => {
  test("a flip that replaces a plane's buffer ends the previous scanout before the compositor releases it", () => {
    const cfg = { ...late.configs.small, frames: 3 };
    let w = walk(late, cfg, [
      ['client_render', 'client0'],
      ['wl_surface_commit', 'client0'],
      ['gpu_render_done', 'client0.gpu0'],
      ['compositor_paint_now'],
      ['compositor_paint'],
      ['drm_crtc_vblank'],
    ]);
    expect(hasTag(w, 'crtc0.plane0.j1.finished', 'signaled')).toBe(false);
    w = walk(
      late,
      cfg,
      [
        ['client_render', 'client0'],
        ['wl_surface_commit', 'client0'],
        ['gpu_render_done', 'client0.gpu1'],
        ['compositor_paint_now'],
        ['compositor_paint'],
        ['drm_crtc_vblank'],
      ],
      w,
    );
    expect(crtc(w).planes.plane0).toBe('client0.buf1');
    expect(hasTag(w, 'crtc0.plane0.j1.finished', 'signaled')).toBe(true);
    expect(hasTag(w, 'crtc0.plane0.j2.finished', 'signaled')).toBe(false);
    // frame 2 reuses buf0 (released at that flip): hazard-free orders it after the ended scanout
    const before = w;
    const after = walk(late, cfg, [['client_render', 'client0']], w);
    expect(after.g['access:client0.j2']).toBeDefined();
    expect(hazard.step!(before, act('client_render(client0)'), after, cfg)).toBe(null);
  });
});

describe('scopes (issue 11.1)', () => {
  const designs: Design<PresentConfig>[] = [syncobj, implicit, late, naive, submitReturn, kms, forgotten];
  test.each(designs.map((d) => [d.name, d] as const))('%s: small, default, large are distinct and grow', (_n, d) => {
    const { small, default: dflt, large } = d.configs;
    expect(new Set([small, dflt, large]).size).toBe(3);
    const knobs = (c: PresentConfig) => [c.clients, c.frames, c.vblanks, c.queues];
    for (const [a, b] of [
      [small, dflt],
      [dflt, large],
    ]) {
      for (const [i, x] of knobs(a).entries()) expect(knobs(b)[i]).toBeGreaterThanOrEqual(x);
      expect(knobs(b).some((x, i) => x > knobs(a)[i])).toBe(true);
    }
    expect(dflt.frames).toBeGreaterThan(dflt.buffers); // a buffer is reused at the default scope
  });
});
