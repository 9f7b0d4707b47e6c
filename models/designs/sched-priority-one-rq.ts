/**
 * sched-priority-one-rq — the same compositor and clients on a scheduler with a single run queue.
 *
 * Idea: sched-priority-compositor's processes and priorities, but the scheduler was initialised with
 *   num_rqs = 1 (drm_sched_init_args.num_rqs, as firmware-scheduling drivers pass it: one entity per
 *   scheduler there, so priority is the firmware's business). drm_sched_entity_init clamps every
 *   priority to num_rqs - 1 (sched_entity.c: "if (entity->priority >= sched->num_rqs) ... priority =
 *   max(num_rqs - 1, KERNEL)"), so the compositor's HIGH entity and the clients share one run queue and
 *   a client job may be selected while the compositor's job is ready: priority inversion on the ring.
 * Source: issue 16 no-priority-inversion; sched_entity.c drm_sched_entity_init (num_rqs clamp).
 * Changes: one substitution, `numRqs: 1`.
 * Related: sched-priority-compositor (the holding twin).
 */
import { defineDesign } from '../design.ts';
import type { SingleFifoConfig } from './single-fifo-implicit.ts';
import base, { PRIORITY_CONFIGS } from './sched-priority-compositor.ts';

const oneRq = (c: SingleFifoConfig): SingleFifoConfig => ({ ...c, numRqs: 1 }); // seeded: one run queue

export default defineDesign<SingleFifoConfig>({
  ...base,
  name: 'sched-priority-one-rq',
  summary: 'A scheduler with one run queue: the HIGH compositor entity is clamped in with the clients.',
  source: 'issue 16 no-priority-inversion; sched_entity.c drm_sched_entity_init clamps priority to num_rqs - 1',
  configs: Object.fromEntries(Object.entries(PRIORITY_CONFIGS).map(([k, c]) => [k, oneRq(c)])),
  expect: {
    ...base.expect,
    'no-priority-inversion': {
      verdict: 'violates',
      why: "every entity is on the one run queue: a client's job is selected while the compositor's is ready",
    },
  },
});
