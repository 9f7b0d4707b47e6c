/**
 * page-faults-with-dma-fence — recoverable GPU page faults on an engine shared with dma_fence work.
 *
 * Idea: proc0 runs long-running compute that relies on recoverable page faults; proc1 submits a 3D job
 *   through drm_sched whose finished fence is in boA's resv. Both share engine gpu0's compute units.
 *   The compute batch faults and keeps the CUs while the fault is pending; the 3D job, on the ring,
 *   needs those CUs; the fault handler allocates, enters reclaim, and the shrinker waits on the 3D
 *   job's fence: memory -> fence -> hardware resource -> memory. The TDR then breaks the cycle by
 *   resetting the 3D context, which did nothing wrong.
 * Source: kernel-sync-semantics.md R31, H5 (dma-buf.rst "Recoverable Hardware Page Faults"); seed 002
 *   (Vetter: "you can't use page-faulting together with any dma_fence synchronization primitives").
 * Changes: R31 broken: no preemption with a fault pending, no reserved CUs, no flush between the two
 *   kinds of work (`holdsEngine: true`).
 * Models: 2 processes, one ring with a drm_sched scheduler (3D), one LR compute context on the same
 *   engine, one fault, the fault worker (a kthread), 1 BO.
 * Abstracted away: which page faults (one fault per run), the migration itself (one allocation).
 */
import { defineDesign, defineStep, type StepTable, stepTable } from '../design.ts';
import { accepts, emptyWorld, spawn, ctx, must, idsOf, stateOf, setG, tell, type World } from '../world.ts';
import { isSignaled, ETIME } from '../dma-buf/dma-fence.ts';
import { kthreadMachine, type KthreadContext } from '../kernel/kthread.ts';
import { gpuPageFaultMachine, type GpuPageFaultContext } from '../gpu/gpu-page-fault.ts';
import { gpuContextMachine, headRunnable, type GpuContextContext } from '../gpu/gpu-context.ts';
import { userProcessMachine, type UserProcessContext } from '../userspace/user-process.ts';
import type { DmaResvContext } from '../dma-buf/dma-resv.ts';
import type { GpuRingContext } from '../gpu/gpu-ring.ts';
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

export interface PageFaultConfig {
  /** R31: the faulting context keeps the engine's compute units while its fault is pending. */
  holdsEngine: boolean;
}

const FAULT = 'proc0.ctx.fault';
const K = 'kfault';
const NO_PRESSURE = 'no memory pressure';
const SHRINKER = 'shrinker waits on ';
const pc = (w: World, p: string) => ctx<UserProcessContext>(w, p).pc;
const faultPending = (w: World) =>
  FAULT in w.o && stateOf(w, FAULT) !== 'repaired' && ctx<GpuPageFaultContext>(w, FAULT).holdsEngine;
const busyFences = (w: World) =>
  [...new Set(idsOf(w, 'dma_resv').flatMap((r) => ctx<DmaResvContext>(w, r).fences.map((e) => e.fence)))]
    .filter((f) => !isSignaled(w, f))
    .sort();

function initPageFaults(_cfg: PageFaultConfig): World {
  let w = addScheduler(emptyWorld, 'sched0', 'gpu0', { timeout: true, creditLimit: 1 });
  w = ttm_bo_create(w, 'boA', 'VRAM');
  for (const p of ['proc0', 'proc1']) w = spawn(w, p, userProcessMachine, {});
  w = addEntity(w, 'proc1.entity');
  w = spawn(w, 'proc1.ctx', gpuContextMachine, { proc: 'proc1' });
  w = spawn(w, 'proc0.ctx', gpuContextMachine, { proc: 'proc0' });
  return spawn(w, K, kthreadMachine, {});
}

/** The fault worker's repair allocates; under pressure a shrinker waits on a busy BO's fence (R24). */
function repair(w: World): World {
  return must(must(w, FAULT, { type: 'GPU_PAGE_FAULT_REPAIRED' }), K, { type: 'KTHREAD_DONE' });
}

const steps: StepTable<PageFaultConfig> = stepTable<PageFaultConfig>(
  defineStep<PageFaultConfig, [proc: string, what: string]>({
    name: 'DRM_IOCTL_SUBMIT',
    role: 'user',
    actor: () => 'proc1',
    params: () => [['proc1', '3D job writes boA']],
    enabled: (w) => pc(w, 'proc1') === 0,
    apply: (w) => {
      const job = 'proc1.j0',
        list = [{ bo: 'boA', write: true }];
      w = drm_sched_job_init(w, job, 'proc1.entity', 'sched0');
      w = add_implicit_dependencies(w, job, list);
      w = drm_sched_job_arm(w, job);
      w = publish_implicit(w, `${job}.finished`, list, 'proc1');
      w = drm_sched_entity_push_job(w, job);
      return must(w, 'proc1', { type: 'PROC_ADVANCE' });
    },
    doc: "a dma_fence job: implicit sync, finished fence into boA's resv (R62, R90)",
  }),
  defineStep<PageFaultConfig, [proc: string, what: string]>({
    name: 'DRM_IOCTL_XE_EXEC',
    role: 'user',
    actor: () => 'proc0',
    params: () => [['proc0', 'compute batch on a fault-mode VM']],
    enabled: (w) => pc(w, 'proc0') === 0,
    apply: (w) =>
      must(
        must(w, 'proc0.ctx', {
          type: 'GPU_CTX_SUBMIT',
          batch: { waitUmf: '', waitValue: 0, writeUmf: '', writeValue: 0 },
        }),
        'proc0',
        { type: 'PROC_ADVANCE' },
      ),
    doc: 'R121: fault-mode work publishes no dma_fence',
  }),
  defineStep<PageFaultConfig, [gpuCtx: string, engine: string]>({
    name: 'gpu_page_fault',
    role: 'gpu',
    actor: () => 'proc0.ctx',
    params: () => [['proc0.ctx', 'gpu0']],
    enabled: (w) =>
      !(FAULT in w.o) &&
      stateOf(w, 'proc0.ctx') === 'running' &&
      ctx<GpuContextContext>(w, 'proc0.ctx').batches.length > 0,
    apply: (w, _a, cfg) =>
      // seeded bug: holdsEngine (R31)
      spawn(w, FAULT, gpuPageFaultMachine, { gpuCtx: 'proc0.ctx', engine: 'gpu0', holdsEngine: cfg.holdsEngine }),
    doc: "R31: the batch touches an unmapped page; the context stalls and keeps gpu0's compute units",
  }),
  defineStep<PageFaultConfig, [pressure: string]>({
    name: 'xe_gt_pagefault_work',
    role: 'kernel',
    actor: () => K,
    params: (w) => [[NO_PRESSURE], ...busyFences(w).map((f): [string] => [`${SHRINKER}${f}`])],
    enabled: (w) => FAULT in w.o && stateOf(w, FAULT) === 'pending' && stateOf(w, K) === 'idle',
    apply: (w, [p]) => {
      w = must(w, K, { type: 'KTHREAD_WORK', work: `page fault ${FAULT}`, sigFor: [] });
      w = must(w, FAULT, { type: 'GPU_PAGE_FAULT_HANDLE', handler: K });
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
    enabled: (w) => !faultPending(w) && accepts(w, 'gpu0', { type: 'GPU_RING_COMPLETE' }),
    apply: (w) => must(w, 'gpu0', { type: 'GPU_RING_COMPLETE' }),
    doc: 'the 3D job completes, unless a pending fault holds the compute units it needs (R31)',
  }),
  defineStep<PageFaultConfig, [gpuCtx: string]>({
    name: 'xe_exec_queue_run',
    role: 'gpu',
    actor: () => 'proc0.ctx',
    params: () => [['proc0.ctx']],
    enabled: (w) =>
      FAULT in w.o &&
      stateOf(w, FAULT) === 'repaired' &&
      stateOf(w, 'proc0.ctx') === 'running' &&
      headRunnable(w, ctx<GpuContextContext>(w, 'proc0.ctx')),
    apply: (w) => must(w, 'proc0.ctx', { type: 'GPU_CTX_EXEC' }),
    doc: 'the compute batch completes once its fault is repaired',
  }),
  defineStep<PageFaultConfig, [sched: string]>({
    name: 'drm_sched_job_timedout',
    role: 'timer',
    actor: () => 'sched0',
    params: () => [['sched0']],
    enabled: (w, _a, cfg) =>
      ctx<GpuRingContext>(w, 'gpu0').fifo.length > 0 && faultPending(w) && kernelAndGpuQuiet(w, cfg, steps),
    apply: (w) => {
      // the 3D job made no progress for the TDR period: the driver takes the ring for hung and resets it
      const job = ctx<GpuRingContext>(w, 'gpu0').fifo[0].replace(/\.hw$/, '');
      w = must(w, 'gpu0', { type: 'GPU_RING_HANG' });
      w = drm_sched_job_timedout(w, 'sched0');
      w = setG(w, { tdrVictim: job });
      return tell(w, 'proc1.ctx', { type: 'GPU_CTX_KILL', by: 'drm_sched_job_timedout', error: ETIME });
    },
    doc: 'R98-R102: TDR fires on the 3D job stuck behind the held compute units; reset, -ETIME, context killed',
  }),
);

export default defineDesign<PageFaultConfig>({
  name: 'page-faults-with-dma-fence',
  summary:
    'Recoverable page faults and dma_fence jobs share an engine: memory -> fence -> hardware resource -> memory (H5).',
  source: 'R31, H5 (dma-buf.rst "Recoverable Hardware Page Faults"); seed 002 (Vetter on page faults and dma_fence)',
  configs: { small: { holdsEngine: true }, default: { holdsEngine: true } },
  bounds: {
    exhaustive: { config: 'small', depth: 40, maxStates: 50_000 },
    random: { config: 'default', depth: 40, runs: 200 },
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
    'innocent-context-survives': {
      verdict: 'violates',
      why: 'the TDR kills the 3D context, which only waited for compute units (R20, R31)',
    },
    'signalling-section-discipline': {
      verdict: 'holds',
      why:
        'the fault worker is in no annotated section: the cycle runs through a hardware resource lockdep cannot ' +
        'see (R31)',
    },
  },
});
