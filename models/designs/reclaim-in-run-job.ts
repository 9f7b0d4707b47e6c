/**
 * reclaim-in-run-job — a driver's run_job allocates with GFP_KERNEL (H3).
 *
 * Idea: the scheduler's submit work calls run_job, which is on the signalling path of the job's
 *   finished fence (R95, R22). The driver allocates its hardware fence there with GFP_KERNEL instead of
 *   preallocating it. Under memory pressure the allocation enters direct reclaim; a shrinker picks a busy
 *   BO and waits on its fence (R24), which may be this very job's finished fence: it can only signal
 *   after run_job returns.
 * Source: H3 ("[PATCH 19/65] drm/amdgpu: s/GFP_KERNEL/GFP_ATOMIC in scheduler code", trace
 *   kmem_cache_alloc -> amdgpu_fence_emit -> amdgpu_ib_schedule -> amdgpu_job_run -> drm_sched_main);
 *   seed 001 "Memory allocation must be GFP_NOWAIT/GFP_ATOMIC".
 * Changes: R24 broken (the seeded bug below); everything else is single-fifo-implicit.
 * Models: single-fifo-implicit's world plus the scheduler's submit thread as a kthread; memory pressure
 *   is a choice of run_job's allocation (the shrinker's victim fence, or none).
 * Scope: single-fifo-implicit's (processes, jobs per process, BOs, credit limit, hang and timeout
 *   budgets) and the allocation's gfp flags; reclaim-gfp-atomic is the same scopes with GFP_ATOMIC.
 */
import { defineDesign, defineStep, stepTable, withSteps } from '../design.ts';
import { spawn, ctx, must, idsOf, stateOf, type World } from '../world.ts';
import { isSignaled } from '../dma-buf/dma-fence.ts';
import { kthreadMachine, type KthreadContext, type Gfp } from '../kernel/kthread.ts';
import type { DrmSchedJobContext } from '../drm-sched/drm-sched-job.ts';
import type { DrmSchedEntityContext } from '../drm-sched/drm-sched-entity.ts';
import type { DmaResvContext } from '../dma-buf/dma-resv.ts';
import { drm_sched_run_job, drm_sched_run_job_enabled, drmSchedStepTable } from '../drm-sched/sched-main.ts';
import { initSingleFifo, DRM_IOCTL_CS, type SingleFifoConfig } from './single-fifo-implicit.ts';
import { TDR_RECOVERS_EXPECT } from '../drm-sched/tdr-expect.ts';

export interface ReclaimConfig extends SingleFifoConfig {
  /** the allocation run_job makes for its hardware fence */
  gfp: Gfp;
}

const T = 'sched0.submit_wq';
const NO_PRESSURE = 'no memory pressure';
const SHRINKER = 'shrinker waits on ';

/** Fences a shrinker could wait on: unsignaled fences of busy BOs (R24). */
const busyFences = (w: World) =>
  [...new Set(idsOf(w, 'dma_resv').flatMap((r) => ctx<DmaResvContext>(w, r).fences.map((e) => e.fence)))]
    .filter((f) => !isSignaled(w, f))
    .sort();

const drm_sched_run_job_work = defineStep<ReclaimConfig, [entity: string, pressure: string]>({
  name: 'drm_sched_run_job_work',
  role: 'kernel',
  actor: () => T,
  // which entity runs is the scheduler's (selection, readiness, credits); memory pressure is a choice
  params: (w) => {
    const pressure = [NO_PRESSURE, ...busyFences(w).map((f) => `${SHRINKER}${f}`)];
    return idsOf(w, 'drm_sched_entity').flatMap((e) => pressure.map((p): [string, string] => [e, p]));
  },
  enabled: (w, [e]) => stateOf(w, T) === 'idle' && drm_sched_run_job_enabled(w, 'sched0', e),
  apply: (w, [e, p], cfg) => {
    const head = ctx<DrmSchedEntityContext>(w, e).queue[0];
    const reclaimWaits = p.startsWith(SHRINKER) ? p.slice(SHRINKER.length) : '';
    w = must(w, T, { type: 'KTHREAD_WORK', work: `run_job ${head}`, sigFor: [`${head}.finished`] });
    // seeded bug: amdgpu_fence_emit allocates with cfg.gfp = GFP_KERNEL inside run_job (H3)
    w = must(w, T, { type: 'KTHREAD_ALLOC', gfp: cfg.gfp, reclaimWaits });
    if (stateOf(w, T) === 'blocked') return w;
    w = drm_sched_run_job(w, 'sched0', e);
    return must(w, T, { type: 'KTHREAD_DONE' });
  },
  doc:
    'R95, R22: run_job is a signalling section; its allocation may enter reclaim, where a shrinker waits on a ' +
    'busy BO (R24)',
});

const shrinker_wait_done = defineStep<ReclaimConfig, [thread: string]>({
  name: 'shrinker_wait_done',
  role: 'kernel',
  actor: () => T,
  params: () => [[T]],
  enabled: (w) => stateOf(w, T) === 'blocked' && isSignaled(w, ctx<KthreadContext>(w, T).waitingOn),
  apply: (w) => {
    const job = ctx<KthreadContext>(w, T).work.replace(/^run_job /, '');
    w = must(w, T, { type: 'KTHREAD_WAKE' });
    // the job was selected when the work began; only this thread pops, so it is still the head
    w = drm_sched_run_job(w, 'sched0', ctx<DrmSchedJobContext>(w, job).entity);
    return must(w, T, { type: 'KTHREAD_DONE' });
  },
  doc: "the shrinker's fence signaled: the allocation returns and run_job completes",
});

const steps = stepTable<ReclaimConfig>(
  DRM_IOCTL_CS,
  drm_sched_run_job_work,
  shrinker_wait_done,
  // run_job is replaced by drm_sched_run_job_work above (the kthread that may enter reclaim).
  Object.values(
    withSteps(
      drmSchedStepTable({
        maxHangs: (c: ReclaimConfig) => c.maxHangs,
        maxTimeouts: (c: ReclaimConfig) => c.timeouts ?? 0,
      }),
      { drm_sched_run_job: null },
    ),
  ),
);

const small: ReclaimConfig = {
  processes: 1,
  jobs: 2,
  bos: 1,
  maxHangs: 0,
  tdr: true,
  creditLimit: 1,
  gfp: 'GFP_KERNEL',
};
const configs: Record<string, ReclaimConfig> = {
  small,
  default: { ...small, processes: 2, bos: 2, maxHangs: 1, creditLimit: 2 },
  large: { ...small, processes: 3, jobs: 2, bos: 2, maxHangs: 1, creditLimit: 2, timeouts: 1 },
};

/** The same scopes with another allocation (reclaim-gfp-atomic: the fix). */
export function withGfp(gfp: Gfp): Record<string, ReclaimConfig> {
  return Object.fromEntries(Object.entries(configs).map(([k, c]) => [k, { ...c, gfp }]));
}

export default defineDesign<ReclaimConfig>({
  name: 'reclaim-in-run-job',
  summary: 'run_job allocates with GFP_KERNEL; direct reclaim waits on a fence that needs run_job to finish (H3).',
  source: 'H3; seed 001 "Memory allocation must be GFP_NOWAIT/GFP_ATOMIC"; R22, R24',
  configs,
  bounds: {
    exhaustive: { config: 'small', depth: 40, maxStates: 50_000 },
    random: { config: 'default', depth: 60, runs: 200 },
  },
  init: (cfg) => spawn(initSingleFifo(cfg), T, kthreadMachine, {}),
  steps,
  expect: {
    'one-shot': { verdict: 'holds', why: 'every fence has one signalling path (R4)' },
    'signalling-section-discipline': {
      verdict: 'violates',
      why: 'H3: a GFP_KERNEL allocation inside run_job, a signalling section (R22, R24, I11)',
    },
    'acyclic-waits': {
      verdict: 'violates',
      why: "H3: the shrinker waits on the job's finished fence, which waits on run_job (I7)",
    },
    'finite-time': {
      verdict: 'violates',
      why: 'H3: the job is not on the hardware yet, so TDR does not cover it (R98); the deadlock never ends',
    },
    'context-order': {
      verdict: 'holds',
      why:
        'shown by exploration (applies by default, issue 14.2); two fences of one context in flight, the earlier one ' +
        'unsignalled: reached 533 times',
    },
    'errors-propagate': {
      verdict: 'n/a',
      why:
        'never reached here (a job completes after one of its dependencies signaled with an error) in small+default: ' +
        'exploration (issue 11.2)',
    },
    'hazard-free': {
      verdict: 'n/a',
      why:
        'never reached here (two queues touched one buffer, at least one writing) in small+default: exploration ' +
        '(issue 11.2)',
    },
    'innocent-context-survives': {
      verdict: 'violates',
      why:
        "collateral damage, as drm_sched does it: the reset after another entity's hang (or a timeout) cancels every " +
        "job on the reset ring with -ECANCELED (R101, R102), so an innocent entity's job ends with an error (R20 " +
        'asks ' +
        'for only the offending context)',
    },
    'no-priority-inversion': {
      verdict: 'n/a',
      why:
        'never reached here (ready entities of different priorities compete for a ring) in small+default: ' +
        'exploration (issue 11.2)',
    },
    'no-userspace-wait-under-kernel-lock': {
      verdict: 'n/a',
      why: 'never reached here (a kernel thread waiting on userspace) in small+default: exploration (issue 11.2)',
    },
    ...TDR_RECOVERS_EXPECT,
  },
});
