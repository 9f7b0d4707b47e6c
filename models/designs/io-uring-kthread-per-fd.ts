/**
 * io-uring-kthread-per-fd — io-uring-submit with several clients: one SQ kernel thread per DRM fd.
 *
 * Idea: each client's io_uring has its own SQ thread, which consumes the client's entries in order and
 *   pushes each job into the client's own drm_sched entity on the job's scheduler. drm_sched keeps a
 *   queue per entity (R92) and runs whichever entity's head job has its dependencies signalled (R93),
 *   so a client whose job waits on a fence (its own earlier job, still running or hung until the TDR)
 *   holds back only its own later jobs (R97): the other clients' jobs on the same scheduler run.
 * Source: seed 003 (Liviu Dudau, "io_uring for DRM"): "Should we have only one kthread per FD or one
 *   per drm scheduler?", "Kernel thread runs submission jobs in order, but they can complete in any
 *   order", "Not sure about the mapping with drm_scheduler (1:1, 1:N)"; R92, R93, R97.
 * Models: two clients (three in large), each its own process, fd and io_uring with a short program over
 *   two schedulers; client 0's job on sched0 waits on its own job on sched1, client 1 has an
 *   independent job on sched0; hangs with TDR. The witness of no-cross-client-blocking is client 1's
 *   job queued while client 0's waits.
 * Abstracted away: SQPOLL idle/wakeup, ring sizes, non-DRM opcodes (as io-uring-submit); fences shared
 *   between clients (a cross-client dependency is a real one, not head-of-line blocking).
 * Related: io-uring-kthread-per-sched (one thread per scheduler), io-uring-submit (one client).
 */
import { defineDesign } from '../design.ts';
import { ioUringClientsInit, ioUringClientsSteps, type IoUringClientsConfig } from '../io-uring/io-uring-clients.ts';
import { TDR_RECOVERS_EXPECT } from '../drm-sched/tdr-expect.ts';

const mapping = 'per-fd' as const;

/** client 0: a job on sched1, then one on sched0 that waits on it; client 1: an independent job on sched0. */
const small: IoUringClientsConfig = {
  queues: 2,
  clients: [
    [
      { queue: 1, after: [] },
      { queue: 0, after: [0] },
    ],
    [{ queue: 0, after: [] }],
  ],
  maxHangs: 1,
  creditLimit: 1,
};

export default defineDesign<IoUringClientsConfig>({
  name: 'io-uring-kthread-per-fd',
  summary:
    "Several clients' io_urings, one SQ thread per fd feeding the fd's own entity: a client waiting on a fence " +
    'holds back only its own jobs.',
  source: 'seed 003 (one kthread per FD or one per drm scheduler?); R92, R93, R97',
  configs: {
    small,
    default: {
      ...small,
      clients: [
        [...small.clients[0], { queue: 0, after: [] }],
        [...small.clients[1], { queue: 1, after: [0] }],
      ],
      creditLimit: 2,
    },
    large: {
      queues: 3,
      clients: [
        [...small.clients[0], { queue: 0, after: [] }, { queue: 2, after: [1] }],
        [...small.clients[1], { queue: 1, after: [0] }, { queue: 2, after: [] }],
        [
          { queue: 2, after: [] },
          { queue: 0, after: [0] },
        ],
      ],
      maxHangs: 2,
      creditLimit: 2,
    },
  },
  bounds: {
    exhaustive: { config: 'small', depth: 60, maxStates: 200_000 },
    random: { config: 'default', depth: 80, runs: 200 },
  },
  init: ioUringClientsInit(mapping),
  steps: ioUringClientsSteps(mapping),
  expect: {
    'no-cross-client-blocking': {
      verdict: 'holds',
      why:
        "each client's jobs join its own entity (R92); drm_sched runs any ready entity's head (R93), so a client " +
        'waiting on a fence holds back only its own later jobs (R97)',
    },
    'one-shot': { verdict: 'holds', why: 'job fences are signalled by the scheduler only, once (R4, R96)' },
    'acyclic-waits': {
      verdict: 'holds',
      why: "an entry can only point at fences of its own client's earlier entries, consumed in order (seed 003)",
    },
    'finite-time': {
      verdict: 'holds',
      why: '"fence signalling stays in the kernel": scheduler fences with TDR (seed 003; R20, R98)',
    },
    'context-order': {
      verdict: 'holds',
      why: 'one entity per fd and scheduler: its job fences share a context and finish in ring order (I4, R97)',
    },
    'uring-completion-after-fence': {
      verdict: 'holds',
      why: "each CQE is posted from its job's finished fence callback (seed 003), whichever thread consumed it",
    },
    'innocent-context-survives': {
      verdict: 'violates',
      why:
        "collateral damage, as drm_sched does it: clients share a GPU ring, and the reset after one client's hang " +
        "cancels the other client's jobs pending on that ring with -ECANCELED (R101, R102); R20 asks for only the " +
        'offending context',
    },
    'errors-propagate': {
      verdict: 'n/a',
      why:
        'it judges the access records of the buffer-sharing designs (models/userspace/buffer-sharing.ts), which ' +
        'io_uring entries do not write: never reached (exploration, issue 11.2)',
    },
    'no-priority-inversion': {
      verdict: 'n/a',
      why: 'every entity is on the NORMAL run queue: no two priorities compete for a ring',
    },
    ...TDR_RECOVERS_EXPECT,
  },
});
