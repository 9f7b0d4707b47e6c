/**
 * io-uring-cqe-in-callback — io-uring-submit with the CQE posted by the job fence's callback itself.
 *
 * Idea: "when job finishes we create a completion item" done the direct way: the finished fence's
 *   callback fills the CQE. Posting takes io_uring's completion lock and, on a full CQ, allocates the
 *   overflow entry (io_cqring_event_overflow). The callback runs in the completion path that still has
 *   the ring's later jobs to signal, a dma_fence signalling section (R22): a GFP_KERNEL allocation there
 *   may enter direct reclaim, where a shrinker waits on one of those very fences (R24, H3).
 * Source: seed 003 ("when job finishes we create a completion item", "fence signalling stays in the
 *   kernel"); R22, R24; H3.
 * Models: io-uring-submit's program on one queue so that jobs share a completion path, a CQ of one entry
 *   that userspace may be slow to reap, memory pressure; the poster as a kthread whose `sigFor` names
 *   the fences the path has still to signal.
 * Related: io-uring-cqe-deferred (the fix: post from task_work).
 */
import { tdrNeverReached } from '../drm-sched/tdr-expect.ts';
import { defineDesign } from '../design.ts';
import { ioUringInitWithPoster, ioUringSteps, type IoUringConfig } from '../io-uring/io-uring-drm.ts';
import base from './io-uring-submit.ts';

const post = 'callback-inline' as const; // seeded bug: post (and allocate) in the signalling path
const small: IoUringConfig = {
  queues: 1,
  program: [
    { queue: 0, after: [] },
    { queue: 0, after: [] },
    { queue: 0, after: [] },
  ],
  maxHangs: 0,
  creditLimit: 2,
  cqEntries: 1,
  memoryPressure: true,
};

export default defineDesign<IoUringConfig>({
  ...base,
  name: 'io-uring-cqe-in-callback',
  summary:
    "The job fence's callback posts the CQE itself: completion lock and overflow allocation inside the signalling " +
    'section.',
  source: 'seed 003 (io_uring for DRM: completion items); R22, R24, H3',
  configs: {
    small,
    default: { ...small, queues: 2, program: [...small.program, { queue: 1, after: [] }, { queue: 1, after: [3] }] },
    large: { ...base.configs.large, cqEntries: 2, memoryPressure: true },
  },
  init: ioUringInitWithPoster(post),
  steps: ioUringSteps(post),
  expect: {
    ...base.expect,
    'acyclic-waits': {
      verdict: 'violates',
      why:
        'the same deadlock as a wait-for cycle: the poster waits in reclaim on a fence whose signalling path it is ' +
        '(R22, R24)',
    },
    'signalling-section-discipline': {
      verdict: 'violates',
      why:
        'a full CQ makes the callback allocate the overflow entry with GFP_KERNEL in the signalling path of the ' +
        "ring's later job fences; reclaim waits on one of them (R22, R24, H3)",
    },
    'innocent-context-survives': {
      verdict: 'n/a',
      why: 'never reached here (a context killed or a job cancelled) in small+default: exploration (issue 11.2)',
    },
    'no-userspace-wait-under-kernel-lock': {
      verdict: 'n/a',
      why: 'never reached here (a kernel thread waiting on userspace) in small+default: exploration (issue 11.2)',
    },
    ...tdrNeverReached('small+default'),
  },
});
