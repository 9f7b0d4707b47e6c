/**
 * Issue 12.4: the syncobj upgrade path. The compat glue's timeout bounds every dma_fence consumer
 * (finite-time holds, reached), and its price is an innocent producer killed while it was merely slow.
 */
import { describe, expect, test } from 'vitest';
import { checkDesigns } from '../../src/api.ts';
import { drm_syncobj_attach_umf, drm_syncobj_umf_timedout } from '../../models/userq/syncobj-umf-glue.ts';
import d from '../../models/designs/syncobj-umf-payload.ts';
import { must, stateOf } from '../../models/world.ts';
import { isSignaled } from '../../models/dma-buf/dma-fence.ts';

describe('syncobj-umf-payload (issue 12.4)', () => {
  test('the glue signals on the UMF write, or with -ETIME on timeout, killing the obliged context', () => {
    let w = d.init(d.configs.small);
    w = drm_syncobj_attach_umf(w, 'S', 'S.umf', 'umf0', 1, 'proc0.ctx');
    // the UMF write wakes the glue only once someone waits on it (R8: lazy)
    expect(isSignaled(w, 'S.umf')).toBe(false);
    const t = drm_syncobj_umf_timedout(w, 'S.umf');
    expect(isSignaled(t, 'S.umf')).toBe(true);
    expect(stateOf(t, 'proc0.ctx')).toBe('banned');
    const enabled = must(w, 'S.umf', { type: 'DMA_FENCE_ENABLE_SW_SIGNALING' });
    const written = must(enabled, 'umf0', { type: 'UMF_WRITE', value: 1 });
    expect(isSignaled(written, 'S.umf')).toBe(true);
  });

  test('finite-time holds thanks to the timeout; the timeout kills a healthy producer', async () => {
    const r = await checkDesigns({ designs: ['syncobj-umf-payload'], engine: 'exhaustive', metrics: false });
    const cell = (p: string) => r.cells.find((c) => c.property === p)!;
    expect(cell('finite-time').observed).toBe('holds');
    expect(cell('finite-time').bound).toMatch(/^all \d+ reachable states/);
    expect(cell('innocent-context-survives').observed).toBe('violates');
    expect(cell('innocent-context-survives').message).toMatch(/proc0\.ctx was killed by S\.umf/);
  }, 60_000);
});
