/**
 * The timeline designs' check matrix, exhaustively on their 'small' configs: every cell observed as
 * expected (timeline-submit-thread holds everything; timeline-wbs-direct violates I7, I8, I10, I14).
 */
import { describe, expect, test } from 'vitest';
import { checkDesigns } from '../../src/api.ts';
import submitThread from '../../models/designs/timeline-submit-thread.ts';
import wbsDirect from '../../models/designs/timeline-wbs-direct.ts';

describe('timeline designs (issue 3 part B)', () => {
  test('every cell of timeline-submit-thread and timeline-wbs-direct matches its expectation', async () => {
    const t0 = Date.now();
    const r = await checkDesigns({ designs: ['timeline-submit-thread', 'timeline-wbs-direct'], engine: 'exhaustive' });
    const cells = r.cells.map((c) => `${c.design} ${c.property}: ${c.observed}`);
    expect(cells).toEqual(r.cells.map((c) => `${c.design} ${c.property}: ${c.expected}`));
    // one cell per stated expectation of each design
    expect(r.cells.map((c) => `${c.design}/${c.property}`).sort()).toEqual(
      [submitThread, wbsDirect].flatMap((d) => Object.keys(d.expect).map((p) => `${d.name}/${p}`)).sort(),
    );
    // the submit thread keeps wait-before-signal in userspace: every violation is the direct design's
    const violations = r.cells.filter((c) => c.observed === 'violates');
    expect(violations.every((c) => c.design === 'timeline-wbs-direct')).toBe(true);
    expect(r.cells.some((c) => c.observed === 'violates')).toBe(true);
    // the exhaustive explorer finished the small config of the design that holds
    expect(r.cells.find((c) => c.design === 'timeline-submit-thread')!.bound).toMatch(/^all \d+ reachable states/);
    expect(Date.now() - t0).toBeLessThan(20_000);
  });
});
