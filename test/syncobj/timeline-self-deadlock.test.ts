/**
 * Issue 12.6: a client that deadlocks itself keeps the pieces. The other process and the compositor
 * finish (finite-time holds, reached), while the client's own stall is a no-deadlock violation scoped to
 * the client's batches and a metric.
 */
import { describe, expect, test } from 'vitest';
import { checkDesigns } from '../../src/api.ts';

describe('timeline-self-deadlock (issue 12.6)', () => {
  test('isolation holds for everyone else; the client stalls alone', async () => {
    const r = await checkDesigns({ designs: ['timeline-self-deadlock'], engine: 'exhaustive' });
    const cell = (p: string) => r.cells.find((c) => c.property === p)!;
    expect(cell('finite-time').observed).toBe('holds');
    expect(cell('finite-time').bound).toMatch(/^all \d+ reachable states/);
    expect(cell('acyclic-waits').observed).toBe('holds');
    const dl = cell('no-deadlock');
    expect(dl.observed).toBe('violates');
    expect(dl.message).toMatch(/client\.q0\.b0, client\.q1\.b0/);
    expect(dl.message).not.toMatch(/other|comp/);
    const m = r.metrics.find((x) => x.metric === 'client-batches-stuck-in-userspace')!;
    expect(m.fair).toBeGreaterThan(0);
  }, 60_000);
});
