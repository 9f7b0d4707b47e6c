/**
 * syncobj-umf-payload — a drm_syncobj whose payload is a user memory fence, materialized for dma_fence
 * consumers by a compat glue with a timeout (seed 002's upgrade path).
 *
 * Idea: proc0 renders on an LR context; its batch stores umf0 = 1 at its end (R119), and proc0 attaches
 *   umf0 >= 1 as the payload of syncobj S. `consumers` dma_fence consumers (a compositor, a video encoder)
 *   submit jobs that wait on S (WAIT_FOR_SUBMIT: once S has a fence). The glue's fence signals when umf0
 *   is written, or its timeout fires with -ETIME and the context obliged to signal, proc0's, is killed
 *   (seed 002 proposal: "the kernel knows which process is obliged to signal which fence"). The timer
 *   may fire while proc0's batch is merely slow, not hung: the explorer tries both orders.
 * Source: seed 002 Vetter "substitute dma_fence for userspace fences within a drm_syncobj", "the timeout
 *   might be in the compat glue"; seed 001 "throw a timeout on it"; R120, I9, I10, R20.
 * Changes: I9 relaxed (a dma_fence over a UMF, bounded by the glue's timeout: I23's argument, outside
 *   I23's userq exemption).
 * Related: umf-wrapped-timeout (the same fence under memory pressure), userq-eviction-fence (I23).
 * Models: one producer with one LR batch, `consumers` dma_fence jobs on S, a hang budget for the producer.
 *   Abstracted away: timeline points (one binary payload), the consumers' conditional rendering on -ETIME.
 */
import { defineDesign, type StepDef, stepTable } from '../design.ts';
import { emptyWorld, spawn, ctx, must, setG, stateOf, accepts, type World } from '../world.ts';
import { userMemoryFenceMachine } from '../userq/user-memory-fence.ts';
import { gpuContextMachine, headRunnable, type GpuContextContext } from '../gpu/gpu-context.ts';
import {
  addScheduler,
  addEntity,
  drm_sched_job_init,
  drm_sched_job_add_dependency,
  drm_sched_job_arm,
  drm_sched_entity_push_job,
  drmSchedSteps,
} from '../drm-sched/sched-main.ts';
import { drm_syncobj_create, drm_syncobj_find_fence } from '../drm-syncobj/drm-syncobj-api.ts';
import { drm_syncobj_attach_umf, drm_syncobj_umf_timedout } from '../userq/syncobj-umf-glue.ts';
import { ETIME } from '../dma-buf/dma-fence.ts';
import { TDR_RECOVERS_EXPECT } from '../drm-sched/tdr-expect.ts';

export interface SyncobjUmfConfig {
  /** dma_fence consumers of S, one job each */
  consumers: number;
  /** hangs of the producer's context (fault budget) */
  maxHangs: number;
}

const GLUE = 'S.umf';
const PRODUCER = 'proc0.ctx';
const consumers = (cfg: SyncobjUmfConfig) => Array.from({ length: cfg.consumers }, (_, i) => `consumer${i}`);
const gBool = (w: World, k: string) => w.g[k] === true;
const gNum = (w: World, k: string) => (typeof w.g[k] === 'number' ? (w.g[k] as number) : 0);

function initSyncobjUmf(cfg: SyncobjUmfConfig): World {
  let w = addScheduler(emptyWorld, 'sched0', 'gpu0', { timeout: true, creditLimit: 2 });
  for (const c of consumers(cfg)) w = addEntity(w, `${c}.entity`);
  w = spawn(w, 'umf0', userMemoryFenceMachine, { writer: PRODUCER });
  w = spawn(w, PRODUCER, gpuContextMachine, { proc: 'proc0' });
  return drm_syncobj_create(w, 'S');
}

const DRM_IOCTL_XE_EXEC: StepDef<SyncobjUmfConfig, [proc: string]> = {
  name: 'DRM_IOCTL_XE_EXEC',
  role: 'user',
  actor: ([p]) => p,
  params: () => [['proc0']],
  enabled: (w) => !gBool(w, 'submitted'),
  apply: (w) => {
    const batch = { waitUmf: '', waitValue: 0, writeUmf: 'umf0', writeValue: 1 };
    return setG(must(w, PRODUCER, { type: 'GPU_CTX_SUBMIT', batch }), { submitted: true });
  },
  doc: 'R121: an LR exec publishes no job fence; its batch stores umf0 = 1 at its end (R119)',
};

const attach: StepDef<SyncobjUmfConfig, [proc: string]> = {
  name: 'DRM_IOCTL_SYNCOBJ_ATTACH_UMF',
  role: 'user',
  actor: ([p]) => p,
  params: () => [['proc0']],
  enabled: (w) => gBool(w, 'submitted') && !(GLUE in w.o),
  apply: (w) => drm_syncobj_attach_umf(w, 'S', GLUE, 'umf0', 1, PRODUCER),
  doc: "seed 002 upgrade path: S's payload becomes umf0 >= 1; the glue materializes it as a dma_fence",
};

const xe_exec_queue_run: StepDef<SyncobjUmfConfig, [c: string]> = {
  name: 'xe_exec_queue_run',
  role: 'gpu',
  actor: ([c]) => c,
  params: () => [[PRODUCER]],
  enabled: (w, [c]) => accepts(w, c, { type: 'GPU_CTX_EXEC' }) && headRunnable(w, ctx<GpuContextContext>(w, c)),
  apply: (w, [c]) => must(w, c, { type: 'GPU_CTX_EXEC' }),
  doc: 'R119: the batch ran; its end-of-batch store writes umf0 (the glue fence wakes, R120)',
};

const gpu_ctx_hang: StepDef<SyncobjUmfConfig, [c: string]> = {
  name: 'gpu_ctx_hang',
  role: 'fault',
  actor: ([c]) => c,
  params: () => [[PRODUCER]],
  enabled: (w, [c], cfg) =>
    gNum(w, 'hangs') < cfg.maxHangs &&
    ctx<GpuContextContext>(w, c).batches.length > 0 &&
    accepts(w, c, { type: 'GPU_CTX_HANG' }),
  apply: (w, [c]) => setG(must(w, c, { type: 'GPU_CTX_HANG' }), { hangs: gNum(w, 'hangs') + 1 }),
  doc: "the producer's batch stops making progress: it will never write umf0",
};

const xe_exec_queue_timedout: StepDef<SyncobjUmfConfig, [c: string]> = {
  name: 'xe_exec_queue_timedout',
  role: 'timer',
  actor: ([c]) => c,
  params: () => [[PRODUCER]],
  enabled: (w, [c]) => stateOf(w, c) === 'hung',
  apply: (w, [c]) => must(w, c, { type: 'GPU_CTX_KILL', by: 'xe_exec_queue_timedout', error: ETIME }),
  doc: 'R20: the hung queue is reset and banned',
};

const consumerSubmit: StepDef<SyncobjUmfConfig, [who: string]> = {
  name: 'DRM_IOCTL_XE_EXEC_WAIT_FOR_SUBMIT',
  role: 'user',
  actor: ([c]) => c,
  params: (_w, cfg) => consumers(cfg).map((c): [string] => [c]),
  // WAIT_FOR_SUBMIT: the consumer's ioctl returns once S has a fence (R84)
  enabled: (w, [c]) => !gBool(w, `${c}.submitted`) && GLUE in w.o,
  apply: (w, [c]) => {
    const job = `${c}.j0`;
    w = drm_sched_job_init(w, job, `${c}.entity`, 'sched0');
    const r = drm_syncobj_find_fence(w, 'S', 0, 0);
    if (r.ret || !r.fence) throw new Error(`find_fence(S) returned ${r.ret}`);
    w = drm_sched_job_add_dependency(r.w, job, r.fence);
    w = drm_sched_job_arm(w, job);
    return setG(drm_sched_entity_push_job(w, job), { [`${c}.submitted`]: true });
  },
  doc: "a dma_fence consumer's job waits on S's materialized fence: the glue's",
};

const glue_timedout: StepDef<SyncobjUmfConfig, [fence: string]> = {
  name: 'drm_syncobj_umf_timedout',
  role: 'timer',
  actor: () => 'timer',
  params: () => [[GLUE]],
  // a timeout may fire on healthy work: the producer's batch may just not have run yet (seed 002)
  enabled: (w, [f]) => f in w.o && stateOf(w, f) === 'unsignaled',
  apply: (w, [f]) => drm_syncobj_umf_timedout(w, f),
  doc: 'seed 002 "the timeout might be in the compat glue": -ETIME, and the context obliged to signal is killed',
};

const steps = stepTable<SyncobjUmfConfig>(
  DRM_IOCTL_XE_EXEC,
  attach,
  xe_exec_queue_run,
  consumerSubmit,
  ...drmSchedSteps({ maxHangs: () => 0 }),
  gpu_ctx_hang,
  xe_exec_queue_timedout,
  glue_timedout,
);

export default defineDesign<SyncobjUmfConfig>({
  name: 'syncobj-umf-payload',
  summary:
    "A syncobj's payload is a user memory fence; the compat glue's timeout bounds dma_fence consumers and kills " +
    'producers that were only slow.',
  source: 'seed 002 Vetter "substitute dma_fence for userspace fences within a drm_syncobj", "compat glue"',
  configs: {
    small: { consumers: 1, maxHangs: 0 },
    default: { consumers: 2, maxHangs: 1 },
    large: { consumers: 4, maxHangs: 1 },
  },
  bounds: {
    exhaustive: { config: 'default', depth: 60, maxStates: 1_000_000 },
    random: { config: 'large', depth: 60, runs: 200 },
  },
  init: initSyncobjUmf,
  steps,
  expect: {
    'one-shot': { verdict: 'holds', why: "the glue fence signals once: the UMF's wake-up or the timeout (R4)" },
    'finite-time': {
      verdict: 'holds',
      why: "seed 002: the glue's timeout bounds every consumer: the glue fence signals, with -ETIME at worst (I10)",
    },
    'umf-never-blocks-dma-fence': {
      verdict: 'violates',
      why: "the glue is a dma_fence over umf0 (I9); its timeout bounds it as I23 argues, outside I23's userq exemption",
    },
    'innocent-context-survives': {
      verdict: 'violates',
      why:
        "seed 002 \"can't tell 'has deadlocked' from 'is still doing useful computations'\": the timeout fires " +
        "before proc0's healthy batch ran and kills proc0's context",
    },
    'chain-prefix-closed': { verdict: 'n/a', why: 'a binary payload: no timeline chain' },
    'timeline-monotonic': { verdict: 'n/a', why: 'a binary payload: no timeline points' },
    'no-future-edges': { verdict: 'n/a', why: 'consumers submit once S has a fence (WAIT_FOR_SUBMIT, R84)' },
    'crashed-producer-releases': { verdict: 'n/a', why: 'no process crashes here; the timeout is the only release' },
    'preempt-fence-bounded': { verdict: 'n/a', why: 'no memory management: no preempt fence' },
    'context-order': { verdict: 'holds', why: "one job per consumer entity; drm_sched's fences signal in order (I4)" },
    'acyclic-waits': { verdict: 'holds', why: 'consumers wait on the glue, the glue on umf0, umf0 on the producer' },
    'errors-propagate': {
      verdict: 'n/a',
      why:
        'never reached here (a job completes after one of its dependencies signaled with an error) in default+large: ' +
        'exploration (issue 11.2)',
    },
    'no-priority-inversion': {
      verdict: 'n/a',
      why:
        'never reached here (ready entities of different priorities compete for a ring) in default+large: ' +
        'exploration (issue 11.2)',
    },
    'hang-recovers-with-error': TDR_RECOVERS_EXPECT['hang-recovers-with-error'],
    'reset-completes-with-error': {
      verdict: 'n/a',
      why: 'never reached here (a hung ring reset with a job running on it) in default+large: exploration (issue 11.2)',
    },
  },
});
