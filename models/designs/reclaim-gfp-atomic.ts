/**
 * reclaim-gfp-atomic — the fixed twin of reclaim-in-run-job: run_job allocates without reclaim.
 *
 * Idea: the same driver, scheduler, processes and memory pressure, but run_job's allocation of its
 *   hardware fence is GFP_ATOMIC (the fix of H3, "drm/amdgpu: s/GFP_KERNEL/GFP_ATOMIC in scheduler
 *   code"), or preallocated at submit time, which is the same to the model: inside the signalling section
 *   nothing enters direct reclaim, so no shrinker ever waits on a fence from there (R22, R24, R25).
 * Source: H3; seed 001 "Memory allocation must be GFP_NOWAIT/GFP_ATOMIC".
 * Changes: one substitution, `gfp: 'GFP_ATOMIC'`, at every scope of reclaim-in-run-job.
 * Related: reclaim-in-run-job (the bug), single-fifo-implicit (the world).
 */
import { defineDesign } from '../design.ts';
import base, { withGfp, type ReclaimConfig } from './reclaim-in-run-job.ts';
import { TDR_RECOVERS_EXPECT } from '../drm-sched/tdr-expect.ts';

export default defineDesign<ReclaimConfig>({
  ...base,
  name: 'reclaim-gfp-atomic',
  summary: 'run_job allocates its hardware fence with GFP_ATOMIC: memory pressure never reclaims inside run_job.',
  source: 'H3 fix; seed 001 "Memory allocation must be GFP_NOWAIT/GFP_ATOMIC"; R22, R24, R25',
  configs: withGfp('GFP_ATOMIC'),
  expect: {
    ...base.expect,
    'signalling-section-discipline': {
      verdict: 'n/a',
      why:
        'never reached here (a kernel thread on the signalling path of an unsignaled fence (in a state, or across a ' +
        'step)) in small+default: exploration (issue 11.2)',
    },
    'acyclic-waits': {
      verdict: 'holds',
      why: 'no shrinker waits inside run_job, so no finished fence waits on itself through reclaim (I7)',
    },
    'finite-time': {
      verdict: 'holds',
      why: 'run_job always returns; the TDR covers the job once it is on the ring (R98, R102)',
    },
    'context-order': {
      verdict: 'holds',
      why:
        'shown by exploration (applies by default, issue 14.2); two fences of one context in flight, the earlier one ' +
        'unsignalled: reached 675 times',
    },
    ...TDR_RECOVERS_EXPECT,
  },
});
