/**
 * The timeline designs' check matrix, exhaustively on their 'small' configs: every cell observed as
 * expected (timeline-submit-thread holds everything; timeline-wbs-direct violates I7, I8, I10, I14).
 */
import { describe, expect, test } from 'vitest';
import { checkDesigns } from '../../src/api.ts';

describe('timeline designs (issue 3 part B)', () => {
  test('every cell of timeline-submit-thread and timeline-wbs-direct matches its expectation', async () => {
    const t0 = Date.now();
    const r = await checkDesigns({ designs: ['timeline-submit-thread', 'timeline-wbs-direct'], engine: 'exhaustive' });
    const cells = r.cells.map((c) => `${c.design} ${c.property}: ${c.observed}`);
    expect(cells).toEqual(r.cells.map((c) => `${c.design} ${c.property}: ${c.expected}`));
    expect(r.cells.length).toBe(12);
    expect(r.cells.filter((c) => c.observed === 'violates').map((c) => c.property).sort()).toEqual(['acyclic-waits', 'finite-time', 'no-future-edges', 'timeline-monotonic']);
    // the exhaustive explorer finished the small config of the design that holds
    expect(r.cells.find((c) => c.design === 'timeline-submit-thread')!.bound).toMatch(/^all \d+ reachable states/);
    expect(Date.now() - t0).toBeLessThan(20_000);
  });
});
