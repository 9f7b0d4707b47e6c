/**
 * compute-lr-mode — long compute in long-running (LR) mode: the fix of compute-under-tdr (seed 001
 *   "Why shouldn't a kernel run on the GPU for 3 days?", "Solution pt. 1").
 *
 * Idea: each compute client owns an LR exec queue (an Xe VM in LR mode, gpu_context) whose long job is
 *   `jobs` batches (steps of one long computation). No dma_fence out-fence is published for the work
 *   (R121): completion is a user memory fence the last command of each batch stores (R119), which only
 *   userspace and the GPU wait on. Memory sync stays on dma_fence: each resumed queue has a lazy preempt
 *   fence in its BO's resv (R110); when TTM must move the BO for another client it waits on the resv,
 *   which preempts the queue in bounded time, even mid-job (R108, R109), and the rebind worker resumes
 *   it with a fresh preempt fence (R111). The job timeout is the one time model's (models/kernel/
 *   timer.ts) with a zero budget: an LR queue is not timed out while it progresses (xe_guc_submit.c
 *   gives LR exec queues MAX_SCHEDULE_TIMEOUT), only once it has hung.
 * Source: seed 001 "Compute doesn't happen in finite time", "Solution pt. 1: Separate memory and
 *   execution synchronization"; seed 002 (page faults and user fences); R108-R112, R118-R121.
 * Changes: compute-under-tdr's long job on LR queues: no job dma_fence, so no TDR over it.
 * Related: compute-under-tdr (the bug), umf-separated (the two-process flavour).
 * Scope: processes (compute clients), jobs (batches of each long job), VRAM slots (fewer than the
 *   clients' BOs: evictions preempt running jobs), hang budget, timeout budget.
 */
import { defineDesign, defineStep, stepTable } from '../design.ts';
import { emptyWorld, spawn, ctx, must, tell, idsOf, stateOf, setG, accepts, type World } from '../world.ts';
import { dmaFenceMachine, ETIME } from '../dma-buf/dma-fence.ts';
import { userMemoryFenceMachine } from '../userq/user-memory-fence.ts';
import { userProcessMachine, type UserProcessContext } from '../userspace/user-process.ts';
import { gpuContextMachine, headRunnable, type GpuContextContext } from '../gpu/gpu-context.ts';
import { defineTimeout } from '../kernel/timer.ts';
import {
  ttm_bo_create,
  ttm_bo_move_copy,
  ttmBoValidateStep,
  dma_resv_add,
  resident,
  bo,
  TTM_EXPECTATIONS,
} from '../ttm/ttm-bo.ts';

interface ComputeLrConfig {
  processes: number;
  /** Batches of each client's long job. */
  jobs: number;
  vramSlots: number;
  maxHangs: number;
  /** Wrong job timeouts per run (0: an LR queue is never timed out while it progresses). */
  timeouts: number;
}

/** The design globals: `pf:<ctx>` counts a queue's preempt fences, `hangs` the fault budget spent. */
const gNum = (w: World, k: string): number => {
  const n = w.g[k];
  return typeof n === 'number' ? n : 0;
};

const gctx = (w: World, c: string) => ctx<GpuContextContext>(w, c);
const contexts = (w: World): [c: string][] => idsOf(w, 'gpu_context').map((c): [string] => [c]);
const procs = (w: World): [p: string][] => idsOf(w, 'user_process').map((p): [string] => [p]);

/** R108, R110: a new lazy preempt fence for `c`, installed BOOKKEEP in its BOs' resvs (not published: R9). */
function installPreemptFence(w: World, c: string): [World, string] {
  const n = gNum(w, `pf:${c}`) + 1;
  w = setG(w, { [`pf:${c}`]: n });
  const pf = `${c}.pf${n}`;
  const onEnable = { to: c, ev: { type: 'GPU_CTX_PREEMPT' } };
  const context = 700 + idsOf(w, 'gpu_context').indexOf(c);
  w = spawn(w, pf, dmaFenceMachine, { context, seqno: n, ops: 'preempt', owner: c, onEnable });
  for (const b of gctx(w, c).bos) w = dma_resv_add(w, b, pf, 'BOOKKEEP', 'xe_vm');
  return [w, pf];
}

function initComputeLr(cfg: ComputeLrConfig): World {
  let w = emptyWorld;
  for (let p = 0; p < cfg.processes; p++) {
    const proc = `proc${p}`;
    w = ttm_bo_create(w, `bo${p}`, p < cfg.vramSlots ? 'VRAM' : 'SYSTEM');
    w = spawn(w, `${proc}.umf`, userMemoryFenceMachine, { writer: `${proc}.ctx` });
    w = spawn(w, proc, userProcessMachine, {});
    // an LR queue starts off the hardware; the rebind worker resumes it once its BO is resident
    w = spawn(w, `${proc}.ctx`, gpuContextMachine, { proc, bos: [`bo${p}`], suspended: true });
  }
  return w;
}

/** R112: a BO validated for queue `who` stays until `who` ran (or spins: preempting it loses nothing). */
const stillPinned = (w: World, who: string) => {
  const s = stateOf(w, who);
  return s === 'suspended' || (s === 'running' && headRunnable(w, gctx(w, who)));
};

const waitingForMemory = (w: World, c: string) => stateOf(w, c) === 'suspended' && gctx(w, c).batches.length > 0;

const ADVANCE = { type: 'PROC_ADVANCE' } as const;
const EXEC = { type: 'GPU_CTX_EXEC' } as const;
const PREEMPTED = { type: 'GPU_CTX_PREEMPTED' } as const;
const HANG = { type: 'GPU_CTX_HANG' } as const;

const DRM_IOCTL_XE_EXEC = defineStep<ComputeLrConfig, [proc: string]>({
  name: 'DRM_IOCTL_XE_EXEC',
  role: 'user',
  actor: ([p]) => p,
  params: procs,
  enabled: (w, [p], cfg) => accepts(w, p, ADVANCE) && ctx<UserProcessContext>(w, p).pc < cfg.jobs,
  apply: (w, [p]) => {
    const k = ctx<UserProcessContext>(w, p).pc;
    // R121: an LR exec publishes no job fence; batch k stores umf = k + 1 at its end (R119)
    const batch = { waitUmf: '', waitValue: 0, writeUmf: `${p}.umf`, writeValue: k + 1 };
    w = tell(w, `${p}.ctx`, { type: 'GPU_CTX_SUBMIT', batch });
    return must(w, p, ADVANCE);
  },
  doc: 'R121: the next batch of the long job; no dma_fence out-fence, a user fence store at its end',
});

const xe_vm_rebind_worker = defineStep<ComputeLrConfig, [c: string]>({
  name: 'xe_vm_rebind_worker',
  role: 'kernel',
  actor: ([c]) => c,
  params: contexts,
  enabled: (w, [c]) => waitingForMemory(w, c) && gctx(w, c).bos.every((b) => resident(w, b)),
  apply: (w, [c]) => {
    const [w1, pf] = installPreemptFence(w, c);
    return must(w1, c, { type: 'GPU_CTX_RESUME', pfence: pf });
  },
  doc: 'R111: every BO resident: install a new preempt fence (BOOKKEEP, R110) and resume',
});

const xe_exec_queue_run = defineStep<ComputeLrConfig, [c: string]>({
  name: 'xe_exec_queue_run',
  role: 'gpu',
  actor: ([c]) => c,
  params: contexts,
  enabled: (w, [c]) => accepts(w, c, EXEC) && headRunnable(w, gctx(w, c)),
  apply: (w, [c]) => {
    w = must(w, c, EXEC);
    for (const b of gctx(w, c).bos) if (bo(w, b).pinnedFor === c) w = tell(w, b, { type: 'TTM_BO_UNPIN' });
    return w;
  },
  doc: 'R119: the next batch of the long job ran; its user fence store lands (progress)',
});

const xe_preempt_fence_work = defineStep<ComputeLrConfig, [c: string]>({
  name: 'xe_preempt_fence_work',
  role: 'gpu',
  actor: ([c]) => c,
  params: contexts,
  enabled: (w, [c]) => accepts(w, c, PREEMPTED),
  apply: (w, [c]) => must(w, c, PREEMPTED),
  doc: 'R109: the suspend lands in bounded time, even mid-job; the preempt fence signals',
});

const gpu_ctx_hang = defineStep<ComputeLrConfig, [c: string]>({
  name: 'gpu_ctx_hang',
  role: 'fault',
  actor: ([c]) => c,
  params: contexts,
  enabled: (w, [c], cfg) => gNum(w, 'hangs') < cfg.maxHangs && accepts(w, c, HANG),
  apply: (w, [c]) => setG(must(w, c, HANG), { hangs: gNum(w, 'hangs') + 1 }),
  doc: 'the queue stops making progress and cannot be preempted (fault budget maxHangs)',
});

/** The queue is on the hardware with work to do (running or preempting), or hung. */
const onHardware = (w: World, c: string) =>
  stateOf(w, c) === 'hung' ||
  ((stateOf(w, c) === 'running' || stateOf(w, c) === 'preempting') && gctx(w, c).batches.length > 0);

const xe_exec_queue_timedout = defineTimeout<ComputeLrConfig, [c: string]>({
  name: 'xe_exec_queue_timedout',
  actor: ([c]) => c,
  params: contexts,
  armed: (w, [c]) => onHardware(w, c),
  progressing: (w, [c]) => stateOf(w, c) !== 'hung',
  budget: (cfg) => cfg.timeouts,
  expire: (w, [c]) => must(w, c, { type: 'GPU_CTX_KILL', by: 'xe_exec_queue_timedout', error: ETIME }),
  doc: 'R20, R109: a hung queue is reset and banned (its preempt fence gets -ENOENT); LR work is not timed out',
});

const steps = stepTable<ComputeLrConfig>(
  DRM_IOCTL_XE_EXEC,
  ttmBoValidateStep<ComputeLrConfig>({
    name: 'ttm_bo_validate',
    role: 'kernel',
    actor: 'ttm',
    requests: (w) =>
      idsOf(w, 'gpu_context')
        .filter((c) => waitingForMemory(w, c))
        .flatMap((c) => gctx(w, c).bos.map((b) => [c, b] as const)),
    capacity: (cfg) => cfg.vramSlots,
    stillPinned,
    doc: 'R111, I19: the rebind worker validates; evicting a victim waits on its resv, which preempts its queue',
  }),
  xe_vm_rebind_worker,
  xe_exec_queue_run,
  xe_preempt_fence_work,
  ttm_bo_move_copy,
  gpu_ctx_hang,
  xe_exec_queue_timedout,
);

const small: ComputeLrConfig = { processes: 2, jobs: 2, vramSlots: 1, maxHangs: 1, timeouts: 0 };

export default defineDesign<ComputeLrConfig>({
  name: 'compute-lr-mode',
  summary:
    'Long compute on long-running queues: user fences for completion, preempt fences for memory, no dma_fence ' +
    'for the job and so no TDR over it.',
  source: 'seed 001 "Why shouldn\'t a kernel run on the GPU for 3 days?", "Solution pt. 1"; R108-R112, R118-R121',
  configs: {
    small,
    default: { ...small, jobs: 3 },
    large: { ...small, processes: 3, jobs: 3, vramSlots: 2 },
  },
  bounds: {
    exhaustive: { config: 'small', depth: 80, maxStates: 200_000 },
    random: { config: 'default', depth: 80, runs: 300 },
  },
  init: initComputeLr,
  steps,
  expect: {
    ...TTM_EXPECTATIONS,
    'one-shot': { verdict: 'holds', why: 'preempt and move fences each have one signalling path (R4)' },
    'acyclic-waits': {
      verdict: 'holds',
      why: 'moves wait on preempt fences, which wait on nothing user-controlled (R109); no kernel wait on a UMF',
    },
    'finite-time': {
      verdict: 'holds',
      why: 'the only dma_fences are preempt and move fences: preemption lands in bounded time (R109, I20)',
    },
    'umf-never-blocks-dma-fence': {
      verdict: 'n/a',
      why:
        'never reached here (something waits on an unwritten user memory fence) in small+default: exploration (issue ' +
        '11.2)',
    },
    'innocent-context-survives': {
      verdict: 'holds',
      why: 'a queue that progresses is preempted, never timed out (budget 0); only a hung queue is reset (R20)',
    },
    'eviction-after-fences': { verdict: 'holds', why: 'moves wait on the BOOKKEEP preempt fences they enable (I19)' },
    'no-access-while-moving': {
      verdict: 'holds',
      why: 'a queue is off the hardware before its BO moves, and resumes only once it is back (R111)',
    },
    'preempt-fence-bounded': {
      verdict: 'holds',
      why: 'preemption lands even mid-job; a hung queue is reset and its fence gets -ENOENT (R109, I20)',
    },
    'hang-recovers-with-error': {
      verdict: 'holds',
      why: 'a hung queue is reset and banned, its preempt fence signalled with an error (R20, R109, I22)',
    },
    'context-order': {
      verdict: 'n/a',
      why:
        'never reached here (two fences of one context in flight, the earlier one unsignalled) in small+default: ' +
        'exploration (issue 11.2)',
    },
    'crashed-producer-releases': {
      verdict: 'n/a',
      why: 'never reached here (a user fence whose writer crashed) in small+default: exploration (issue 11.2)',
    },
    'hazard-free': {
      verdict: 'n/a',
      why:
        'never reached here (two queues touched one buffer, at least one writing) in small+default: exploration ' +
        '(issue 11.2)',
    },
    'memory-eventually-freed': {
      verdict: 'n/a',
      why: 'never reached here (a fence or BO released by its owner) in small+default: exploration (issue 11.2)',
    },
  },
});
