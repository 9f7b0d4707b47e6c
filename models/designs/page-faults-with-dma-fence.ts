/**
 * page-faults-with-dma-fence — recoverable GPU page faults on an engine shared with dma_fence work.
 *
 * Idea: proc0 runs long-running compute that relies on recoverable page faults; the 3D processes
 *   (proc1..) submit jobs through drm_sched whose finished fences are in boA's resv. All share engine
 *   gpu0's compute units. A compute batch faults and keeps the CUs while the fault is pending; the 3D
 *   jobs on the ring need those CUs; the fault handler allocates, enters reclaim, and the shrinker waits
 *   on a 3D job's fence: memory -> fence -> hardware resource -> memory. The TDR then breaks the cycle:
 *   drm_sched_job_timedout blames the oldest pending job (its entity is marked guilty, R103) and the
 *   driver's reset kills the context bound to that entity, which did nothing wrong.
 * Source: kernel-sync-semantics.md R31, H5 (dma-buf.rst "Recoverable Hardware Page Faults"); seed 002
 *   (Vetter: "you can't use page-faulting together with any dma_fence synchronization primitives").
 * Changes: R31 broken (`mitigation: 'none'`): no preemption with a fault pending, no reserved CUs, no
 *   separate engine. Its twins apply R31's mitigations to the same scope: page-faults-reserved-cus,
 *   page-faults-separate-engines, page-faults-no-dma-fence.
 * Models: `gfxProcs` 3D processes with `jobs` jobs each (one drm_sched entity each, one ring), one LR
 *   compute context with `batches` batches of which up to `faults` fault, the fault worker (a
 *   kthread), 1 BO.
 * Abstracted away: which page faults (a batch faults at most once), the migration itself (one
 *   allocation); the TDR fires only once kernel and GPU are quiet (models/kernel/timer.ts).
 */
import { tdrNeverReached } from '../drm-sched/tdr-expect.ts';
import { defineDesign, defineStep, type StepTable, stepTable } from '../design.ts';
import { accepts, emptyWorld, spawn, ctx, must, idsOf, stateOf, setG, tell, type World } from '../world.ts';
import { isSignaled, ETIME } from '../dma-buf/dma-fence.ts';
import { kthreadMachine, type KthreadContext } from '../kernel/kthread.ts';
import { gpuPageFaultMachine, type GpuPageFaultContext } from '../gpu/gpu-page-fault.ts';
import { gpuContextMachine, headRunnable, type GpuContextContext } from '../gpu/gpu-context.ts';
import { userProcessMachine, type UserProcessContext } from '../userspace/user-process.ts';
import type { DmaResvContext } from '../dma-buf/dma-resv.ts';
import type { GpuRingContext } from '../gpu/gpu-ring.ts';
import type { DrmSchedEntityContext } from '../drm-sched/drm-sched-entity.ts';
import {
  addScheduler,
  addEntity,
  drm_sched_job_init,
  drm_sched_job_arm,
  drm_sched_entity_push_job,
  drm_sched_job_timedout,
  drmSchedStepTable,
} from '../drm-sched/sched-main.ts';
import { add_implicit_dependencies, publish_implicit } from '../drm-sched/implicit-sync.ts';
import { ttm_bo_create } from '../ttm/ttm-bo.ts';
import { kernelAndGpuQuiet } from '../kernel/timer.ts';

/**
 * R31's options when 3D (dma_fence) work and faulting compute share hardware:
 * - 'none': the faulting context keeps the engine's compute units while its fault is pending (H5);
 * - 'reserved-cus': compute units are reserved for dma_fence work while it is in flight, so a pending
 *   fault holds only the faulting context's own (the fault does not hold the engine);
 * - 'separate-engines': the faulting compute runs on its own engine (gpu1), the 3D ring on gpu0;
 * - 'no-dma-fence': the 3D work uses userspace fences only, as LR contexts on the shared engine: no
 *   dma_fence is published, so reclaim has nothing to wait on (seed 002: "The only sync model that works
 *   together with page faults is userspace fence based sync").
 */
export type R31Mitigation = 'none' | 'reserved-cus' | 'separate-engines' | 'no-dma-fence';

export interface PageFaultConfig {
  mitigation: R31Mitigation;
  /** 3D processes proc1..procN */
  gfxProcs: number;
  /** 3D submissions per process */
  jobs: number;
  /** compute batches of proc0 */
  batches: number;
  /** fault budget: batches that fault per run */
  faults: number;
}

const COMPUTE = 'proc0.ctx';
const K = 'kfault';
const NO_PRESSURE = 'no memory pressure';
const SHRINKER = 'shrinker waits on ';
const gfx = (cfg: PageFaultConfig) => Array.from({ length: cfg.gfxProcs }, (_, i) => `proc${i + 1}`);
const computeEngine = (cfg: PageFaultConfig) => (cfg.mitigation === 'separate-engines' ? 'gpu1' : 'gpu0');
const pc = (w: World, p: string) => ctx<UserProcessContext>(w, p).pc;
const faultId = (n: number) => (n ? `${COMPUTE}.fault${n}` : `${COMPUTE}.fault`);
const faultsRaised = (w: World) => idsOf(w, 'gpu_page_fault').length;
/** The compute context's fault not yet repaired, if any. */
const openFault = (w: World) => idsOf(w, 'gpu_page_fault').find((f) => stateOf(w, f) !== 'repaired');
/** R31: a pending fault keeps `engine`'s compute units. */
const holdsCus = (w: World, engine: string) => {
  const f = openFault(w);
  return !!f && ctx<GpuPageFaultContext>(w, f).holdsEngine && ctx<GpuPageFaultContext>(w, f).engine === engine;
};
const busyFences = (w: World) =>
  [...new Set(idsOf(w, 'dma_resv').flatMap((r) => ctx<DmaResvContext>(w, r).fences.map((e) => e.fence)))]
    .filter((f) => !isSignaled(w, f))
    .sort();
const NO_UMF = { waitUmf: '', waitValue: 0, writeUmf: '', writeValue: 0 };

function initPageFaults(cfg: PageFaultConfig): World {
  let w = addScheduler(emptyWorld, 'sched0', 'gpu0', { timeout: true, creditLimit: 1 });
  w = ttm_bo_create(w, 'boA', 'VRAM');
  for (const p of ['proc0', ...gfx(cfg)]) w = spawn(w, p, userProcessMachine, {});
  for (const p of gfx(cfg)) {
    if (cfg.mitigation !== 'no-dma-fence') {
      w = addEntity(w, `${p}.entity`);
      // the driver's context <-> entity binding (amdgpu_ctx owns its entities): what a reset kills
      w = setG(w, { [`ctxOf:${p}.entity`]: `${p}.ctx` });
    }
    w = spawn(w, `${p}.ctx`, gpuContextMachine, { proc: p });
  }
  w = spawn(w, COMPUTE, gpuContextMachine, { proc: 'proc0' });
  return spawn(w, K, kthreadMachine, {});
}

/** The fault worker's repair allocates; under pressure a shrinker waits on a busy BO's fence (R24). */
function repair(w: World): World {
  const f = idsOf(w, 'gpu_page_fault').find((x) => stateOf(w, x) === 'handling')!;
  return must(must(w, f, { type: 'GPU_PAGE_FAULT_REPAIRED' }), K, { type: 'KTHREAD_DONE' });
}

/**
 * The driver's reset after drm_sched_job_timedout (R100 step 2, "kill the guilty entity"): the context
 * bound to every entity the scheduler's guilty logic marked (R103) is killed with -ETIME.
 */
function killGuiltyContexts(w: World): World {
  for (const e of idsOf(w, 'drm_sched_entity')) {
    const c = w.g[`ctxOf:${e}`];
    if (ctx<DrmSchedEntityContext>(w, e).guilty && typeof c === 'string')
      w = tell(w, c, { type: 'GPU_CTX_KILL', by: 'drm_sched_job_timedout', error: ETIME });
  }
  return w;
}

const steps: StepTable<PageFaultConfig> = stepTable<PageFaultConfig>(
  defineStep<PageFaultConfig, [proc: string, what: string]>({
    name: 'DRM_IOCTL_SUBMIT',
    role: 'user',
    actor: ([p]) => p,
    params: (_w, cfg) =>
      cfg.mitigation === 'no-dma-fence' ? [] : gfx(cfg).map((p): [string, string] => [p, '3D job writes boA']),
    enabled: (w, [p], cfg) => pc(w, p) < cfg.jobs,
    apply: (w, [p]) => {
      const job = `${p}.j${pc(w, p)}`,
        list = [{ bo: 'boA', write: true }];
      w = drm_sched_job_init(w, job, `${p}.entity`, 'sched0');
      w = add_implicit_dependencies(w, job, list);
      w = drm_sched_job_arm(w, job);
      w = publish_implicit(w, `${job}.finished`, list, p);
      w = drm_sched_entity_push_job(w, job);
      return must(w, p, { type: 'PROC_ADVANCE' });
    },
    doc: "a dma_fence job: implicit sync, finished fence into boA's resv (R62, R90)",
  }),
  defineStep<PageFaultConfig, [proc: string, what: string]>({
    name: 'DRM_IOCTL_XE_EXEC',
    role: 'user',
    actor: ([p]) => p,
    params: (_w, cfg) => [
      ['proc0', 'compute batch on a fault-mode VM'],
      ...(cfg.mitigation === 'no-dma-fence' ? gfx(cfg).map((p): [string, string] => [p, '3D batch, user fences']) : []),
    ],
    enabled: (w, [p], cfg) => pc(w, p) < (p === 'proc0' ? cfg.batches : cfg.jobs),
    apply: (w, [p]) =>
      must(must(w, `${p}.ctx`, { type: 'GPU_CTX_SUBMIT', batch: NO_UMF }), p, { type: 'PROC_ADVANCE' }),
    doc: 'R121: LR / fault-mode work publishes no dma_fence (its completion is a user fence)',
  }),
  defineStep<PageFaultConfig, [gpuCtx: string, engine: string]>({
    name: 'gpu_page_fault',
    role: 'gpu',
    actor: () => COMPUTE,
    params: (_w, cfg) => [[COMPUTE, computeEngine(cfg)]],
    enabled: (w, _a, cfg) =>
      faultsRaised(w) < cfg.faults &&
      openFault(w) === undefined &&
      stateOf(w, COMPUTE) === 'running' &&
      ctx<GpuContextContext>(w, COMPUTE).batches.length > 0,
    apply: (w, [c, engine], cfg) =>
      // seeded bug unless mitigated: the fault holds the engine's compute units (R31)
      spawn(w, faultId(faultsRaised(w)), gpuPageFaultMachine, {
        gpuCtx: c,
        engine,
        holdsEngine: cfg.mitigation !== 'reserved-cus',
        sharers: cfg.mitigation === 'no-dma-fence' ? gfx(cfg).map((p) => `${p}.ctx`) : [],
      }),
    doc: "R31: the batch touches an unmapped page; the context stalls and keeps its engine's compute units",
  }),
  defineStep<PageFaultConfig, [pressure: string]>({
    name: 'xe_gt_pagefault_work',
    role: 'kernel',
    actor: () => K,
    params: (w) => [[NO_PRESSURE], ...busyFences(w).map((f): [string] => [`${SHRINKER}${f}`])],
    enabled: (w) => {
      const f = openFault(w);
      return f !== undefined && stateOf(w, f) === 'pending' && stateOf(w, K) === 'idle';
    },
    apply: (w, [p]) => {
      const f = openFault(w)!;
      w = must(w, K, { type: 'KTHREAD_WORK', work: `page fault ${f}`, sigFor: [] });
      w = must(w, f, { type: 'GPU_PAGE_FAULT_HANDLE', handler: K });
      const reclaimWaits = p.startsWith(SHRINKER) ? p.slice(SHRINKER.length) : '';
      w = must(w, K, { type: 'KTHREAD_ALLOC', gfp: 'GFP_KERNEL', reclaimWaits });
      return stateOf(w, K) === 'blocked' ? w : repair(w);
    },
    doc: "R31: the repair allocates memory; under pressure direct reclaim waits on a busy BO's fence (R24)",
  }),
  defineStep<PageFaultConfig, [thread: string]>({
    name: 'shrinker_wait_done',
    role: 'kernel',
    actor: () => K,
    params: () => [[K]],
    enabled: (w) => stateOf(w, K) === 'blocked' && isSignaled(w, ctx<KthreadContext>(w, K).waitingOn),
    apply: (w) => repair(must(w, K, { type: 'KTHREAD_WAKE' })),
    doc: "the shrinker's fence signaled: the allocation returns, the page is mapped, the context resumes",
  }),
  drmSchedStepTable<PageFaultConfig>({ maxHangs: () => 0 }).drm_sched_run_job,
  defineStep<PageFaultConfig, [ring: string]>({
    name: 'gpu_ring_complete',
    role: 'gpu',
    actor: () => 'gpu0',
    params: () => [['gpu0']],
    enabled: (w) => !holdsCus(w, 'gpu0') && accepts(w, 'gpu0', { type: 'GPU_RING_COMPLETE' }),
    apply: (w) => must(w, 'gpu0', { type: 'GPU_RING_COMPLETE' }),
    doc: 'the 3D job completes, unless a pending fault holds the compute units it needs (R31)',
  }),
  defineStep<PageFaultConfig, [gpuCtx: string]>({
    name: 'xe_exec_queue_run',
    role: 'gpu',
    actor: ([c]) => c,
    params: (_w, cfg) => [
      [COMPUTE],
      ...(cfg.mitigation === 'no-dma-fence' ? gfx(cfg).map((p): [string] => [`${p}.ctx`]) : []),
    ],
    enabled: (w, [c], cfg) =>
      stateOf(w, c) === 'running' &&
      headRunnable(w, ctx<GpuContextContext>(w, c)) &&
      // the faulting batch waits for its repair; another context on the engine for the CUs it holds (R31)
      (c === COMPUTE ? openFault(w) === undefined : !holdsCus(w, computeEngine(cfg))),
    apply: (w, [c]) => must(w, c, { type: 'GPU_CTX_EXEC' }),
    doc: 'a batch completes once no fault is pending (its own repair, or the compute units it needs)',
  }),
  defineStep<PageFaultConfig, [sched: string]>({
    name: 'drm_sched_job_timedout',
    role: 'timer',
    actor: () => 'sched0',
    params: (_w, cfg) => (cfg.mitigation === 'no-dma-fence' ? [] : [['sched0']]),
    enabled: (w, _a, cfg) =>
      ctx<GpuRingContext>(w, 'gpu0').fifo.length > 0 && holdsCus(w, 'gpu0') && kernelAndGpuQuiet(w, cfg, steps),
    apply: (w) => {
      // the 3D job made no progress for the TDR period: the driver takes the ring for hung and resets it;
      // drm_sched_job_timedout blames the oldest pending job (R99, R103), the driver kills its context
      const job = ctx<GpuRingContext>(w, 'gpu0').fifo[0].replace(/\.hw$/, '');
      w = must(w, 'gpu0', { type: 'GPU_RING_HANG' });
      w = drm_sched_job_timedout(w, 'sched0');
      w = setG(w, { tdrVictim: job });
      return killGuiltyContexts(w);
    },
    doc: 'R98-R103: TDR fires on the 3D job stuck behind the held compute units; reset; the guilty context is killed',
  }),
);

/** A page-fault design's config: one mitigation, the scope as knobs. */
export const pageFaultConfig = (mitigation: R31Mitigation, scope: Omit<PageFaultConfig, 'mitigation'>) => ({
  mitigation,
  ...scope,
});

/** The scopes every page-fault design shares (a twin differs from this design only in `mitigation`). */
export const PAGE_FAULT_SCOPES = {
  small: { gfxProcs: 1, jobs: 1, batches: 1, faults: 1 },
  default: { gfxProcs: 2, jobs: 1, batches: 2, faults: 2 },
  large: { gfxProcs: 3, jobs: 3, batches: 3, faults: 3 },
};

const base = defineDesign<PageFaultConfig>({
  name: 'page-faults-with-dma-fence',
  summary:
    'Recoverable page faults and dma_fence jobs share an engine: memory -> fence -> hardware resource -> memory (H5).',
  source: 'R31, H5 (dma-buf.rst "Recoverable Hardware Page Faults"); seed 002 (Vetter on page faults and dma_fence)',
  configs: {
    small: pageFaultConfig('none', PAGE_FAULT_SCOPES.small),
    default: pageFaultConfig('none', PAGE_FAULT_SCOPES.default),
    large: pageFaultConfig('none', PAGE_FAULT_SCOPES.large),
  },
  bounds: {
    exhaustive: { config: 'default', depth: 60, maxStates: 200_000 },
    random: { config: 'large', depth: 80, runs: 200 },
  },
  init: initPageFaults,
  steps,
  expect: {
    'one-shot': { verdict: 'holds', why: 'every fence has one signalling path (R4)' },
    'acyclic-waits': {
      verdict: 'violates',
      why:
        'H5: the 3D fence waits for CUs held by the faulting context, whose repair waits in reclaim on the 3D ' +
        'fence (R31, I7)',
    },
    'finite-time': { verdict: 'holds', why: 'TDR breaks the cycle by resetting the 3D job (R98-R102)' },
    'context-order': { verdict: 'holds', why: 'one entity per 3D process on one in-order ring (R97, I4)' },
    'preempt-fence-bounded': {
      verdict: 'n/a',
      why: 'no preempt fence: nothing evicts or preempts the LR compute context here (R31 is about its faults)',
    },
    'errors-propagate': {
      verdict: 'n/a',
      why: "the 3D jobs' dependencies are not recorded as access records (errors-propagate reads those)",
    },
    'innocent-context-survives': {
      verdict: 'violates',
      why: "the TDR blames the 3D job's entity and the reset kills its context, which only waited for CUs (R20, R31)",
    },
    'signalling-section-discipline': {
      verdict: 'n/a',
      why:
        'never reached here (a kernel thread on the signalling path of an unsignaled fence (in a state, or across a ' +
        'step)) in default+large: exploration (issue 11.2)',
    },
    'eviction-after-fences': {
      verdict: 'n/a',
      why:
        'never reached here (a BO starts moving or is freed while its resv has held fences) in default+large: ' +
        'exploration (issue 11.2)',
    },
    'hazard-free': {
      verdict: 'n/a',
      why:
        'never reached here (two queues touched one buffer, at least one writing) in default+large: exploration ' +
        '(issue 11.2)',
    },
    'hw-access-resident': {
      verdict: 'n/a',
      why:
        'never reached here (hardware work using a BO while some BO is outside VRAM) in default+large: exploration ' +
        '(issue 11.2)',
    },
    'memory-eventually-freed': {
      verdict: 'n/a',
      why: 'never reached here (a fence or BO released by its owner) in default+large: exploration (issue 11.2)',
    },
    'no-access-while-moving': {
      verdict: 'n/a',
      why: 'never reached here (a BO being copied or freed) in default+large: exploration (issue 11.2)',
    },
    'no-eviction-with-free-slot': {
      verdict: 'n/a',
      why: 'never reached here (a BO evicted to make room for another) in default+large: exploration (issue 11.2)',
    },
    'no-priority-inversion': {
      verdict: 'n/a',
      why:
        'never reached here (ready entities of different priorities compete for a ring) in default+large: ' +
        'exploration (issue 11.2)',
    },
    'no-userspace-wait-under-kernel-lock': {
      verdict: 'n/a',
      why: 'never reached here (a kernel thread waiting on userspace) in default+large: exploration (issue 11.2)',
    },
    'vram-within-capacity': {
      verdict: 'n/a',
      why: 'never reached here (VRAM full) in default+large: exploration (issue 11.2)',
    },
    ...tdrNeverReached('default+large'),
  },
});

export default base;

/**
 * What R31's two dedicated-resource mitigations (page-faults-reserved-cus, page-faults-separate-engines)
 * expect alike: the base's cells but finite time and no context killed; each states how it avoids the cycle.
 */
export const DEDICATED_RESOURCES_EXPECT: typeof base.expect = {
  ...base.expect,
  'finite-time': { verdict: 'holds', why: 'every 3D fence completes once its job runs (R20)' },
  'innocent-context-survives': {
    verdict: 'n/a',
    why: 'never reached here (a context killed or a job cancelled) in default+large: exploration (issue 11.2)',
  },
};
