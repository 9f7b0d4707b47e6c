/**
 * Issue 10 item 2 for the memory-management and user-queue designs: every step has an enabling
 * condition, and wherever it holds the effect succeeds (apply never returns null, never throws). Checked
 * on every reachable world of each design's small config, walking the steps directly (not the engine).
 */
import { describe, expect, test } from 'vitest';
import { worldKey, type World } from '../../models/world.ts';
import type { Design } from '../../models/design.ts';
import umfSeparated from '../../models/designs/umf-separated.ts';
import umfWaitInUserspace from '../../models/designs/umf-wait-in-userspace.ts';
import noBoFences from '../../models/designs/no-bo-fences.ts';
import userqEvictionFence from '../../models/designs/userq-eviction-fence.ts';
import userqNoHangDetect from '../../models/designs/userq-no-hang-detect.ts';
import rwUmfA from '../../models/designs/rw-umf-a.ts';
import rwUmfB from '../../models/designs/rw-umf-b.ts';

const MINE = [umfSeparated, noBoFences, userqEvictionFence, userqNoHangDetect, rwUmfA, rwUmfB];

/** BFS over the small config; for each world and each step's candidate arguments, enabled => apply. */
function walk(d: Design): { worlds: number; refused: string[]; enabledSeen: Set<string> } {
  const cfg = d.configs.small;
  const seen = new Set<string>();
  const refused: string[] = [];
  const enabledSeen = new Set<string>();
  let frontier: World[] = [d.init(cfg)];
  seen.add(worldKey(frontier[0]));
  while (frontier.length) {
    const next: World[] = [];
    for (const w of frontier) {
      for (const st of Object.values(d.steps)) {
        for (const args of st.params ? st.params(w, cfg) : [[]]) {
          if (!st.enabled?.(w, args, cfg)) continue;
          enabledSeen.add(st.name);
          const n = st.apply(w, args, cfg);
          if (!n) {
            refused.push(`${st.name}(${JSON.stringify(args)})`);
            continue;
          }
          const k = worldKey(n);
          if (!seen.has(k)) {
            seen.add(k);
            next.push(n);
          }
        }
      }
    }
    frontier = next;
  }
  return { worlds: seen.size, refused, enabledSeen };
}

describe('every step: an exact enabling condition and an effect-only apply (issue 10)', () => {
  for (const d of MINE) {
    test(`${d.name}: every step declares enabled; where it holds, apply succeeds`, () => {
      expect(
        Object.values(d.steps)
          .filter((s) => !s.enabled)
          .map((s) => s.name),
      ).toEqual([]);
      const r = walk(d);
      expect(r.refused).toEqual([]);
      // the walk is the design's whole small state space, so each step that can ever fire did
      expect(r.worlds).toBeGreaterThan(1);
    });
  }

  test('the drivers of ttm_bo_validate share one step: same guard, design-specific trigger and policy', () => {
    // each design keeps its own key for its validating path (trace keys)
    expect(Object.keys(umfSeparated.steps)).toContain('ttm_bo_validate');
    expect(Object.keys(userqEvictionFence.steps)).toEqual(
      expect.arrayContaining(['ttm_bo_validate', 'amdgpu_userq_validate_bos']),
    );
    expect(Object.keys(noBoFences.steps)).toContain('ttm_bo_alloc');
    // and each of them fires somewhere in its design's small state space
    expect(walk(umfSeparated).enabledSeen).toContain('ttm_bo_validate');
    const uq = walk(userqEvictionFence).enabledSeen;
    expect(uq).toContain('ttm_bo_validate');
    expect(uq).toContain('amdgpu_userq_validate_bos');
    expect(walk(noBoFences).enabledSeen).toContain('ttm_bo_alloc');
  });

  test('umf-wait-in-userspace is umf-wrapped with the handoff moved to the CPU: same step table', async () => {
    const wrapped = (await import('../../models/designs/umf-wrapped.ts')).default;
    expect(umfWaitInUserspace.steps).toBe(wrapped.steps);
  });
});
