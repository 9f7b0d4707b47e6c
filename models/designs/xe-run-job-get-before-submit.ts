/**
 * xe-run-job-get-before-submit — the fixed twin of xe-run-job-get-after-submit (H12).
 *
 * Idea: run_job takes the reference it will return to the scheduler before it submits the job to the
 *   firmware, so the completion IRQ's put can never be the last one while run_job still needs the fence.
 *   free_job drops the scheduler's reference, and the fence is freed once both are gone.
 * Source: H12 (Matthew Auld's fix for Xe issue #2811); R8, R15, R96.
 * Changes: none. Same world and scopes as the buggy design.
 */
import { defineDesign } from '../design.ts';
import { runJobRefDesign, type RunJobRefConfig } from './xe-run-job-get-after-submit.ts';

export default defineDesign<RunJobRefConfig>({
  name: 'xe-run-job-get-before-submit',
  summary:
    "run_job takes the scheduler's fence reference before submitting; the fence is freed after free_job (H12 fixed).",
  source: 'H12; R8, R13, R15, R96',
  ...runJobRefDesign(false),
  expect: {
    'memory-eventually-freed': {
      verdict: 'holds',
      why: 'each hardware fence is freed once the IRQ and free_job put their references, never used after (I5, I6)',
    },
    'finite-time': { verdict: 'holds', why: 'every job completes (R95, R96)' },
    'one-shot': { verdict: 'holds', why: 'each fence signals once (R4)' },
  },
});
