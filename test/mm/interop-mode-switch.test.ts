/**
 * Issue 12.1: the hybrid mode switch at interop. Publishing only after the pending UMFs are written keeps
 * every dma_fence bounded by the GPU; publishing early hands the compositor a fence that waits on a UMF.
 */
import { describe, expect, test } from 'vitest';
import { checkDesigns } from '../../src/api.ts';

describe('interop-mode-switch (issue 12.1)', () => {
  test('the switch that waits for the UMFs holds; the early one makes a dma_fence wait on umf0', async () => {
    const r = await checkDesigns({
      designs: ['interop-mode-switch', 'interop-mode-switch-early'],
      engine: 'exhaustive',
      metrics: false,
    });
    const bad = r.cells.filter((c) => c.observed !== c.expected).map((c) => `${c.design}/${c.property}`);
    expect(bad).toEqual([]);
    const cell = (d: string, p: string) => r.cells.find((c) => c.design === d && c.property === p)!;
    for (const p of ['finite-time', 'umf-never-blocks-dma-fence', 'hazard-free']) {
      expect(cell('interop-mode-switch', p).observed).toBe('holds');
      expect(cell('interop-mode-switch', p).bound).toMatch(/^all \d+ reachable states/);
    }
    const i9 = cell('interop-mode-switch-early', 'umf-never-blocks-dma-fence');
    expect(i9.observed).toBe('violates');
    expect(i9.message).toMatch(/proc0\.ctx spins on umf0/);
    // the same scope: the fix explores more than a handful of states
    expect(cell('interop-mode-switch', 'hazard-free').states).toBeGreaterThan(500);
  }, 60_000);
});
