/**
 * io-uring-early-completion — io-uring-submit with the completion entry posted when the SQ thread
 * consumes the entry, not when the job's fence signals.
 *
 * Idea: a tempting shortcut ("the submission succeeded") that breaks the completion queue's meaning:
 *   userspace reads a CQE for a job the GPU has not finished and reuses its buffers.
 * Source: seed 003: "when job finishes we create a completion item that gets added to the io_uring's
 *   completion queue"; "fence signalling stays in the kernel".
 * Changes: one named policy, CqePost 'sq-consumed' instead of 'fence-signaled' (seeded bug).
 * Related: io-uring-submit (the design it breaks).
 */
import { defineDesign } from '../design.ts';
import { ioUringSteps, type IoUringConfig } from '../io-uring/io-uring-drm.ts';
import base from './io-uring-submit.ts';
import { TDR_RECOVERS_EXPECT } from '../drm-sched/tdr-expect.ts';

export default defineDesign<IoUringConfig>({
  ...base,
  name: 'io-uring-early-completion',
  summary: 'io-uring-submit, but a CQE is posted when the entry is consumed rather than when its job fence signals.',
  source: 'seed 003 ("when job finishes we create a completion item")',
  steps: ioUringSteps('sq-consumed'), // seeded bug: CQE at consume time
  expect: {
    ...base.expect,
    'uring-completion-after-fence': {
      verdict: 'violates',
      why: 'the SQ thread posts the CQE as soon as it submitted the job, before the GPU finished it (seed 003)',
    },
    'innocent-context-survives': {
      verdict: 'holds',
      why:
        'shown by exploration (applies by default, issue 14.2); a context killed or a job cancelled: reached 493 ' +
        'times',
    },
    ...TDR_RECOVERS_EXPECT,
  },
});
