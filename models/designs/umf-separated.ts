/**
 * umf-separated — seed 001 "Solution pt. 1: Separate memory and execution synchronization".
 *
 * Idea: a pipeline of processes on long-running (Xe LR) contexts (models/userq/lr-umf-batches.ts).
 *   Execution sync is on UMFs only: proc<i>'s k-th batch spins on umf<i-1> >= k on the GPU (a compare),
 *   and stores umf<i> = k at its end; no job dma_fence is published (R121). Memory sync stays on dma_fence:
 *   each running context has a lazy preempt fence in its BOs' resvs (BOOKKEEP, R110). To move memory the
 *   kernel waits on the resv (I19), which enables the preempt fence, which preempts the context in
 *   bounded time even mid-spin (R108, R109); then it moves, and the rebind worker resumes the context
 *   with a fresh preempt fence (R111). "Internal kernel stuff never waits on a UMF!"
 * Source: seed 001 "Solution pt. 1"; kernel-sync-semantics.md §1.12 (R108-R112), §1.13 (R118-R121).
 * Changes: none relaxed: R30 and I9 hold by construction.
 * Related: umf-wrapped (what it fixes), userq-eviction-fence (the amdgpu flavour).
 * Models: `procs` LR contexts (gpu_context) with one BO each, `jobs` batches each, `umfs` UMFs linking
 *   them, `vramSlots` slots, budgets of hangs (with reset) and evictions. The key case, an eviction
 *   while a consumer spins on its UMF (`preemptedMidSpin`), is reached in 240 of default's 7445 states.
 * Abstracted away: the VM bind/unbind ioctls (the VMs hold their BOs from the start), userptr
 *   invalidation (another enabler of preempt fences, same path), the GuC's timeslices (R112 as the
 *   pin: a BO brought in for a context is not a victim until that context ran or is spinning).
 */
import { defineDesign, type StepDef, stepTable } from '../design.ts';
import { emptyWorld, spawn, ctx, must, tell, idsOf, stateOf, setG, accepts, type World } from '../world.ts';
import { ETIME } from '../dma-buf/dma-fence.ts';
import { userMemoryFenceMachine } from '../userq/user-memory-fence.ts';
import { userProcessMachine, type UserProcessContext } from '../userspace/user-process.ts';
import { gpuContextMachine, headRunnable, type GpuContextContext } from '../gpu/gpu-context.ts';
import {
  ttm_bo_create,
  ttm_bo_move_copy,
  ttmBoValidateStep,
  dma_resv_add,
  resident,
  bo,
  TTM_EXPECTATIONS,
  type TtmValidateArgs,
} from '../ttm/ttm-bo.ts';
import { stepsFromTo } from '../metrics.ts';
import {
  describeBatch,
  lrBatch,
  spinningOnUmf,
  xePreemptFenceMachine,
  umfWaitedBy,
  umfWrittenBy,
  type LrPipeline,
} from '../userq/lr-umf-batches.ts';

export interface UmfSeparatedConfig extends LrPipeline {
  /** processes, each with one LR context and one BO (LrPipeline.procs); batches per process (jobs). */
  vramSlots: number;
  maxHangs: number;
  /**
   * Evictions budget: two consumers spinning on their UMFs can evict each other forever (each rebind is a
   * fresh preempt fence), so the number of validations that evict is bounded, like a fault budget.
   */
  maxEvictions: number;
  /**
   * R109 as the hardware gives it: a batch can be preempted in the middle of its UMF spin (seed 001
   * "depends on preemption"). false: preemption lands only at a batch boundary (seed 002 "preemption takes
   * a while longer"), umf-separated-no-midwait-preempt.
   */
  midWaitPreempt: boolean;
}

/**
 * The design globals: `pf:<ctx>` counts a context's preempt fences, `hangs` and `evictions` the budgets
 * spent.
 */
const gNum = (w: World, k: `pf:${string}` | 'hangs' | 'evictions'): number => {
  const n = w.g[k];
  return typeof n === 'number' ? n : 0;
};

const gctx = (w: World, c: string) => ctx<GpuContextContext>(w, c);
const pc = (w: World, p: string) => ctx<UserProcessContext>(w, p).pc;
const contexts = (w: World): [c: string][] => idsOf(w, 'gpu_context').map((c): [string] => [c]);
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** R108, R110: a new lazy preempt fence for `c`, installed BOOKKEEP in its BOs' resvs (not published: R9). */
function installPreemptFence(w: World, c: string, cfg: UmfSeparatedConfig): [World, string] {
  const n = gNum(w, `pf:${c}`) + 1;
  w = setG(w, { [`pf:${c}`]: n });
  const pf = `${c}.pf${n}`;
  const onEnable = { to: c, ev: { type: 'GPU_CTX_PREEMPT' } };
  const context = 700 + idsOf(w, 'gpu_context').indexOf(c);
  const atBatchBoundary = !cfg.midWaitPreempt;
  w = spawn(w, pf, xePreemptFenceMachine, { context, seqno: n, owner: c, onEnable, atBatchBoundary });
  for (const b of gctx(w, c).bos) w = dma_resv_add(w, b, pf, 'BOOKKEEP', 'xe_vm');
  return [w, pf];
}

/**
 * `procs` processes proc<i>, each with an LR context proc<i>.ctx on one BO bo<i>; the last `vramSlots`
 * BOs start in VRAM (the consumers': the producer's batch must evict one to run), the rest in system
 * memory. Every context starts suspended, waiting for its first rebind (R111).
 */
export function initUmfSeparated(cfg: UmfSeparatedConfig): World {
  let w = emptyWorld;
  for (const i of range(cfg.procs)) w = ttm_bo_create(w, `bo${i}`, i >= cfg.procs - cfg.vramSlots ? 'VRAM' : 'SYSTEM');
  for (const i of range(cfg.procs)) {
    const u = umfWrittenBy(i, cfg);
    if (u) w = spawn(w, u, userMemoryFenceMachine, { writer: `proc${i}.ctx` });
  }
  for (const i of range(cfg.procs)) w = spawn(w, `proc${i}`, userProcessMachine, {});
  for (const i of range(cfg.procs))
    w = spawn(w, `proc${i}.ctx`, gpuContextMachine, { proc: `proc${i}`, bos: [`bo${i}`], suspended: true });
  return w;
}

/** R112: a BO validated for context `who` stays until `who` ran (or spins: preempting it loses nothing). */
const stillPinned = (w: World, who: string) => {
  const s = stateOf(w, who);
  return s === 'suspended' || (s === 'running' && headRunnable(w, gctx(w, who)));
};

const waitingForMemory = (w: World, c: string) => stateOf(w, c) === 'suspended' && gctx(w, c).batches.length > 0;

const ADVANCE = { type: 'PROC_ADVANCE' } as const;
const EXEC = { type: 'GPU_CTX_EXEC' } as const;
const PREEMPTED = { type: 'GPU_CTX_PREEMPTED' } as const;
const HANG = { type: 'GPU_CTX_HANG' } as const;

type ExecArgs = [proc: string, job: number, what: string];

const DRM_IOCTL_XE_EXEC: StepDef<UmfSeparatedConfig, ExecArgs> = {
  name: 'DRM_IOCTL_XE_EXEC',
  role: 'user',
  actor: ([p]) => p,
  params: (_w, cfg) =>
    range(cfg.procs).flatMap((i) =>
      range(cfg.jobs).map((k): ExecArgs => [`proc${i}`, k + 1, describeBatch(lrBatch(i, k + 1, cfg))]),
    ),
  // userspace's graph is acyclic: a consumer submits its k-th batch after its producer submitted its k-th
  enabled: (w, [p, k], cfg) => {
    const i = Number(p.slice(4));
    const producer = umfWaitedBy(i, cfg) ? `proc${i - 1}` : '';
    return accepts(w, p, ADVANCE) && pc(w, p) === k - 1 && (!producer || pc(w, producer) >= k);
  },
  apply: (w, [p, k], cfg) => {
    // a banned queue refuses the exec (-ECANCELED); the ioctl still returns
    w = tell(w, `${p}.ctx`, { type: 'GPU_CTX_SUBMIT', batch: lrBatch(Number(p.slice(4)), k, cfg) });
    return must(w, p, ADVANCE);
  },
  doc: 'R121: an LR exec publishes no job fence; the batch waits on / writes user memory fences only',
};

const xe_vm_rebind_worker: StepDef<UmfSeparatedConfig, [c: string]> = {
  name: 'xe_vm_rebind_worker',
  role: 'kernel',
  actor: ([c]) => c,
  params: contexts,
  enabled: (w, [c]) => waitingForMemory(w, c) && gctx(w, c).bos.every((b) => resident(w, b)),
  apply: (w, [c], cfg) => {
    const [w1, pf] = installPreemptFence(w, c, cfg);
    return must(w1, c, { type: 'GPU_CTX_RESUME', pfence: pf });
  },
  doc: 'R111: every BO resident: install a new preempt fence (BOOKKEEP, R110) and resume',
};

const xe_exec_queue_run: StepDef<UmfSeparatedConfig, [c: string]> = {
  name: 'xe_exec_queue_run',
  role: 'gpu',
  actor: ([c]) => c,
  params: contexts,
  // the machine takes GPU_CTX_EXEC while running with a batch; the compare is the GPU's (R119)
  enabled: (w, [c]) => accepts(w, c, EXEC) && headRunnable(w, gctx(w, c)),
  apply: (w, [c]) => {
    w = must(w, c, EXEC);
    for (const b of gctx(w, c).bos) if (bo(w, b).pinnedFor === c) w = tell(w, b, { type: 'TTM_BO_UNPIN' });
    return w;
  },
  doc: 'R119: the head batch ran (its GPU compare held); its end-of-batch store lands',
};

const xe_preempt_fence_work: StepDef<UmfSeparatedConfig, [c: string]> = {
  name: 'xe_preempt_fence_work',
  role: 'gpu',
  actor: ([c]) => c,
  params: contexts,
  // without mid-wait preemption the GPU finishes the spin first: the suspend waits on the UMF's writer
  enabled: (w, [c], cfg) => accepts(w, c, PREEMPTED) && (cfg.midWaitPreempt || !spinningOnUmf(w, c)),
  apply: (w, [c]) => must(w, c, PREEMPTED),
  doc:
    'R109: the suspend lands in bounded time, even while the batch spins on a UMF (midWaitPreempt); the preempt ' +
    'fence signals',
};

const gpu_ctx_hang: StepDef<UmfSeparatedConfig, [c: string]> = {
  name: 'gpu_ctx_hang',
  role: 'fault',
  actor: ([c]) => c,
  params: contexts,
  enabled: (w, [c], cfg) => gNum(w, 'hangs') < cfg.maxHangs && accepts(w, c, HANG),
  apply: (w, [c]) => setG(must(w, c, HANG), { hangs: gNum(w, 'hangs') + 1 }),
  doc: 'the context stops making progress, and cannot be preempted (fault budget maxHangs)',
};

const xe_exec_queue_timedout: StepDef<UmfSeparatedConfig, [c: string]> = {
  name: 'xe_exec_queue_timedout',
  role: 'timer',
  actor: ([c]) => c,
  params: contexts,
  enabled: (w, [c]) => stateOf(w, c) === 'hung',
  apply: (w, [c]) => must(w, c, { type: 'GPU_CTX_KILL', by: 'xe_exec_queue_timedout', error: ETIME }),
  doc: 'R20, R109: the hung queue is reset and banned; its preempt fence signals with -ENOENT',
};

const validate = ttmBoValidateStep<UmfSeparatedConfig>({
  name: 'ttm_bo_validate',
  role: 'kernel',
  actor: 'ttm',
  requests: (w) =>
    idsOf(w, 'gpu_context')
      .filter((c) => waitingForMemory(w, c))
      .flatMap((c) => gctx(w, c).bos.map((b) => [c, b] as const)),
  capacity: (cfg) => cfg.vramSlots,
  stillPinned,
  doc: 'R111, I19: the rebind worker validates; evicting a victim waits on its resv, which enables its preempt fence',
});

/** ttm_bo_validate within the evictions budget (a move into a free slot is never refused). */
const ttm_bo_validate: StepDef<UmfSeparatedConfig, TtmValidateArgs> = {
  ...validate,
  enabled: (w, a, cfg) =>
    validate.enabled(w, a, cfg) && (a[2] === 'free slot' || gNum(w, 'evictions') < cfg.maxEvictions),
  apply: (w, a, cfg) => {
    const n = a[2] === 'free slot' ? gNum(w, 'evictions') : gNum(w, 'evictions') + 1;
    return setG(validate.apply(w, a, cfg), { evictions: n });
  },
};

const steps = stepTable<UmfSeparatedConfig>(
  DRM_IOCTL_XE_EXEC,
  ttm_bo_validate,
  xe_vm_rebind_worker,
  xe_exec_queue_run,
  xe_preempt_fence_work,
  ttm_bo_move_copy,
  gpu_ctx_hang,
  xe_exec_queue_timedout,
);

export default defineDesign<UmfSeparatedConfig>({
  name: 'umf-separated',
  summary:
    'Memory sync on dma_fence + preemption, execution sync on user memory fences; the kernel never waits on a UMF.',
  source: 'seed 001 "Solution pt. 1: Separate memory and execution synchronization"; R108-R112, R118-R121',
  configs: {
    small: { procs: 2, jobs: 1, umfs: 1, vramSlots: 1, maxHangs: 1, maxEvictions: 2, midWaitPreempt: true },
    default: { procs: 3, jobs: 2, umfs: 2, vramSlots: 1, maxHangs: 1, maxEvictions: 3, midWaitPreempt: true },
    large: { procs: 4, jobs: 2, umfs: 3, vramSlots: 2, maxHangs: 2, maxEvictions: 4, midWaitPreempt: true },
  },
  bounds: {
    exhaustive: { config: 'default', depth: 200, maxStates: 1_000_000 },
    random: { config: 'default', depth: 60, runs: 200 },
  },
  init: initUmfSeparated,
  steps,
  metrics: {
    // the same handoff as umf-wrapped: from proc0's batch done to proc1's batch done
    'handoff-latency-steps': (_w, cfg) =>
      stepsFromTo(
        initUmfSeparated(cfg),
        steps,
        cfg,
        (w) => gctx(w, 'proc0.ctx').done > 0,
        (w) => gctx(w, 'proc1.ctx').done > 0,
      ),
  },
  expect: {
    'context-order': {
      verdict: 'n/a',
      why: 'one job fence per context is never published (R121); preempt fences of a context are never two in flight',
    },
    'crashed-producer-releases': {
      verdict: 'n/a',
      why: 'no process crashes in this design (no crash fault): a UMF writer never dies',
    },
    // TTM's own guarantees (models/ttm/ttm-bo.ts); an entry after this line overrides one
    ...TTM_EXPECTATIONS,
    'one-shot': { verdict: 'holds', why: 'preempt and move fences each have one signalling path (R4)' },
    'acyclic-waits': {
      verdict: 'holds',
      why:
        'seed 001 "internal kernel stuff never waits on a UMF": moves wait on preempt fences, which wait on ' +
        'nothing user-controlled (R109)',
    },
    'finite-time': {
      verdict: 'holds',
      why: 'seed 001 "preempt happens in finite time so you can block dma_fence on it" (R109, I20)',
    },
    'umf-never-blocks-dma-fence': {
      verdict: 'holds',
      why: 'no dma_fence is published for LR work (R121); only the GPU and the CPU wait on umf0 (I9)',
    },
    'eviction-after-fences': {
      verdict: 'holds',
      why: 'moves wait on the BOOKKEEP preempt fences they enable (I19, R111)',
    },
    'no-access-while-moving': {
      verdict: 'holds',
      why: 'a context is off the hardware before its BO moves, and resumes only once it is back (R111)',
    },
    'preempt-fence-bounded': {
      verdict: 'holds',
      why: 'preemption lands even mid-spin; a hung context is reset and its fence gets -ENOENT (R109, I20)',
    },
    'hang-recovers-with-error': {
      verdict: 'holds',
      why: 'a hung context is reset and banned, its preempt fence signalled with an error (R20, R109, I22)',
    },
    'innocent-context-survives': {
      verdict: 'holds',
      why: 'only a context that hung itself is reset; waiting on a UMF is never timed out by the kernel (R20)',
    },
    'hazard-free': {
      verdict: 'n/a',
      why:
        'never reached here (two queues touched one buffer, at least one writing) in default+default: exploration ' +
        '(issue 11.2)',
    },
    'memory-eventually-freed': {
      verdict: 'n/a',
      why: 'never reached here (a fence or BO released by its owner) in default+default: exploration (issue 11.2)',
    },
  },
});
