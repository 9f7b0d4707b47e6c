/**
 * single-fifo-rr — single-fifo-implicit with the scheduler's round-robin entity selection.
 *
 * Idea: the same device, booted with drm.sched_policy=0 (DRM_SCHED_POLICY_RR): instead of any ready
 *   entity (the model's default, which covers every policy), the scheduler takes the first ready entity
 *   after rq->current_entity, in the order the entities joined the run queue
 *   (drm_sched_rq_select_entity_rr, sched_main.c). A policy only narrows the default's choices, so a
 *   safety verdict that holds for single-fifo-implicit holds here; finite time too, as round robin runs
 *   some ready entity whenever one is ready. The run-queue state (rq->entities, current_entity) splits
 *   worlds the default merges: 8223 states on `small` against 8201, for fewer behaviours.
 * Source: seed 000 "A simple example from a simpler time"; sched_main.c drm_sched_rq_select_entity_rr.
 * Changes: one substitution, the entity selection policy, like a TLA+ .cfg.
 * Related: single-fifo-implicit (the same design under every entity order).
 */
import { defineDesign } from '../design.ts';
import { drm_sched_policy } from '../drm-sched/sched-main.ts';
import base, { type SingleFifoConfig } from './single-fifo-implicit.ts';

export default defineDesign<SingleFifoConfig>({
  ...base,
  name: 'single-fifo-rr',
  summary: 'single-fifo-implicit with round-robin entity selection (drm.sched_policy=0).',
  source: 'seed 000 "A simple example from a simpler time"; sched_main.c drm_sched_rq_select_entity_rr',
  // Five BOs, so the two clients' jobs touch disjoint buffers and both entities can be ready at once:
  // with the base's two BOs every job depended on the other client's (implicit sync), no run_job ever
  // passed a ready entity, and no-starvation held only vacuously (its witness, reached 0).
  configs: {
    small: { ...base.configs.small, bos: 5 },
    default: { ...base.configs.default, bos: 5 },
    large: { ...base.configs.large, bos: 5 },
  },
  init: (cfg) => drm_sched_policy(base.init(cfg), 'round-robin'),
  expect: {
    ...base.expect,
    'no-starvation': {
      verdict: 'holds',
      why:
        'round robin serves every other ready entity at most once before a ready one ' +
        '(drm_sched_rq_select_entity_rr)',
    },
  },
});
