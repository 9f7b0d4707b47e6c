/**
 * umf-wrapped — a user memory fence wrapped in a dma_fence, with no timeout.
 *
 * Idea: seed 001 "Why not wrap it in a struct dma_fence?". Process proc0's job j0 ends by storing 1
 *   into user fence umf0 (the GPU does it, R119). proc1 hands umf0 >= 1 to the kernel as a dependency
 *   of its job: the kernel wraps it in a dma_fence (dma_fence_umf) and the job's finished fence goes
 *   into boA's resv like any implicit-sync job. Userspace's graph is acyclic: proc1 waits on proc0.
 *   VRAM has one slot: boA is in it, proc0's boB is not, so running proc0's job forces an eviction.
 * Source: seed 001 "Why not wrap it in a struct dma_fence?", "We can't trust userspace", "Userspace
 *   can't trust us"; kernel-sync-semantics.md H1, R30.
 * Changes: R30 relaxed: a UMF may gate a dma_fence (the wrapper), which R30 forbids.
 * Related: umf-wrapped-timeout (the same with a timeout), umf-separated (the fix), umf-wait-in-userspace.
 * Models: 2 processes, one drm_sched entity each on one ring, 2 BOs (TTM placement + dma_resv), 1 UMF.
 * Abstracted away: the CS ioctl's BO-list parsing, GEM handles, how proc1 learns (umf0, 1) from proc0
 *   (IPC; it learns it after proc0 submitted, so userspace submits in dependency order).
 */
import { defineDesign, defineStep, type StepTable, stepTable } from '../design.ts';
import { emptyWorld, spawn, ctx, must, tell, idsOf, stateOf, type World } from '../world.ts';
import { ETIME, isSignaled, type DmaFenceContext } from '../dma-buf/dma-fence.ts';
import { dmaFenceUmfMachine, type DmaFenceUmfContext } from '../userq/dma-fence-umf.ts';
import { userMemoryFenceMachine } from '../userq/user-memory-fence.ts';
import { userProcessMachine, type UserProcessContext } from '../userspace/user-process.ts';
import { gpuContextMachine } from '../gpu/gpu-context.ts';
import {
  addScheduler,
  addEntity,
  drm_sched_job_init,
  drm_sched_job_arm,
  drm_sched_entity_push_job,
  drm_sched_job_add_dependency,
  drmSchedSteps,
} from '../drm-sched/sched-main.ts';
import { add_implicit_dependencies, publish_implicit } from '../drm-sched/implicit-sync.ts';
import { ttm_bo_create, ttm_bo_move_copy, TTM_EXPECTATIONS } from '../ttm/ttm-bo.ts';
import { setJobBos, storeAtJobEnd, ttmValidateForJobs, residentJobOps } from '../userq/umf-jobs.ts';
import { kernelAndGpuQuiet } from '../kernel/timer.ts';
import { stepsFromTo } from '../metrics.ts';
import { TDR_RECOVERS_EXPECT } from '../drm-sched/tdr-expect.ts';

export interface UmfWrappedConfig {
  /** VRAM capacity in BOs (boA starts there; boB starts in system memory). */
  vramSlots: number;
  /** seed 001 "throw a timeout on it": the wrapper times out and the waiting context is killed. */
  timeout: boolean;
  /** GPU hangs allowed per run (fault budget). */
  maxHangs: number;
  /** false: option 2, proc1 waits for umf0 on the CPU and submits a plain job (umf-wait-in-userspace). */
  wrapInKernel: boolean;
}

/** proc0: j0 writes boB, the GPU stores umf0 = 1 at its end. proc1: j0 waits umf0 >= 1, writes boA. */
const PROGRAM = {
  proc0: { bo: 'boB', what: 'j0 writes boB; its last command stores umf0 = 1' },
  proc1: { bo: 'boA', what: 'j0 waits umf0 >= 1, writes boA' },
} as const;

function initUmfWrapped(cfg: UmfWrappedConfig): World {
  let w = addScheduler(emptyWorld, 'sched0', 'gpu0', { timeout: true, creditLimit: 2 });
  w = ttm_bo_create(w, 'boA', 'VRAM');
  w = ttm_bo_create(w, 'boB', cfg.vramSlots > 1 ? 'VRAM' : 'SYSTEM');
  w = spawn(w, 'umf0', userMemoryFenceMachine, { writer: 'proc0.j0.finished' });
  for (const p of ['proc0', 'proc1']) {
    w = spawn(w, p, userProcessMachine, {});
    w = addEntity(w, `${p}.entity`);
    w = spawn(w, `${p}.ctx`, gpuContextMachine, { proc: p });
  }
  return w;
}

const pc = (w: World, p: string) => ctx<UserProcessContext>(w, p).pc;

/** The submit ioctl: job init, dependencies, arm, publish into the resv, push (one atomic step). */
function submit(w: World, proc: 'proc0' | 'proc1', cfg: UmfWrappedConfig): World {
  const job = `${proc}.j0`;
  const list = [{ bo: PROGRAM[proc].bo, write: true }];
  w = drm_sched_job_init(w, job, `${proc}.entity`, 'sched0');
  w = setJobBos(w, job, [PROGRAM[proc].bo]);
  w = add_implicit_dependencies(w, job, list);
  if (proc === 'proc1' && cfg.wrapInKernel) {
    // seeded bug: the kernel wraps a user memory fence in a dma_fence and makes a job depend on it (R30)
    const wrap = `${job}.umf`;
    const timeoutKills = cfg.timeout ? `${proc}.ctx` : '';
    w = spawn(w, wrap, dmaFenceUmfMachine, { self: wrap, umf: 'umf0', value: 1, context: 900, seqno: 1, timeoutKills });
    w = drm_sched_job_add_dependency(w, job, wrap);
  }
  w = drm_sched_job_arm(w, job);
  w = publish_implicit(w, `${job}.finished`, list, proc);
  if (proc === 'proc0') w = storeAtJobEnd(w, job, 'umf0', 1);
  w = drm_sched_entity_push_job(w, job);
  return must(w, proc, { type: 'PROC_ADVANCE' });
}

const DRM_IOCTL_SUBMIT = defineStep<UmfWrappedConfig, [proc: 'proc0' | 'proc1', what: string]>({
  name: 'DRM_IOCTL_SUBMIT',
  role: 'user',
  actor: ([p]) => p,
  params: () => [
    ['proc0', PROGRAM.proc0.what],
    ['proc1', PROGRAM.proc1.what],
  ],
  enabled: (w, [p], cfg) =>
    stateOf(w, p) === 'running' &&
    (p === 'proc0' ? pc(w, 'proc0') === 0 : pc(w, 'proc0') >= 1 && pc(w, 'proc1') === (cfg.wrapInKernel ? 0 : 1)),
  apply: (w, [p], cfg) => submit(w, p, cfg),
  doc: 'seed 001: userspace submits an acyclic graph, producer first (proc1 learns umf0 from proc0 after its submit)',
});

/** seed 001 option 2: the consumer sleeps on the UMF on the CPU (futex-like, R120) before it submits. */
const DRM_IOCTL_XE_WAIT_USER_FENCE = defineStep<UmfWrappedConfig, [proc: string, what: string]>({
  name: 'DRM_IOCTL_XE_WAIT_USER_FENCE',
  role: 'user',
  actor: ([p]) => p,
  params: (_w, cfg) => (cfg.wrapInKernel ? [] : [['proc1', 'umf0 >= 1']]),
  enabled: (w, [p]) => stateOf(w, p) === 'running' && pc(w, p) === 0 && pc(w, 'proc0') >= 1,
  apply: (w, [p]) => {
    w = must(w, p, { type: 'PROC_BLOCK', on: 'umf0' });
    return must(w, 'umf0', { type: 'UMF_FUTEX_WAIT', to: p, value: 1, ev: { type: 'PROC_WAKE' } });
  },
  doc: 'R120: userspace waits on the CPU; only then does it hand work to the kernel (seed 001 option 2)',
});

/** Fewest steps from proc0's job completing to proc1's job completing without error (the handoff latency). */
const handoffLatency = (cfg: UmfWrappedConfig) =>
  stepsFromTo(
    initUmfWrapped(cfg),
    steps,
    cfg,
    (w) => isSignaled(w, 'proc0.j0.finished'),
    (w) => isSignaled(w, 'proc1.j0.finished') && ctx<DmaFenceContext>(w, 'proc1.j0.finished').error === 0,
  );

const dma_fence_umf_timedout = defineStep<UmfWrappedConfig, [fence: string]>({
  name: 'dma_fence_umf_timedout',
  role: 'timer',
  actor: () => 'timer',
  params: (w, cfg) => (cfg.timeout ? idsOf(w, 'dma_fence_umf').map((f): [string] => [f]) : []),
  enabled: (w, [f], cfg) => {
    const c = ctx<DmaFenceUmfContext>(w, f);
    return stateOf(w, f) === 'unsignaled' && c.published && c.timeoutKills !== '' && kernelAndGpuQuiet(w, cfg, steps);
  },
  apply: (w, [f]) => {
    const c = ctx<DmaFenceUmfContext>(w, f);
    const victim = c.timeoutKills;
    w = tell(w, c.umf, { type: 'UMF_FUTEX_CANCEL', to: f });
    w = must(w, f, { type: 'DMA_FENCE_SET_ERROR', error: ETIME });
    w = must(w, f, { type: 'DMA_FENCE_SIGNAL' });
    // seed 001 "a fence times out and we kill the userspace context": its jobs are cancelled (R94)
    w = tell(w, victim.replace(/\.ctx$/, '.entity'), { type: 'DRM_SCHED_ENTITY_SET_GUILTY' });
    return tell(w, victim, { type: 'GPU_CTX_KILL', by: f, error: ETIME });
  },
  doc: 'seed 001 "throw a timeout on it": the wrapper gets -ETIME, the context that waited on it is killed',
});

const steps: StepTable<UmfWrappedConfig> = stepTable<UmfWrappedConfig>(
  DRM_IOCTL_SUBMIT,
  DRM_IOCTL_XE_WAIT_USER_FENCE,
  ttmValidateForJobs<UmfWrappedConfig>((c) => c.vramSlots),
  // H5: the driver's prepare_job makes a job ready only once its BOs are resident (ENTITY READINESS)
  drmSchedSteps({ maxHangs: (c: UmfWrappedConfig) => c.maxHangs, ops: residentJobOps }),
  ttm_bo_move_copy,
  dma_fence_umf_timedout,
);

export default defineDesign<UmfWrappedConfig>({
  name: 'umf-wrapped',
  summary:
    'A user memory fence wrapped in a dma_fence (no timeout) gates a job whose fence sits in a BO resv; a memory ' +
    'move closes a cycle.',
  source: 'seed 001 "Why not wrap it in a struct dma_fence?", "Userspace can\'t trust us"; H1, R30',
  configs: {
    small: { vramSlots: 1, timeout: false, maxHangs: 0, wrapInKernel: true },
    default: { vramSlots: 1, timeout: false, maxHangs: 1, wrapInKernel: true },
    // the largest scope this fixed two-process program has: the hang budget
    large: { vramSlots: 1, timeout: false, maxHangs: 3, wrapInKernel: true },
  },
  bounds: {
    exhaustive: { config: 'small', depth: 40, maxStates: 50_000 },
    random: { config: 'default', depth: 40, runs: 200 },
  },
  init: initUmfWrapped,
  steps,
  metrics: {
    // seed 001 option 2 "no more cross-process pipelining -> higher latency"
    'handoff-latency-steps': (_w, cfg) => handoffLatency(cfg),
  },
  expect: {
    'context-order': {
      verdict: 'n/a',
      why: 'one job per fence context: no two fences of one context are ever in flight together',
    },
    'crashed-producer-releases': {
      verdict: 'n/a',
      why: 'no process crashes in this design (no crash fault): a UMF writer never dies',
    },
    'preempt-fence-bounded': {
      verdict: 'n/a',
      why: 'no preempt or eviction fence: dma_fence jobs, no long-running context',
    },
    // TTM's own guarantees (models/ttm/ttm-bo.ts); an entry after this line overrides one
    ...TTM_EXPECTATIONS,
    'one-shot': { verdict: 'holds', why: 'every fence has one signalling path (R4)' },
    'acyclic-waits': {
      verdict: 'violates',
      why:
        "seed 001: the eviction of boA waits on proc1's job, which waits on umf0, which proc0's job writes only " +
        'after boB moves in (H1, I7)',
    },
    'finite-time': {
      verdict: 'violates',
      why:
        'seed 001 "we can\'t trust userspace": the wrapper signals only when a UMF is written; with no timeout ' +
        'the cycle never breaks (R30, I10)',
    },
    'umf-never-blocks-dma-fence': {
      verdict: 'violates',
      why: "the job's finished fence depends on umf0 through the wrapper (I9, R30)",
    },
    'eviction-after-fences': { verdict: 'holds', why: "every move waits on its BO's resv fences (I19)" },
    'no-access-while-moving': {
      verdict: 'holds',
      why: 'jobs run only on resident BOs and moves wait for their fences (I19)',
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
      verdict: 'holds',
      why:
        'shown by exploration (applies by default, issue 14.2); a context killed or a job cancelled: reached 58 ' +
        'times',
    },
    'memory-eventually-freed': {
      verdict: 'n/a',
      why: 'never reached here (a fence or BO released by its owner) in small+default: exploration (issue 11.2)',
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
