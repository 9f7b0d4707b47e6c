/**
 * umf-separated as a scope (issue 11.1) and its fixed/broken twin (issue 11.5): the key case, an eviction
 * while a consumer spins on its UMF, is reached in many states of the default config, and without
 * mid-wait preemption the same scope loses finite time.
 */
import { describe, expect, test } from 'vitest';
import { enabledActions } from '../../src/world/steps.ts';
import { worldKey, type World } from '../../models/world.ts';
import type { Design } from '../../models/design.ts';
import { checkDesigns } from '../../src/api.ts';
import { preemptedMidSpin } from '../../models/userq/lr-umf-batches.ts';
import separated from '../../models/designs/umf-separated.ts';
import noMidWait from '../../models/designs/umf-separated-no-midwait-preempt.ts';

/** Every reachable world of a config (breadth first), with a hang guard on the count. */
function reachable(d: Design, cfg: unknown, limit = 50_000): World[] {
  const w0 = d.init(cfg);
  const seen = new Map<string, World>([[worldKey(w0), w0]]);
  let frontier = [w0];
  while (frontier.length) {
    const next: World[] = [];
    for (const w of frontier)
      for (const a of enabledActions(d, cfg, w)) {
        const k = worldKey(a.next);
        if (seen.has(k)) continue;
        seen.set(k, a.next);
        next.push(a.next);
      }
    if (seen.size > limit) throw new Error(`more than ${limit} states`);
    frontier = next;
  }
  return [...seen.values()];
}

describe('umf-separated scopes', () => {
  test('configs are real parameters: default is bigger than small, and the key case occurs in many states', () => {
    const { small, default: dflt, large } = separated.configs;
    expect(dflt).not.toBe(small);
    expect(dflt.procs * dflt.jobs).toBeGreaterThan(small.procs * small.jobs);
    expect(large.procs).toBeGreaterThan(dflt.procs);
    const ws = reachable(separated, dflt);
    expect(ws.length).toBeGreaterThan(reachable(separated, small).length);
    const mid = ws.filter((w) => preemptedMidSpin(w).length > 0);
    expect(mid.length).toBeGreaterThan(100);
    // the consumers of both UMFs are caught mid-spin somewhere, not only proc1
    expect(new Set(mid.flatMap((w) => preemptedMidSpin(w)))).toEqual(new Set(['proc1.ctx', 'proc2.ctx']));
  }, 60_000);

  test('without mid-wait preemption the same scope loses finite time and the preempt fence bound', async () => {
    const small = (d: Design): Design => ({
      ...d,
      name: `${d.name}@small`,
      bounds: { ...d.bounds, exhaustive: { ...d.bounds.exhaustive, config: 'small' } },
    });
    const r = await checkDesigns(
      { engine: 'exhaustive', properties: ['finite-time', 'preempt-fence-bounded', 'acyclic-waits'], metrics: false },
      [small(separated), small(noMidWait)],
    );
    const cell = (d: string, p: string) => r.cells.find((c) => c.design === `${d}@small` && c.property === p)!;
    for (const p of ['finite-time', 'preempt-fence-bounded', 'acyclic-waits']) {
      expect(cell('umf-separated', p).observed).toBe('holds');
      expect(cell('umf-separated-no-midwait-preempt', p).observed).toBe('violates');
    }
    expect(cell('umf-separated-no-midwait-preempt', 'acyclic-waits').message).toMatch(
      /pf1 suspends proc1\.ctx only at a batch boundary/,
    );
    expect(cell('umf-separated', 'finite-time').bound).toMatch(/^all \d+ reachable states/);
  }, 60_000);
});
