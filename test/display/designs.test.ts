/**
 * Issue 5: every cell of the display and io_uring designs matches its expectation under exhaustive
 * exploration of the 'small' config, and every exploration is complete (not cut by a bound).
 */
import { describe, expect, test } from 'vitest';
import { checkDesigns } from '../../src/api.ts';

export const DISPLAY_DESIGNS = [
  'present-implicit', 'present-explicit-syncobj', 'present-vblank-naive', 'present-late-binding', 'present-submit-return',
  'io-uring-submit', 'io-uring-early-completion',
];

describe('display and io_uring designs: observed === expected (exhaustive, small)', async () => {
  const r = await checkDesigns({ designs: DISPLAY_DESIGNS, engine: 'exhaustive' });
  test('every design declares its cells', () => {
    expect(new Set(r.cells.map((c) => c.design))).toEqual(new Set(DISPLAY_DESIGNS));
  });
  test.each(r.cells.map((c) => [`${c.design} / ${c.property}`, c] as const))('%s', (_n, c) => {
    expect(c.observed, `${c.design} / ${c.property}: ${c.message ?? c.bound}`).toBe(c.expected);
    if (c.observed === 'holds') expect(c.bound).toMatch(/^all \d+ reachable states/);
  });
  test('the seeded violations are the ones the issue names', () => {
    const v = r.cells.filter((c) => c.observed === 'violates').map((c) => `${c.design}/${c.property}`).sort();
    expect(v).toEqual(['io-uring-early-completion/uring-completion-after-fence', 'present-submit-return/finite-time', 'present-vblank-naive/compositor-never-stalls']);
  });
});
