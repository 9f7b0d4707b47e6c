/**
 * sched-recover-with-error — the fixed twin of sched-resubmit-jobs (H15): the documented recovery.
 *
 * Idea: drm_sched_stop, reset, drm_sched_start(errno) (R100-R102): every pending job's finished fence
 *   is signaled with an error (-ETIME for the guilty one, -ECANCELED for the rest); no fence is
 *   re-initialized, and userspace resubmits if it wants to.
 * Source: H15; R100, R102, R104.
 * Changes: none. Same world and scopes as the buggy design.
 */
import { defineDesign } from '../design.ts';
import { resubmitDesign, type ResubmitConfig } from './sched-resubmit-jobs.ts';
import { TDR_RECOVERS_EXPECT } from '../drm-sched/tdr-expect.ts';

export default defineDesign<ResubmitConfig>({
  name: 'sched-recover-with-error',
  summary: 'Recovery fails the pending jobs with an error and re-arms no fence (H15 fixed, R102).',
  source: 'H15; R100-R104',
  ...resubmitDesign(false),
  expect: {
    'acyclic-waits': { verdict: 'holds', why: 'explored: holds, precondition reached in 1400 state(s) at default' },
    'context-order': { verdict: 'holds', why: 'explored: holds, precondition reached in 2264 state(s) at default' },
    'errors-propagate': {
      verdict: 'n/a',
      why: "its precondition never occurs in this design's world (0 states reached at default)",
    },
    'hazard-free': {
      verdict: 'n/a',
      why: "its precondition never occurs in this design's world (0 states reached at default)",
    },
    'innocent-context-survives': {
      verdict: 'violates',
      why: 'R102: the documented recovery cancels every pending job on the ring, innocent ones too (-ECANCELED)',
    },
    'no-priority-inversion': {
      verdict: 'n/a',
      why: "its precondition never occurs in this design's world (0 states reached at default)",
    },
    'one-shot': {
      verdict: 'holds',
      why: 'no fence is re-initialized; the reset signals each hardware fence once (R4)',
    },
    'finite-time': { verdict: 'holds', why: 'TDR and reset complete every pending job (R98-R102)' },
    'reset-completes-with-error': { verdict: 'holds', why: 'R102: -ETIME for the guilty job, -ECANCELED for the rest' },
    'hang-recovers-with-error': TDR_RECOVERS_EXPECT['hang-recovers-with-error'],
  },
});
