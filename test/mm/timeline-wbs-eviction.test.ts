/**
 * Issue 12.3: wait-before-signal under memory pressure. The direct path closes the memory-management
 * cycle (an eviction waits on a job that waits on a placeholder for the point the evicting job signals);
 * the submit-thread policy keeps the placeholder out of every resv.
 */
import { describe, expect, test } from 'vitest';
import { checkDesigns } from '../../src/api.ts';

describe('timeline-wbs-eviction (issue 12.3)', () => {
  test('the cycle goes through the eviction and the placeholder; the submit thread has none', async () => {
    const r = await checkDesigns({
      designs: ['timeline-wbs-eviction', 'timeline-wbs-eviction-submit-thread'],
      properties: ['acyclic-waits', 'finite-time'],
      engine: 'exhaustive',
      metrics: false,
    });
    const cell = (d: string, p: string) => r.cells.find((c) => c.design === d && c.property === p)!;
    const cyc = cell('timeline-wbs-eviction', 'acyclic-waits');
    expect(cyc.observed).toBe('violates');
    // the memory-management cycle, not timeline-wbs-direct's self-binding chain node
    expect(cyc.message).toMatch(/bo1's move waits on proc1\.j0\.finished/);
    expect(cyc.message).toMatch(/T0@1\.future stands for T0@1/);
    expect(cyc.message).toMatch(/needs bo0 in VRAM/);
    for (const p of ['acyclic-waits', 'finite-time']) {
      expect(cell('timeline-wbs-eviction-submit-thread', p).observed).toBe('holds');
      expect(cell('timeline-wbs-eviction-submit-thread', p).bound).toMatch(/^all \d+ reachable states/);
    }
  }, 60_000);
});
