/**
 * timeline-wbs-eviction-submit-thread — timeline-wbs-eviction under the submit-thread policy (R145-R147).
 *
 * Idea: the waiter's batch stays in its Vulkan queue's submit thread until its wait point has
 *   materialized (seed 001 "batches aren't submitted to the kernel until all dependencies are
 *   resolved"), so every fence in a resv depends only on submitted, materialized work: the eviction waits
 *   on jobs the GPU can finish.
 * Source: seed 001 "High-performance clients want timelines" (submit thread); R88, R145-R147.
 * Changes: one substitution, `submitThread: true`.
 * Related: timeline-wbs-eviction (the direct path), timeline-submit-thread (the same policy, no memory).
 */
import { defineDesign } from '../design.ts';
import base, { type WbsEvictionConfig } from './timeline-wbs-eviction.ts';
import { TDR_RECOVERS_EXPECT } from '../drm-sched/tdr-expect.ts';

const threaded = (c: WbsEvictionConfig): WbsEvictionConfig => ({ ...c, submitThread: true });

export default defineDesign<WbsEvictionConfig>({
  ...base,
  name: 'timeline-wbs-eviction-submit-thread',
  summary: 'timeline-wbs-eviction with the submit thread: no placeholder reaches a resv, evictions complete.',
  source: 'seed 001 "Any deadlocks stay in userspace"; R88, R145-R147',
  configs: {
    small: threaded(base.configs.small),
    default: threaded(base.configs.default),
    large: threaded(base.configs.large),
  },
  expect: {
    ...base.expect,
    'acyclic-waits': {
      verdict: 'holds',
      why: 'a job reaches the kernel only once its point has materialized: dependencies point at submitted work',
    },
    'finite-time': {
      verdict: 'holds',
      why: 'every fence in a resv depends only on materialized jobs and moves; TDR covers hangs (R20, I10)',
    },
    'no-future-edges': {
      verdict: 'n/a',
      why: 'find_fence(flags = 0) is called only after WAIT_AVAILABLE (R84, R88): no fence for a future point exists',
    },
    'innocent-context-survives': {
      verdict: 'holds',
      why:
        'shown by exploration (applies by default, issue 14.2); a context killed or a job cancelled: reached 151 ' +
        'times',
    },
    ...TDR_RECOVERS_EXPECT,
  },
});
