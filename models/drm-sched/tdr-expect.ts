/**
 * The two promises drm_sched's TDR makes to every design whose jobs it can reset (I22, R99-R102;
 * sched_main.c drm_sched_job_timedout, the driver's timedout_job, drm_sched_start): a design where hangs
 * happen and a reset follows spreads these instead of restating them. A design where they do not hold
 * (no TDR, a resubmit that re-arms fences) states its own verdict and why.
 */
import type { Expectation } from '../design.ts';

export const TDR_RECOVERS_EXPECT: Record<'hang-recovers-with-error' | 'reset-completes-with-error', Expectation> = {
  'hang-recovers-with-error': {
    verdict: 'holds',
    why: "every hang here is reset and the hung context's fences signal with an error (I22, R99-R102)",
  },
  'reset-completes-with-error': {
    verdict: 'holds',
    why:
      'a reset completes every job that ran on the hung ring with an error: the guilty -ETIME, the rest -ECANCELED ' +
      '(R99-R102)',
  },
};

/** Where nothing hangs, both are n/a: their witnesses were never reached at `scope` (issue 11.2). */
export const tdrNeverReached = (
  scope: string,
): Record<'hang-recovers-with-error' | 'reset-completes-with-error', Expectation> => ({
  'hang-recovers-with-error': {
    verdict: 'n/a',
    why: `never reached here (a ring, context or user queue hung) in ${scope}: exploration (issue 11.2)`,
  },
  'reset-completes-with-error': {
    verdict: 'n/a',
    why: `never reached here (a hung ring reset with a job running on it) in ${scope}: exploration (issue 11.2)`,
  },
});
