/**
 * sched-resubmit-jobs — after a reset, the driver re-runs its pending jobs with drm_sched_resubmit_jobs (H15).
 *
 * Idea: the deprecated recovery path: drm_sched_stop detaches the scheduler from the hardware fences
 *   (R101), the ring is reset and its hardware fences force-completed, and drm_sched_resubmit_jobs calls
 *   run_job again on every pending job. A driver that embeds its hardware fence in the job (amdgpu's
 *   job->hw_fence) re-runs dma_fence_init on that object: a fence every waiter may already have seen
 *   signaled becomes unsignaled again, and signals a second time when the re-run completes.
 * Source: H15; R104 (kerneldoc of drm_sched_resubmit_jobs and run_job: "re-initializing already
 *   initialized fences" and allocating in the reset path both break the dma_fence rules); R4, R5.
 * Changes: the seeded bug below (re-init of the hardware fence); the twin sched-recover-with-error is
 *   the documented protocol (R100, R102): pending jobs complete with -ETIME/-ECANCELED, userspace
 *   resubmits.
 * Models: single-fifo-implicit's world (processes, jobs per process, BOs, a hang budget, credits).
 */
import { defineDesign, defineStep, stepTable, withSteps, type StepTable } from '../design.ts';
import { ctx, must, send, tell, respawn, stateOf, setG, type World } from '../world.ts';
import { dmaFenceMachine, type DmaFenceContext } from '../dma-buf/dma-fence.ts';
import type { DrmGpuSchedulerContext } from '../drm-sched/drm-gpu-scheduler.ts';
import type { DrmSchedJobContext } from '../drm-sched/drm-sched-job.ts';
import {
  drmSchedStepTable,
  drm_sched_job_timedout_enabled,
  drm_sched_job_timedout as drmSchedTimedoutRecover,
} from '../drm-sched/sched-main.ts';
import { initSingleFifo, DRM_IOCTL_CS, type SingleFifoConfig } from './single-fifo-implicit.ts';

export interface ResubmitConfig extends SingleFifoConfig {
  /** the seeded bug: recovery resubmits the pending jobs (run_job again) instead of failing them. */
  resubmit: boolean;
}

/**
 * drm_sched_stop + the reset (the deprecated flow, R104): the pending jobs keep their parent, whose
 * callbacks are removed; the reset force-completes the hardware fences, and the jobs to resubmit are
 * recorded for drm_sched_resubmit_jobs (g['resubmit:<sched>']), the recovery's next operation.
 */
function timedoutResubmit(w: World, sched: string): World {
  const s = ctx<DrmGpuSchedulerContext>(w, sched);
  w = tell(w, ctx<DrmSchedJobContext>(w, s.pending[0]).entity, { type: 'DRM_SCHED_ENTITY_SET_GUILTY' });
  const running = s.pending.filter((j) => stateOf(w, j) === 'running' && ctx<DrmSchedJobContext>(w, j).parent);
  // R101 drm_sched_stop: the parent callbacks are removed (job->s_fence->parent stays for the resubmit)
  for (const job of running)
    w = send(w, ctx<DrmSchedJobContext>(w, job).parent, { type: 'DMA_FENCE_REMOVE_CALLBACK', to: job }) ?? w;
  w = must(w, s.ring, { type: 'GPU_RING_RESET' });
  return setG(w, { [`resubmit:${sched}`]: running });
}

const toResubmit = (w: World, sched: string): string[] => {
  const v = w.g[`resubmit:${sched}`];
  return Array.isArray(v) ? v.filter((j): j is string => typeof j === 'string') : [];
};

/** drm_sched_resubmit_jobs + drm_sched_start: run_job again on each job, then re-attach its callback. */
function resubmitJobs(w: World, sched: string): World {
  const s = ctx<DrmGpuSchedulerContext>(w, sched);
  for (const job of toResubmit(w, sched)) {
    const hw = ctx<DrmSchedJobContext>(w, job).parent;
    const f = ctx<DmaFenceContext>(w, hw);
    // seeded bug (H15, R104): run_job re-runs dma_fence_init on the embedded hardware fence
    w = respawn(w, hw, dmaFenceMachine, { context: f.context, seqno: f.seqno, ops: 'hw', owner: job });
    w = must(w, s.ring, { type: 'GPU_RING_EMIT', fence: hw });
    // R102 drm_sched_start: the completion callback is attached to the (re-armed) parent
    const cb = { to: job, ev: { type: 'DRM_SCHED_PARENT_SIGNALED' } };
    w = must(w, hw, { type: 'DMA_FENCE_ADD_CALLBACK', cb });
  }
  return setG(w, { [`resubmit:${sched}`]: null });
}

const drm_sched_resubmit_jobs = defineStep<ResubmitConfig, [sched: string]>({
  name: 'drm_sched_resubmit_jobs',
  role: 'kernel',
  actor: ([s]) => s,
  params: () => [['sched0']],
  enabled: (w, [s]) => toResubmit(w, s).length > 0,
  apply: (w, [s]) => resubmitJobs(w, s),
  doc: 'R104 (deprecated): run_job again on every pending job after the reset, then drm_sched_start',
});

const drm_sched_job_timedout = defineStep<ResubmitConfig, [sched: string]>({
  name: 'drm_sched_job_timedout',
  role: 'timer',
  actor: ([s]) => s,
  params: () => [['sched0']],
  enabled: (w, [s]) => drm_sched_job_timedout_enabled(w, s),
  apply: (w, [s], cfg) => (cfg.resubmit ? timedoutResubmit(w, s) : drmSchedTimedoutRecover(w, s)),
  doc: 'R98-R104: TDR fires on a hung ring; recovery resubmits (R104, deprecated) or fails the jobs (R102)',
});

const steps: StepTable<ResubmitConfig> = stepTable<ResubmitConfig>(
  DRM_IOCTL_CS,
  drm_sched_resubmit_jobs,
  Object.values(
    withSteps(drmSchedStepTable({ maxHangs: (c: ResubmitConfig) => c.maxHangs }), { drm_sched_job_timedout }),
  ),
);

/** Scopes and table shared with the twin (sched-recover-with-error). */
export function resubmitDesign(resubmit: boolean) {
  const base = { tdr: true, creditLimit: 2, resubmit };
  return {
    configs: {
      small: { ...base, processes: 1, jobs: 2, bos: 1, maxHangs: 1 },
      default: { ...base, processes: 2, jobs: 2, bos: 2, maxHangs: 1 },
      large: { ...base, processes: 3, jobs: 3, bos: 2, maxHangs: 2 },
    },
    bounds: {
      exhaustive: { config: 'default', depth: 80, maxStates: 500_000 },
      random: { config: 'large', depth: 100, runs: 200 },
    },
    init: initSingleFifo,
    steps,
  };
}

export default defineDesign<ResubmitConfig>({
  name: 'sched-resubmit-jobs',
  summary:
    'After a reset, drm_sched_resubmit_jobs re-runs run_job on the pending jobs, which re-initializes their ' +
    'already-signaled hardware fences (H15).',
  source: 'H15; R104 (sched_main.c drm_sched_resubmit_jobs, deprecated); R4, R5',
  ...resubmitDesign(true),
  expect: {
    'acyclic-waits': { verdict: 'holds', why: 'explored: holds, precondition reached in 2788 state(s) at default' },
    'context-order': {
      verdict: 'violates',
      why: 'H15: the re-armed hardware fence signals again after later fences of its ring context did (I4)',
    },
    'errors-propagate': {
      verdict: 'n/a',
      why: "its precondition never occurs in this design's world (0 states reached at default)",
    },
    'hazard-free': {
      verdict: 'n/a',
      why: "its precondition never occurs in this design's world (0 states reached at default)",
    },
    'innocent-context-survives': {
      verdict: 'holds',
      why: 'explored: holds, precondition reached in 1344 state(s) at default',
    },
    'no-priority-inversion': {
      verdict: 'n/a',
      why: "its precondition never occurs in this design's world (0 states reached at default)",
    },
    'one-shot': {
      verdict: 'violates',
      why: 'H15: the reset force-completed the hardware fence; run_job re-inits it: signaled -> unsignaled (R5)',
    },
    'finite-time': { verdict: 'holds', why: 'the resubmitted jobs complete (or hang again and are reset, R98)' },
    'reset-completes-with-error': {
      verdict: 'violates',
      why: 'H15: the resubmitted jobs finish later with error 0, not with -ETIME/-ECANCELED at the reset (R102)',
    },
    'hang-recovers-with-error': {
      verdict: 'violates',
      why:
        'the resubmitted job re-arms its hardware fence after the reset, which then signals proc0.j0.hw without the ' +
        'error the reset set (H15, I22)',
    },
  },
});
