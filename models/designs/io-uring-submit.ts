/**
 * io-uring-submit — seed 003: DRM job submission through io_uring.
 *
 * Idea: userspace writes submission entries (pointers to buffers and fences, no copies) into the SQ
 *   of its DRM fd's io_uring; one kernel SQ thread per fd consumes them in order and runs the normal
 *   drm_sched submission path; when a job's finished fence signals, a completion entry is posted.
 *   Jobs go to different GPU queues, so completions come out of order. Fence signalling stays in
 *   the kernel: the job fences are scheduler fences backed by TDR (R20, R98).
 * Source: seed 003 (Liviu Dudau, "io_uring for DRM"): "kernel thread runs submission jobs in order, but
 *   they can complete in any order", "fence signalling stays in the kernel", "when job finishes we
 *   create a completion item".
 * Models: one process's io_uring, two schedulers/rings, a three-entry program where the third entry
 *   waits on the second's fence (a pointer), hangs with TDR. Abstracted away: SQPOLL idle/wakeup,
 *   ring overflow, non-DRM opcodes.
 */
import { defineDesign } from '../design.ts';
import { ioUringInit, ioUringSteps, type IoUringConfig, type IoUringProgramEntry } from '../io-uring/io-uring-drm.ts';
import { TDR_RECOVERS_EXPECT } from '../drm-sched/tdr-expect.ts';

const program: IoUringProgramEntry[] = [
  { queue: 0, after: [] },
  { queue: 1, after: [] },
  { queue: 0, after: [1] },
];

export default defineDesign<IoUringConfig>({
  name: 'io-uring-submit',
  summary:
    'DRM submission through io_uring: in-order SQ thread per fd, the ordinary drm_sched path, CQEs posted from the ' +
    'job fence.',
  source: 'seed 003 (io_uring for DRM)',
  configs: {
    small: { queues: 2, program, maxHangs: 1, creditLimit: 1 },
    default: {
      queues: 2,
      program: [...program, { queue: 1, after: [0] }, { queue: 0, after: [] }],
      maxHangs: 1,
      creditLimit: 2,
    },
    // the largest scope: three queues, eight entries with cross-queue chains, two hangs
    large: {
      queues: 3,
      program: [
        ...program,
        { queue: 2, after: [0] },
        { queue: 1, after: [3] },
        { queue: 2, after: [] },
        { queue: 0, after: [4, 5] },
        { queue: 1, after: [2] },
      ],
      maxHangs: 2,
      creditLimit: 2,
    },
  },
  bounds: {
    exhaustive: { config: 'small', depth: 60, maxStates: 100_000 },
    random: { config: 'default', depth: 80, runs: 200 },
  },
  init: ioUringInit,
  steps: ioUringSteps('fence-signaled'),
  expect: {
    'one-shot': { verdict: 'holds', why: 'job fences are signalled by the scheduler only, once (R4, R96)' },
    'acyclic-waits': {
      verdict: 'holds',
      why: 'an entry can only point at fences of earlier entries, consumed in order (seed 003)',
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
      why:
        'the CQE is posted from the finished fence\'s callback (seed 003 "when job finishes we create a ' +
        'completion item")',
    },
    'errors-propagate': {
      verdict: 'n/a',
      why:
        'never reached here (a job completes after one of its dependencies signaled with an error) in small+default: ' +
        'exploration (issue 11.2)',
    },
    'innocent-context-survives': {
      verdict: 'holds',
      why:
        'shown by exploration (applies by default, issue 14.2); a context killed or a job cancelled: reached 370 ' +
        'times',
    },
    'no-cross-client-blocking': {
      verdict: 'n/a',
      why: "one client: no other client's job to hold back (io-uring-kthread-per-fd / -per-sched compare two)",
    },
    'no-priority-inversion': {
      verdict: 'n/a',
      why:
        'never reached here (ready entities of different priorities compete for a ring) in small+default: ' +
        'exploration (issue 11.2)',
    },
    ...TDR_RECOVERS_EXPECT,
  },
});
