/**
 * userq-no-hang-detect — userq-eviction-fence without the hang-detect timer (H13).
 *
 * Idea: amdgpu user-queue fences as in the snapshot before the January 2026 hang_detect_work series: a
 *   userq fence whose queue waits on a user fence (or has malformed commands) never signals, yet it sits
 *   in a BO resv as WRITE. The eviction waits on it, and the eviction fence's suspend work waits on it
 *   as the queue's last_fence: memory management stalls with no bound.
 * Source: kernel-sync-semantics.md H13 ("user queue fences may never be signaled, causing processes to
 *   wait indefinitely"), R115, R124.
 * Changes: one substitution, `hangDetect: false`.
 * Related: userq-eviction-fence (the fix).
 */
import { defineDesign } from '../design.ts';
import base, { type UserqConfig } from './userq-eviction-fence.ts';

// seeded bug: no hang-detect timer (H13)
const noHangDetect = (c: UserqConfig): UserqConfig => ({ ...c, hangDetect: false });

export default defineDesign<UserqConfig>({
  ...base,
  name: 'userq-no-hang-detect',
  summary: 'userq-eviction-fence without hang detection: a userq fence can wait on userspace forever (H13).',
  source: 'H13; R115, R122-R124; seed 001 "We can\'t trust userspace: userspace may never bother to signal it"',
  configs: {
    small: noHangDetect(base.configs.small),
    default: noHangDetect(base.configs.default),
    large: noHangDetect(base.configs.large),
  },
  expect: {
    ...base.expect,
    'finite-time': {
      verdict: 'violates',
      why:
        'H13: the userq fence waits on umf0 (or a hung queue) and nothing bounds it; the eviction behind it never ' +
        'completes (I10, I23)',
    },
    'umf-never-blocks-dma-fence': {
      verdict: 'violates',
      why: 'without I23 the userq fence is a plain dma_fence that depends on umf0 (I9, R30)',
    },
    'preempt-fence-bounded': {
      verdict: 'violates',
      why: "H13: the eviction fence's suspend work waits for a last_fence that never signals (I20)",
    },
    'hang-recovers-with-error': {
      verdict: 'violates',
      why: 'H13: a hung queue is never detected, so never reset (I22)',
    },
    'innocent-context-survives': {
      verdict: 'n/a',
      why: 'never reached here (a context killed or a job cancelled) in small+default: exploration (issue 11.2)',
    },
  },
});
