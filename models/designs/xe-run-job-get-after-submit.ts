/**
 * xe-run-job-get-after-submit — run_job takes the scheduler's reference on the job's fence after submitting
 * it to the firmware (H12).
 *
 * Idea: Xe's guc_exec_queue_run_job submits the job to the GuC and only then returns
 *   dma_fence_get(job->fence), the reference the scheduler keeps as the parent (R95). If the job
 *   completes fast, the completion IRQ signals the fence and drops the submission's reference first: it
 *   was the last one, the fence is freed, and run_job's get is a use-after-free (refcount_t "addition on
 *   0; use-after-free").
 * Source: H12 (Xe issue #2811, Matthew Auld's fix "take the reference before submission", Cc stable
 *   6.8+); R8 ("implementations should grab their own reference"), R13, R15, R95; I5, I6.
 * Changes: the seeded bug below (get after submit); the twin xe-run-job-get-before-submit takes the
 *   reference first.
 * Models: single-fifo-implicit's world (processes, jobs per process, BOs, credits) with the scheduler's
 *   submit work as a kthread, and the lifetime of each hardware fence (models/dma-buf/dma-fence-ref.ts):
 *   the submission's reference (dropped by the IRQ) and the scheduler's (dropped by free_job).
 *   Abstracted away: hangs and resets (a reset path with the same race is the same story).
 */
import { tdrNeverReached } from '../drm-sched/tdr-expect.ts';
import { defineDesign, defineStep, stepTable, withSteps, type StepTable } from '../design.ts';
import { spawn, ctx, must, idsOf, stateOf, accepts, has, type World } from '../world.ts';
import { kthreadMachine, type KthreadContext } from '../kernel/kthread.ts';
import {
  dma_fence_ref_init,
  dma_fence_get,
  dma_fence_put,
  fenceRef,
  type KrefContext,
} from '../dma-buf/dma-fence-ref.ts';
import type { GpuRingContext } from '../gpu/gpu-ring.ts';
import type { DrmSchedEntityContext } from '../drm-sched/drm-sched-entity.ts';
import { drm_sched_run_job, drm_sched_run_job_enabled, drmSchedStepTable } from '../drm-sched/sched-main.ts';
import { initSingleFifo, DRM_IOCTL_CS, type SingleFifoConfig } from './single-fifo-implicit.ts';

export interface RunJobRefConfig extends SingleFifoConfig {
  /** the seeded bug: dma_fence_get(job->fence) after the submission, not before. */
  getAfterSubmit: boolean;
}

const T = 'sched0.submit_wq';
const GUC = 'guc submission';
const SCHED = 'drm_sched parent';
const kt = (w: World) => ctx<KthreadContext>(w, T);
const holders = (w: World, f: string) => (has(w, fenceRef(f)) ? ctx<KrefContext>(w, fenceRef(f)).holders : []);

const drm_sched_run_job_work = defineStep<RunJobRefConfig, [entity: string]>({
  name: 'drm_sched_run_job_work',
  role: 'kernel',
  actor: () => T,
  params: (w) => idsOf(w, 'drm_sched_entity').map((e): [string] => [e]),
  enabled: (w, [e]) => stateOf(w, T) === 'idle' && drm_sched_run_job_enabled(w, 'sched0', e),
  apply: (w, [e], cfg) => {
    const head = ctx<DrmSchedEntityContext>(w, e).queue[0];
    w = must(w, T, { type: 'KTHREAD_WORK', work: `run_job ${head}`, sigFor: [`${head}.finished`] });
    // guc_exec_queue_run_job: the job (and its fence, refcount 1: the submission's) goes to the GuC
    w = drm_sched_run_job(w, 'sched0', e);
    w = dma_fence_ref_init(w, `${head}.hw`, GUC);
    if (cfg.getAfterSubmit) return w; // seeded bug (H12): the return's dma_fence_get comes later
    return must(dma_fence_get(w, `${head}.hw`, SCHED), T, { type: 'KTHREAD_DONE' });
  },
  doc: "R95: run_job submits the job; the fixed driver takes the scheduler's reference first (R8, H12)",
});

const guc_exec_queue_run_job_return = defineStep<RunJobRefConfig>({
  name: 'guc_exec_queue_run_job_return',
  role: 'kernel',
  actor: () => T,
  enabled: (w, _a, cfg) => cfg.getAfterSubmit && stateOf(w, T) === 'running',
  apply: (w) => {
    const job = kt(w).work.replace(/^run_job /, '');
    return must(dma_fence_get(w, `${job}.hw`, SCHED), T, { type: 'KTHREAD_DONE' });
  },
  doc: 'H12: return dma_fence_get(job->fence): the IRQ may have signalled and freed it already',
});

/** The ring completes its head; the completion IRQ signals the fence and drops the submission's reference. */
const gpu_ring_complete = defineStep<RunJobRefConfig, [ring: string]>({
  name: 'gpu_ring_complete',
  role: 'gpu',
  actor: ([r]) => r,
  params: (w) => idsOf(w, 'gpu_ring').map((r): [string] => [r]),
  enabled: (w, [r]) => accepts(w, r, { type: 'GPU_RING_COMPLETE' }),
  apply: (w, [r]) => {
    const hw = ctx<GpuRingContext>(w, r).fifo[0];
    w = must(w, r, { type: 'GPU_RING_COMPLETE' });
    return holders(w, hw).includes(GUC) ? dma_fence_put(w, hw, GUC) : w;
  },
  doc: 'the head job completes: the IRQ signals the hw fence (R95, R96) and puts the submission reference',
});

/** R96 free_job: the scheduler drops its reference on the parent. */
const drm_sched_free_job = defineStep<RunJobRefConfig, [job: string]>({
  name: 'drm_sched_free_job',
  role: 'kernel',
  actor: () => 'sched0',
  params: (w) => idsOf(w, 'drm_sched_job').map((j): [string] => [j]),
  enabled: (w, [j]) => stateOf(w, j) === 'done' && holders(w, `${j}.hw`).includes(SCHED),
  apply: (w, [j]) => dma_fence_put(w, `${j}.hw`, SCHED),
  doc: 'R96: free_job puts the parent fence (the last reference frees it, R15)',
});

const steps: StepTable<RunJobRefConfig> = stepTable<RunJobRefConfig>(
  DRM_IOCTL_CS,
  drm_sched_run_job_work,
  guc_exec_queue_run_job_return,
  drm_sched_free_job,
  Object.values(
    withSteps(drmSchedStepTable({ maxHangs: (c: RunJobRefConfig) => c.maxHangs }), {
      drm_sched_run_job: null,
      gpu_ring_complete,
    }),
  ),
);

/** Scopes and table shared with the twin (xe-run-job-get-before-submit). */
export function runJobRefDesign(getAfterSubmit: boolean) {
  const base = { tdr: true, maxHangs: 0, getAfterSubmit };
  return {
    configs: {
      small: { ...base, processes: 1, jobs: 1, bos: 1, creditLimit: 1 },
      default: { ...base, processes: 2, jobs: 1, bos: 2, creditLimit: 2 },
      large: { ...base, processes: 3, jobs: 3, bos: 2, creditLimit: 2 },
    },
    bounds: {
      exhaustive: { config: 'default', depth: 80, maxStates: 500_000 },
      random: { config: 'large', depth: 100, runs: 200 },
    },
    init: (cfg: RunJobRefConfig) => spawn(initSingleFifo(cfg), T, kthreadMachine, {}),
    steps,
  };
}

export default defineDesign<RunJobRefConfig>({
  name: 'xe-run-job-get-after-submit',
  summary:
    "run_job submits to the firmware, then takes the scheduler's reference on the job fence; the IRQ may signal " +
    'and free it in between (H12).',
  source: 'H12 (Xe issue #2811; guc_exec_queue_run_job); R8, R13, R15, R95; I5, I6',
  ...runJobRefDesign(true),
  expect: {
    'acyclic-waits': { verdict: 'holds', why: 'explored: holds, precondition reached in 8 state(s) at default' },
    'context-order': { verdict: 'holds', why: 'explored: holds, precondition reached in 8 state(s) at default' },
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
      verdict: 'holds',
      why: 'explored: holds, precondition reached in 28 state(s) at default',
    },
    'memory-eventually-freed': {
      verdict: 'violates',
      why: "H12: the IRQ puts the last reference before run_job's dma_fence_get: a use-after-free (I6)",
    },
    'finite-time': { verdict: 'holds', why: 'every job completes; the bug is in the lifetime, not the signal' },
    'one-shot': { verdict: 'holds', why: 'each fence signals once (R4)' },
    ...tdrNeverReached('default+large'),
  },
});
