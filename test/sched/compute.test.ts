/**
 * Long compute against the TDR (issue 11.6) and the reclaim twin (issue 11.5): compute-lr-mode holds
 * where compute-under-tdr violates, and its holds are reached (a queue preempted mid-job, a hung queue
 * reset); reclaim-gfp-atomic holds where reclaim-in-run-job violates, at the same scope.
 */
import { describe, expect, test } from 'vitest';
import { enabledActions } from '../../src/world/steps.ts';
import { ctx, idsOf, stateOf, worldKey, type World } from '../../models/world.ts';
import type { Design } from '../../models/design.ts';
import type { GpuContextContext } from '../../models/gpu/gpu-context.ts';
import lr from '../../models/designs/compute-lr-mode.ts';
import underTdr from '../../models/designs/compute-under-tdr.ts';
import reclaimBug from '../../models/designs/reclaim-in-run-job.ts';
import reclaimFix from '../../models/designs/reclaim-gfp-atomic.ts';
import { variant, explore } from '../bugs/helpers.ts';

/** Every reachable world of `d`'s small config (asserting the walk completed under `limit`). */
function reachable(d: Design, limit = 20_000): World[] {
  const c = d.configs.small;
  const start = d.init(c);
  const seen = new Map<string, World>([[worldKey(start), start]]);
  const q = [start];
  while (q.length) {
    const w = q.shift() as World;
    for (const a of enabledActions(d, c, w)) {
      const k = worldKey(a.next);
      if (seen.has(k)) continue;
      seen.set(k, a.next);
      q.push(a.next);
    }
    expect(seen.size).toBeLessThan(limit);
  }
  return [...seen.values()];
}

describe('compute-lr-mode: the long job survives, and what could kill it happens', () => {
  const props = ['finite-time', 'umf-never-blocks-dma-fence', 'innocent-context-survives'];

  test('it holds finite-time, umf-never-blocks-dma-fence and innocent-context-survives', async () => {
    const cells = await explore(variant(lr, 'lr', props));
    // holds where its precondition is reached; umf-never-blocks-dma-fence is n/a (nothing in the kernel waits
    // on a user fence here: completion is read by userspace), which the design declares with that reason
    for (const p of props) expect(cells[p].observed, p).toBe(lr.expect[p]?.verdict === 'n/a' ? 'n/a' : 'holds');
    expect(cells['finite-time'].observed).toBe('holds');
    const tdr = await explore(variant(underTdr, 'tdr', ['innocent-context-survives']));
    expect(tdr['innocent-context-survives'].observed).toBe('violates');
  }, 60_000);

  test('reached: a queue suspended mid-job by an eviction, and a hung queue reset', () => {
    const worlds = reachable(lr);
    const q = (w: World) => idsOf(w, 'gpu_context').map((c) => [c, ctx<GpuContextContext>(w, c)] as const);
    const midJob = worlds.some((w) =>
      q(w).some(([c, g]) => stateOf(w, c) === 'suspended' && g.done > 0 && g.batches.length > 0),
    );
    expect(midJob).toBe(true);
    expect(worlds.some((w) => q(w).some(([c]) => stateOf(w, c) === 'banned'))).toBe(true);
  }, 30_000);
});

describe('reclaim twins at the same scope', () => {
  const props = ['signalling-section-discipline', 'acyclic-waits', 'finite-time'];

  test('reclaim-in-run-job violates, reclaim-gfp-atomic holds', async () => {
    expect(reclaimFix.configs.small).toEqual({ ...reclaimBug.configs.small, gfp: 'GFP_ATOMIC' });
    const bug = await explore(variant(reclaimBug, 'bug', props));
    const fix = await explore(variant(reclaimFix, 'fix', props));
    for (const p of props) {
      expect(bug[p].observed, p).toBe('violates');
      // the fix never enters the state the bug is judged in (its run_job never blocks in the section): n/a there
      expect(fix[p].observed, p).toBe(reclaimFix.expect[p]?.verdict === 'n/a' ? 'n/a' : 'holds');
    }
  }, 60_000);
});
