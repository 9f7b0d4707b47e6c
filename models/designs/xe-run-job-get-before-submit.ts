/**
 * xe-run-job-get-before-submit — the fixed twin of xe-run-job-get-after-submit (H12).
 *
 * Idea: run_job takes the reference it will return to the scheduler before it submits the job to the
 *   firmware, so the completion IRQ's put can never be the last one while run_job still needs the fence.
 *   free_job drops the scheduler's reference, and the fence is freed once both are gone.
 * Source: H12 (Matthew Auld's fix for Xe issue #2811); R8, R15, R96.
 * Changes: none. Same world and scopes as the buggy design.
 */
import { tdrNeverReached } from '../drm-sched/tdr-expect.ts';
import { defineDesign } from '../design.ts';
import { runJobRefDesign, type RunJobRefConfig } from './xe-run-job-get-after-submit.ts';

export default defineDesign<RunJobRefConfig>({
  name: 'xe-run-job-get-before-submit',
  summary:
    "run_job takes the scheduler's fence reference before submitting; the fence is freed after free_job (H12 fixed).",
  source: 'H12; R8, R13, R15, R96',
  ...runJobRefDesign(false),
  expect: {
    'acyclic-waits': { verdict: 'holds', why: 'explored: holds, precondition reached in 4 state(s) at default' },
    'context-order': { verdict: 'holds', why: 'explored: holds, precondition reached in 4 state(s) at default' },
    'errors-propagate': {
      verdict: 'n/a',
      why: "its precondition never occurs in this design's world (0 states reached at default)",
    },
    'hazard-free': {
      verdict: 'n/a',
      why: "its precondition never occurs in this design's world (0 states reached at default)",
    },
    'innocent-context-survives': {
      verdict: 'n/a',
      why: "its precondition never occurs in this design's world (0 states reached at default)",
    },
    'no-priority-inversion': {
      verdict: 'n/a',
      why: "its precondition never occurs in this design's world (0 states reached at default)",
    },
    'no-userspace-wait-under-kernel-lock': {
      verdict: 'n/a',
      why: "its precondition never occurs in this design's world (0 states reached at default)",
    },
    'signalling-section-discipline': {
      verdict: 'n/a',
      why: "its precondition never occurs in this design's world (0 states reached at default)",
    },
    'memory-eventually-freed': {
      verdict: 'holds',
      why: 'each hardware fence is freed once the IRQ and free_job put their references, never used after (I5, I6)',
    },
    'finite-time': { verdict: 'holds', why: 'every job completes (R95, R96)' },
    'one-shot': { verdict: 'holds', why: 'each fence signals once (R4)' },
    ...tdrNeverReached('default+large'),
  },
});
