/**
 * interop-mode-switch — seed 000's hybrid: a long-running context runs ahead on user memory fences and
 * degenerates to dma_fence mode only while it shares a buffer with an implicit-sync consumer.
 *
 * Idea: proc0 renders frames into `shared` on an LR context (gpu_context); each batch spins on umf0,
 *   which proc1 (another process, on the CPU) stores; no job fence is published (R121). To hand a frame
 *   to the compositor (implicit sync: its sampling job waits on `shared`'s WRITE fences, R54) proc0's
 *   driver switches the context to dma_fence mode: the switch waits until every UMF the pending batches
 *   spin on has been written (models/userq/interop-mode.ts), then publishes the last pending batch's
 *   fence into `shared`'s resv as WRITE; proc0 presents; once the compositor's read is done the driver
 *   switches back to LR mode and proc0 renders the next frame.
 * Source: seed 000 "What's your brilliant solution then?" ("degenerate to lower-performance mode", "let
 *   userspace run ahead until it needs to interact"); seed 002 Vetter "flip your internal driver state
 *   ... from userspace fencing to dma_fence kernel fencing"; R119, R121, I9, I10.
 * Changes: `publish: 'after-umfs'`; interop-mode-switch-early substitutes 'early'.
 * Related: umf-separated (LR mode only), umf-wait-in-userspace (dma_fence mode only), umf-wrapped (a dma_fence
 *   published over a UMF, with no switch at all).
 * Models: one LR producer, `frames` frames of `jobs` batches, one UMF, one shared buffer, the compositor's
 *   sampling jobs. Abstracted away: memory management (no eviction here: umf-separated has it), the
 *   winsys protocol (present is one step), the cost of the switch (a metric could count the stall).
 */
import { defineDesign, type StepDef, stepTable } from '../design.ts';
import { emptyWorld, spawn, ctx, must, setG, accepts, type World, type Json } from '../world.ts';
import { dmaResvMachine, dma_resv_fences, dma_resv_usage_rw } from '../dma-buf/dma-resv.ts';
import { isSignaled } from '../dma-buf/dma-fence.ts';
import { dma_resv_add } from '../ttm/ttm-bo.ts';
import { userMemoryFenceMachine } from '../userq/user-memory-fence.ts';
import { userProcessMachine } from '../userspace/user-process.ts';
import { gpuContextMachine, headRunnable, type GpuContextContext } from '../gpu/gpu-context.ts';
import { interopJobFenceMachine, pendingUmfsWritten, type InteropJobFenceContext } from '../userq/interop-mode.ts';

export interface InteropConfig {
  /** frames proc0 renders and hands to the compositor */
  frames: number;
  /** batches per frame */
  jobs: number;
  /** when the switch publishes: once every pending UMF is written, or at once (the bug) */
  publish: 'after-umfs' | 'early';
}

type Mode = 'lr' | 'switching' | 'dma_fence';
const mode = (w: World): Mode => w.g.mode as Mode;
const num = (w: World, k: 'frame' | 'submitted' | 'presented' | 'sampled'): number => w.g[k] as number;
const gctx = (w: World) => ctx<GpuContextContext>(w, 'proc0.ctx');
const CTX = 'proc0.ctx';
const job = (k: number) => `proc0.j${k}`;
const compJob = (n: number) => `comp.j${n}`;
const record = (w: World, j: string, r: { proc: string; acc: [string, string][]; deps: string[] }): World =>
  setG(w, { [`access:${j}`]: r as unknown as Json });

function initInterop(_cfg: InteropConfig): World {
  let w = spawn(emptyWorld, 'shared.resv', dmaResvMachine, {});
  w = spawn(w, 'umf0', userMemoryFenceMachine, { writer: 'proc1' });
  for (const p of ['proc0', 'proc1']) w = spawn(w, p, userProcessMachine, {});
  w = spawn(w, CTX, gpuContextMachine, { proc: 'proc0', bos: [] });
  return setG(w, { mode: 'lr', frame: 0, submitted: 0, presented: 0, sampled: 0 });
}

const umf_store: StepDef<InteropConfig, [proc: string]> = {
  name: 'umf_store',
  role: 'user',
  actor: ([p]) => p,
  params: () => [['proc1']],
  enabled: (w, _a, cfg) => ctx<{ value: number }>(w, 'umf0').value < cfg.frames * cfg.jobs,
  apply: (w) => must(w, 'umf0', { type: 'UMF_WRITE', value: ctx<{ value: number }>(w, 'umf0').value + 1 }),
  doc: 'R119: proc1 stores the next value of umf0 from the CPU (the kernel does not know it will)',
};

const DRM_IOCTL_XE_EXEC: StepDef<InteropConfig, [proc: string]> = {
  name: 'DRM_IOCTL_XE_EXEC',
  role: 'user',
  actor: ([p]) => p,
  params: () => [['proc0']],
  // LR mode only: in dma_fence mode proc0 is waiting for the compositor to let go of `shared`
  enabled: (w, _a, cfg) => mode(w) === 'lr' && num(w, 'submitted') < (num(w, 'frame') + 1) * cfg.jobs,
  apply: (w) => {
    const k = num(w, 'submitted') + 1;
    w = must(w, CTX, { type: 'GPU_CTX_SUBMIT', batch: { waitUmf: 'umf0', waitValue: k, writeUmf: '', writeValue: 0 } });
    // the kernel-internal completion fence, published by nobody in LR mode (R121)
    w = spawn(w, `${job(k)}.finished`, interopJobFenceMachine, { context: 800, seqno: k, owner: job(k), ring: CTX });
    w = record(w, job(k), { proc: 'proc0', acc: [['shared', 'w']], deps: [] });
    return setG(w, { submitted: k });
  },
  doc: 'R121: an LR exec publishes no job fence; the batch spins on umf0 >= k (R119) and writes `shared`',
};

const share: StepDef<InteropConfig, [proc: string]> = {
  name: 'interop_share',
  role: 'user',
  actor: ([p]) => p,
  params: () => [['proc0']],
  enabled: (w, _a, cfg) => mode(w) === 'lr' && num(w, 'submitted') === (num(w, 'frame') + 1) * cfg.jobs,
  apply: (w) => setG(w, { mode: 'switching' }),
  doc: 'seed 002: the winsys buffer is about to be shared with an implicit-sync consumer: switch to dma_fence mode',
};

const xe_interop_switch: StepDef<InteropConfig, [c: string]> = {
  name: 'xe_interop_switch',
  role: 'kernel',
  actor: ([c]) => c,
  params: () => [[CTX]],
  // seeded bug ('early'): the switch does not wait for the UMFs the pending batches spin on
  enabled: (w, [c], cfg) => mode(w) === 'switching' && (cfg.publish === 'early' || pendingUmfsWritten(w, c)),
  apply: (w, [c]) => {
    if (gctx(w).batches.length) {
      const f = `${job(num(w, 'submitted'))}.finished`;
      w = dma_resv_add(w, 'shared', f, 'WRITE', 'xe');
      w = must(w, f, { type: 'DMA_FENCE_PUBLISH', via: `${c} switched to dma_fence mode` });
    }
    return setG(w, { mode: 'dma_fence' });
  },
  doc:
    'seed 000/002: flip the sync points to dma_fence: once every pending UMF is written, publish the last pending ' +
    "batch's fence as shared's WRITE fence (bounded by the GPU alone from then on, I9, I10)",
};

const xe_exec_queue_run: StepDef<InteropConfig, [c: string]> = {
  name: 'xe_exec_queue_run',
  role: 'gpu',
  actor: ([c]) => c,
  params: () => [[CTX]],
  enabled: (w, [c]) => accepts(w, c, { type: 'GPU_CTX_EXEC' }) && headRunnable(w, gctx(w)),
  apply: (w, [c]) => {
    w = must(w, c, { type: 'GPU_CTX_EXEC' });
    return must(w, `${job(gctx(w).done)}.finished`, { type: 'DMA_FENCE_SIGNAL' });
  },
  doc: "R119: the head batch's compare held; it ran, and its completion fence signals",
};

const present: StepDef<InteropConfig, [proc: string]> = {
  name: 'wl_surface_commit',
  role: 'user',
  actor: ([p]) => p,
  params: () => [['proc0']],
  enabled: (w) => mode(w) === 'dma_fence' && num(w, 'presented') === num(w, 'frame'),
  apply: (w) => setG(w, { presented: num(w, 'presented') + 1 }),
  doc: 'seed 004: proc0 hands the frame to the compositor; implicit sync carries the fence in the resv',
};

const comp_sample: StepDef<InteropConfig, [who: string]> = {
  name: 'compositor_sample',
  role: 'user',
  actor: ([p]) => p,
  params: () => [['comp']],
  enabled: (w) => num(w, 'sampled') < num(w, 'presented'),
  apply: (w) => {
    const n = num(w, 'sampled');
    const deps = dma_resv_fences(w, 'shared.resv', dma_resv_usage_rw(false));
    const f = `${compJob(n)}.finished`;
    w = spawn(w, f, interopJobFenceMachine, { context: 801, seqno: n + 1, owner: compJob(n), deps, published: true });
    w = dma_resv_add(w, 'shared', f, 'READ', 'compositor');
    w = record(w, compJob(n), { proc: 'comp', acc: [['shared', 'r']], deps });
    return setG(w, { sampled: n + 1 });
  },
  doc: "R54: the compositor's sampling job waits on shared's WRITE fences (implicit sync) and adds its READ fence",
};

const comp_job_run: StepDef<InteropConfig, [who: string]> = {
  name: 'compositor_job_run',
  role: 'gpu',
  actor: ([p]) => p,
  params: () => [['comp']],
  enabled: (w) => {
    const n = num(w, 'sampled');
    const f = `${compJob(n - 1)}.finished`;
    return n > 0 && !isSignaled(w, f) && ctx<InteropJobFenceContext>(w, f).deps.every((d) => isSignaled(w, d));
  },
  apply: (w) => must(w, `${compJob(num(w, 'sampled') - 1)}.finished`, { type: 'DMA_FENCE_SIGNAL' }),
  doc: "the compositor's job ran once its dependencies signaled (R93); its fence signals",
};

const xe_interop_switch_back: StepDef<InteropConfig, [c: string]> = {
  name: 'xe_interop_switch_back',
  role: 'kernel',
  actor: ([c]) => c,
  params: () => [[CTX]],
  enabled: (w) =>
    mode(w) === 'dma_fence' &&
    num(w, 'sampled') === num(w, 'frame') + 1 &&
    isSignaled(w, `${compJob(num(w, 'frame'))}.finished`),
  apply: (w) => setG(w, { mode: 'lr', frame: num(w, 'frame') + 1 }),
  doc: "seed 000: interop is over (the compositor's read fence signaled): back to LR mode, userspace runs ahead",
};

const steps = stepTable<InteropConfig>(
  umf_store,
  DRM_IOCTL_XE_EXEC,
  share,
  xe_interop_switch,
  xe_exec_queue_run,
  present,
  comp_sample,
  comp_job_run,
  xe_interop_switch_back,
);

const publishAfterUmfs = (frames: number, jobs: number): InteropConfig => ({ frames, jobs, publish: 'after-umfs' });

export default defineDesign<InteropConfig>({
  name: 'interop-mode-switch',
  summary:
    'An LR context on user fences switches to dma_fence mode to share a buffer, publishing fences only once the ' +
    'UMFs its pending work spins on are written.',
  source: 'seed 000 "degenerate to lower-performance mode"; seed 002 Vetter "flip your internal driver state"',
  configs: { small: publishAfterUmfs(1, 1), default: publishAfterUmfs(3, 2), large: publishAfterUmfs(8, 4) },
  bounds: {
    exhaustive: { config: 'default', depth: 200, maxStates: 1_000_000 },
    random: { config: 'large', depth: 200, runs: 200 },
  },
  init: initInterop,
  steps,
  expect: {
    'crashed-producer-releases': {
      verdict: 'n/a',
      why: 'no process crashes in this design (no crash fault): a UMF writer never dies',
    },
    'preempt-fence-bounded': {
      verdict: 'n/a',
      why: 'no memory management here: no preempt fence is ever installed (umf-separated has them)',
    },
    'one-shot': { verdict: 'holds', why: 'every job fence has one signalling path, its ring or its job (R4)' },
    'finite-time': {
      verdict: 'holds',
      why: 'a published fence covers only batches whose compares already hold: the GPU alone completes it (I10)',
    },
    'umf-never-blocks-dma-fence': {
      verdict: 'holds',
      why: 'the switch publishes only once every UMF the pending batches spin on is written (I9, seed 002)',
    },
    'hazard-free': {
      verdict: 'holds',
      why:
        "the compositor waits on the published WRITE fence; proc0 renders again only after the compositor's read " +
        'fence signaled (the switch back), so the write after read is ordered by completion',
    },
    'acyclic-waits': { verdict: 'holds', why: 'the compositor waits on proc0, proc0 on umf0, umf0 on proc1: a chain' },
    'innocent-context-survives': {
      verdict: 'n/a',
      why: 'never reached here (a context killed or a job cancelled) in default+large: exploration (issue 11.2)',
    },
    'hang-recovers-with-error': {
      verdict: 'n/a',
      why: 'never reached here (a ring, context or user queue hung) in default+large: exploration (issue 11.2)',
    },
  },
});
