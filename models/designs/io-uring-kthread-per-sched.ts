/**
 * io-uring-kthread-per-sched — seed 003's other answer: one SQ kernel thread per drm scheduler, shared
 * by every fd that submits to it.
 *
 * Idea: the scheduler's thread takes, from each client's io_uring, the head entry for its scheduler
 *   (each ring is still consumed in order, as IORING_SETUP_ATTACH_WQ shares one SQPOLL thread between
 *   rings) and runs "submission jobs in order": the 1:1 mapping, the thread feeds one entity of its
 *   scheduler, whose jobs run in push order (R97), each once its dependencies signalled (R93). Client
 *   0's job waiting on its own job on another scheduler (still running, or hung until the TDR fires)
 *   then holds back client 1's independent job queued behind it: head-of-line blocking across clients,
 *   which the per-fd thread does not have. No IOSQE_IO_DRAIN or IOSQE_IO_LINK is needed: in-order
 *   consumption by one thread is the whole story.
 * Source: seed 003 (Liviu Dudau, "io_uring for DRM"): "Should we have only one kthread per FD or one
 *   per drm scheduler?", "Not sure about the mapping with drm_scheduler (1:1, 1:N)", "Kernel thread
 *   runs submission jobs in order"; R93, R94, R97, R103.
 * Models: io-uring-kthread-per-fd's clients and programs, with the per-scheduler thread and entity.
 * Abstracted away: as io-uring-kthread-per-fd; a per-scheduler thread feeding per-fd entities (its push
 *   never blocks, so it behaves as per-fd for every property here).
 * Related: io-uring-kthread-per-fd.
 */
import { defineDesign } from '../design.ts';
import { ioUringClientsInit, ioUringClientsSteps, type IoUringClientsConfig } from '../io-uring/io-uring-clients.ts';
import base from './io-uring-kthread-per-fd.ts';
import { TDR_RECOVERS_EXPECT } from '../drm-sched/tdr-expect.ts';

const mapping = 'per-sched' as const;

export default defineDesign<IoUringClientsConfig>({
  ...base,
  name: 'io-uring-kthread-per-sched',
  summary:
    'One SQ thread per drm scheduler shared by several fds, feeding one entity: a client waiting on a fence holds ' +
    "back another client's independent job.",
  source: 'seed 003 (one kthread per FD or one per drm scheduler?; mapping 1:1 or 1:N); R93, R97',
  configs: {
    small: { ...base.configs.small },
    default: { ...base.configs.default },
    large: { ...base.configs.large },
  },
  init: ioUringClientsInit(mapping),
  steps: ioUringClientsSteps(mapping),
  expect: {
    ...base.expect,
    'no-cross-client-blocking': {
      verdict: 'violates',
      why:
        "the scheduler's thread pushes client 0's job waiting on its sched1 job, then client 1's independent job, " +
        'into its one entity: R97 runs them in order, R93 holds the head, client 1 waits on a fence it never named',
    },
    'context-order': {
      verdict: 'holds',
      why: "one entity per scheduler: every client's job fences share its context and finish in ring order (I4, R97)",
    },
    'innocent-context-survives': {
      verdict: 'holds',
      why:
        'judged per entity, and here an entity is every client of a scheduler: the TDR marks the shared entity ' +
        "guilty for one client's hang (R103) and R94 then cancels the other clients' later jobs on that scheduler, " +
        "which the property cannot tell from the culprit's (test/io-uring/kthread.test.ts shows it)",
    },
    ...TDR_RECOVERS_EXPECT,
  },
});
