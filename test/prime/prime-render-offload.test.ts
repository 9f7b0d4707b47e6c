/**
 * Issue 12.8: multi-GPU and other dma-buf consumers. PRIME render offload (device A renders on its
 * drm_sched, device B's KMS scans out the shared dma-buf) holds with implicit sync and with the
 * IN_FENCE_FD, and violates hazard-free and displayed-content-complete when the explicit compositor
 * forgets the in-fence; an implicit-only V4L2 encoder reads unfinished frames unless the compositor
 * bridges its fence with DMA_BUF_IOCTL_IMPORT_SYNC_FILE. Explored on `small` (exhaustive, completed).
 */
import { describe, expect, test } from 'vitest';
import { checkDesigns, type Cell } from '../../src/api.ts';
import { dma_resv_fences } from '../../models/dma-buf/dma-resv.ts';
import { ctx } from '../../models/world.ts';
import type { DrmCrtcContext } from '../../models/display/drm-crtc.ts';
import prime from '../../models/designs/prime-render-offload.ts';
import forgot from '../../models/designs/prime-render-offload-explicit-forgot.ts';
import bridge from '../../models/designs/media-encoder-bridge.ts';
import { walk } from '../display/helpers.ts';

const cellOf = (cells: Cell[], d: string, p: string) => {
  const c = cells.find((x) => x.design === d && x.property === p);
  if (!c) throw new Error(`no cell ${d}/${p}`);
  return c;
};

/** The hazard cells of `designs` on `small`, explored exhaustively; every 'holds' rests on a completed run. */
async function small(designs: string[], properties = ['hazard-free', 'displayed-content-complete']) {
  const r = await checkDesigns({ designs, properties, engine: 'exhaustive', config: 'small', metrics: false });
  for (const c of r.cells) if (c.status === 'holds') expect(c.bound, `${c.design}/${c.property}`).toMatch(/^all \d+/);
  return r.cells;
}

describe('prime-render-offload (issue 12.8)', () => {
  test("device B's commit waits on device A's render fence through the shared resv (R62, R132)", () => {
    const cfg = prime.configs.small;
    const w = walk(prime, cfg, [
      ['DRM_IOCTL_CS', 'app'],
      ['wl_surface_commit', 'app'],
      ['DRM_IOCTL_MODE_ATOMIC', 'comp'],
    ]);
    expect(dma_resv_fences(w, 'bo0.resv', 'WRITE')).toEqual(['app.j0.finished']);
    expect(ctx<DrmCrtcContext>(w, 'crtc0').pending?.waiting).toEqual(['app.j0.finished']);
    expect(w.g['access:crtc0.plane0.j1']).toEqual({
      proc: 'crtc0.plane0',
      acc: [['bo0', 'r']],
      deps: ['app.j0.finished'],
    });
    // the forgotten in-fence: the same three steps leave KMS nothing to wait for
    const f = walk(forgot, forgot.configs.small, [
      ['DRM_IOCTL_CS', 'app'],
      ['wl_surface_commit', 'app'],
      ['DRM_IOCTL_MODE_ATOMIC', 'comp'],
    ]);
    expect(dma_resv_fences(f, 'bo0.resv', 'WRITE')).toEqual([]);
    expect(ctx<DrmCrtcContext>(f, 'crtc0').pending?.waiting).toEqual([]);
  });

  test("with the compositor's own layer, one commit waits on a fence of each device", () => {
    const cfg = prime.configs.default;
    const w = walk(prime, cfg, [
      ['DRM_IOCTL_CS', 'comp'],
      ['DRM_IOCTL_CS', 'app'],
      ['wl_surface_commit', 'app'],
      ['DRM_IOCTL_MODE_ATOMIC', 'comp'],
    ]);
    const waiting = ctx<DrmCrtcContext>(w, 'crtc0').pending?.waiting ?? [];
    expect(waiting).toEqual(['app.j0.finished', 'comp.j0.finished']);
    expect(ctx<{ sched: string }>(w, 'app.j0').sched).toBe('sched0');
    expect(ctx<{ sched: string }>(w, 'comp.j0').sched).toBe('sched1');
    // fence contexts per device: the two entities' finished fences are on different timelines
    const fc = (f: string) => ctx<{ context: number }>(w, f).context;
    expect(fc('app.j0.finished')).not.toBe(fc('comp.j0.finished'));
  });

  test('implicit and IN_FENCE_FD hold, the forgotten in-fence violates (small, every reachable state)', async () => {
    const cells = await small([
      'prime-render-offload',
      'prime-render-offload-explicit-forgot',
      'prime-render-offload-in-fence',
    ]);
    expect(cells.filter((c) => c.observed !== c.expected).map((c) => `${c.design}/${c.property}`)).toEqual([]);
    for (const d of ['prime-render-offload', 'prime-render-offload-in-fence'])
      for (const p of ['hazard-free', 'displayed-content-complete']) {
        expect(cellOf(cells, d, p).status).toBe('holds');
        expect(cellOf(cells, d, p).reached).toBeGreaterThan(0);
      }
    const hz = cellOf(cells, 'prime-render-offload-explicit-forgot', 'hazard-free');
    expect(hz.observed).toBe('violates');
    expect(hz.message).toMatch(/crtc0\.plane0\.j1 reads bo0 while app\.j0 writes it/);
    expect(cellOf(cells, 'prime-render-offload-explicit-forgot', 'displayed-content-complete').message).toMatch(
      /app\.j0 is still writing it/,
    );
  }, 60_000);
});

describe('media-encoder-implicit (issue 12.8)', () => {
  test("the bridge puts the render fence into the resv as WRITE, and the encoder's job waits on it", () => {
    const w = walk(bridge, bridge.configs.small, [
      ['DRM_IOCTL_CS', 'comp'],
      ['DMA_BUF_IOCTL_IMPORT_SYNC_FILE', 'comp'],
      ['pw_stream_queue_buffer', 'comp'],
      ['VIDIOC_QBUF', 'capture'],
    ]);
    expect(dma_resv_fences(w, 'buf0.resv', 'WRITE')).toEqual(['comp.j0.finished']);
    expect(dma_resv_fences(w, 'buf0.resv', 'READ')).toContain('venc0.j0.finished');
    expect((w.g['access:venc0.j0'] as { deps: string[] }).deps).toEqual(['comp.j0.finished']);
  });

  test('without the bridge the encoder reads while the GPU renders; with it hazard-free holds', async () => {
    const cells = await small(['media-encoder-implicit', 'media-encoder-bridge'], ['hazard-free']);
    expect(cells.filter((c) => c.observed !== c.expected).map((c) => `${c.design}/${c.property}`)).toEqual([]);
    const bad = cellOf(cells, 'media-encoder-implicit', 'hazard-free');
    expect(bad.message).toMatch(/venc0\.j0 reads buf0 while comp\.j0 writes it/);
    const good = cellOf(cells, 'media-encoder-bridge', 'hazard-free');
    expect(good.status).toBe('holds');
    expect(good.reached).toBeGreaterThan(0);
  }, 60_000);
});
