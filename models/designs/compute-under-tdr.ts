/**
 * compute-under-tdr — a legitimate long compute job under the drm_sched timeout (seed 001 "Compute
 *   doesn't happen in finite time": "Why shouldn't a kernel run on the GPU for 3 days?").
 *
 * Idea: single-fifo-implicit's device, where process 0 is a compute client whose every job is a long
 *   dispatch of `computeSteps` GPU steps, each one progress (the ring is healthy all along). Its job
 *   fences are dma_fences, so the TDR guards them (R20, R98). The TDR cannot tell "has deadlocked" from
 *   "is still doing useful computations" (seed 002): with the timeout budget, it fires while the
 *   dispatch progresses. The victims are the kernel's: drm_sched_job_timedout takes the oldest pending
 *   job, amdgpu_job_timedout sets -ETIME on it, drm_sched_increase_karma marks its entity guilty (so its
 *   later jobs are cancelled, R94), and the reset cancels the 3D client's job queued behind it on the
 *   ring (R101, R102). No design code names a victim.
 * Source: seed 001 "Compute doesn't happen in finite time", "You can't use struct dma_fence for 'Is my
 *   compute job done yet?'"; seed 002 "you fundamentally can't tell 'has deadlocked' from 'is still
 *   doing useful computations'"; R98-R103.
 * Changes: single-fifo-implicit's scopes with `computeSteps` > 1 for process 0, credit limit 2 (the 3D
 *   job sits behind the dispatch on the ring) and one wrong timeout per run.
 * Related: compute-lr-mode (the fix: long-running mode, no dma_fence for the job, no TDR),
 *   single-fifo-implicit (the world).
 */
import { defineDesign } from '../design.ts';
import base, { type SingleFifoConfig } from './single-fifo-implicit.ts';

const small: SingleFifoConfig = {
  processes: 2,
  jobs: 1,
  bos: 2,
  maxHangs: 0,
  tdr: true,
  creditLimit: 2,
  timeouts: 1,
  computeSteps: 3,
};

export default defineDesign<SingleFifoConfig>({
  ...base,
  name: 'compute-under-tdr',
  summary:
    'A multi-step compute job behind a dma_fence under the drm_sched TDR: the timeout fires on healthy work ' +
    'and the reset kills it and its neighbours.',
  source: 'seed 001 "Why shouldn\'t a kernel run on the GPU for 3 days?"; seed 002; R98-R103',
  configs: {
    small,
    default: { ...small, jobs: 2, maxHangs: 1 },
    large: { ...small, processes: 3, jobs: 2, maxHangs: 1, computeSteps: 4 },
  },
  bounds: {
    exhaustive: { config: 'small', depth: 60, maxStates: 200_000 },
    random: { config: 'default', depth: 80, runs: 300 },
  },
  expect: {
    ...base.expect,
    'innocent-context-survives': {
      verdict: 'violates',
      why:
        'seed 001/002: the TDR fires while the dispatch progresses; the oldest pending job (the compute one) gets ' +
        '-ETIME, its entity is marked guilty, and the 3D job behind it is cancelled (R99, R102, R103)',
    },
    'finite-time': {
      verdict: 'holds',
      why: 'the TDR bounds every job fence, by killing the work when it must (R20, R98-R102)',
    },
    'context-order': {
      verdict: 'holds',
      why:
        'shown by exploration (applies by default, issue 14.2); two fences of one context in flight, the earlier one ' +
        'unsignalled: reached 1291 times',
    },
  },
});
