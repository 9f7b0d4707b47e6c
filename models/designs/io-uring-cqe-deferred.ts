/**
 * io-uring-cqe-deferred — io-uring-cqe-in-callback fixed: the fence callback only queues the completion
 * (task_work, an llist add: no lock, no allocation) and a worker posts the CQE outside any signalling
 * section, where the overflow allocation may reclaim and wait (io_uring's own deferral for completions
 * from atomic context, io_req_task_work_add).
 * Source: seed 003; R22, R24.
 * Related: io-uring-cqe-in-callback (the bug), at the same scope.
 */
import { defineDesign } from '../design.ts';
import { ioUringInitWithPoster, ioUringSteps } from '../io-uring/io-uring-drm.ts';
import bug from './io-uring-cqe-in-callback.ts';

const post = 'callback-deferred' as const;

export default defineDesign({
  ...bug,
  name: 'io-uring-cqe-deferred',
  summary: 'The fence callback queues task_work; a worker outside the signalling section posts the CQE.',
  configs: { small: { ...bug.configs.small }, default: { ...bug.configs.default }, large: { ...bug.configs.large } },
  init: ioUringInitWithPoster(post),
  steps: ioUringSteps(post),
  expect: {
    ...bug.expect,
    'acyclic-waits': {
      verdict: 'holds',
      why: 'the worker may wait in reclaim on a job fence, but no fence waits on the worker (R22)',
    },
    'signalling-section-discipline': {
      verdict: 'n/a',
      why:
        'never reached here (a kernel thread on the signalling path of an unsignaled fence (in a state, or across a ' +
        'step)) in small+default: exploration (issue 11.2)',
    },
  },
});
