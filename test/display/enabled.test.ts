/**
 * Issue 10 item 2: every display and io_uring step has an exact `enabled`, and its `apply` is the effect
 * only: wherever `enabled` holds, `apply` returns a world (the enumerator will treat a refusal as a
 * model error). Checked on every state of a bounded breadth-first walk of each design's small config.
 */
import { describe, expect, test } from 'vitest';
import type { Design } from '../../models/design.ts';
import type { World } from '../../models/world.ts';
import { worldKey } from '../../models/world.ts';
import { enabledActions, labelOf, stepsOf } from '../../src/world/steps.ts';
import implicit from '../../models/designs/present-implicit.ts';
import syncobj from '../../models/designs/present-explicit-syncobj.ts';
import late from '../../models/designs/present-late-binding.ts';
import naive from '../../models/designs/present-vblank-naive.ts';
import submitReturn from '../../models/designs/present-submit-return.ts';
import uringSubmit from '../../models/designs/io-uring-submit.ts';
import uringEarly from '../../models/designs/io-uring-early-completion.ts';

/** The io-uring designs also run drm_sched's steps, which models/drm-sched/ owns; only these are ours. */
const URING_STEPS = new Set(['io_uring_enter', 'io_sq_thread_consume', 'io_uring_cqe_seen']);

function refusals(d: Design, own: (name: string) => boolean, maxStates: number): string[] {
  const cfg = d.configs.small;
  const init = d.init(cfg);
  const seen = new Set([worldKey(init)]);
  const out: string[] = [];
  let frontier: World[] = [init];
  while (frontier.length && seen.size < maxStates) {
    const next: World[] = [];
    for (const w of frontier) {
      for (const st of stepsOf(d)) {
        if (!own(st.name)) continue;
        for (const args of st.params ? st.params(w, cfg) : [[]]) {
          if (st.enabled?.(w, args, cfg) === false) continue;
          if (!st.enabled || st.apply(w, args, cfg) === null) out.push(labelOf(st.name, args));
        }
      }
      for (const a of enabledActions(d, cfg, w)) {
        const k = worldKey(a.next);
        if (!seen.has(k)) {
          seen.add(k);
          next.push(a.next);
        }
      }
    }
    frontier = next;
  }
  return [...new Set(out)];
}

/** States per design (every reachable state of the small configs takes a few seconds more). */
const MAX_STATES = 3000;

describe('enabled is exact and apply is effect-only', () => {
  test.each([implicit, syncobj, late, naive, submitReturn].map((d) => [d.name, d] as const))('%s', (_n, d) => {
    expect(refusals(d, () => true, MAX_STATES)).toEqual([]);
  });
  test.each([uringSubmit, uringEarly].map((d) => [d.name, d] as const))('%s (its io_uring steps)', (_n, d) => {
    expect(refusals(d, (s) => URING_STEPS.has(s), MAX_STATES)).toEqual([]);
  });
});
