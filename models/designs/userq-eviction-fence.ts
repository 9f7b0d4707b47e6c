/**
 * userq-eviction-fence — user-mode queues (direct-to-firmware, doorbell) whose memory the kernel
 * manages with an eviction fence, and whose dma_fences are bounded by hang detection (amdgpu user queues).
 *
 * Idea: seed 001 "Intel has plans for a direct-to-firmware submit model: kernel still manages memory;
 *   userspace submits batches directly to firmware". proc1 rings its queue's doorbell with a batch that
 *   spins on umf0 (proc0 writes it from the CPU), and asks the kernel for a userq fence for it (R123),
 *   which goes into boA's resv as WRITE for implicit-sync interop. The process's eviction fence sits in
 *   boA's resv as BOOKKEEP (R114). A third process's allocation needs boA's VRAM slot: the eviction
 *   waits on boA's resv, which enables the eviction fence, whose suspend work waits for the queue's
 *   last fence, unmaps the queue and signals (R115); the restore worker brings the memory back and maps
 *   the queue with a new eviction fence. The userq fence depends on user progress (umf0), so it is a
 *   dma_fence only because a hang-detect timer started at its creation bounds it (R124, I23).
 * Source: seed 001 "AMD and Intel want to side-step the kernel"; kernel-sync-semantics.md R114-R117,
 *   R122-R125, I23, H13 (the January 2026 hang_detect_work series).
 * Changes: R30 relaxed under I9's one exception (a userq fence bounded by I23).
 * Related: userq-no-hang-detect (the same without the timer), umf-separated (Xe's flavour).
 * Models: 2 processes (a CPU producer, a queue owner) and an allocating third party; 1 user-mode queue;
 *   2 BOs, VRAM of one slot; 1 UMF; optional hangs (malformed commands).
 * Abstracted away: MES details, the 100 ms per-fence bail-out in amdgpu_userq_evict (H13's snapshot
 *   behaviour is the no-hang-detect design's outcome), queue creation (the queue exists from the start).
 */
import { defineDesign, type StepDef, stepTable } from '../design.ts';
import { emptyWorld, spawn, ctx, must, tell, accepts, type World } from '../world.ts';
import { userMemoryFenceMachine } from '../userq/user-memory-fence.ts';
import { userProcessMachine, type UserProcessContext } from '../userspace/user-process.ts';
import { userModeQueueMachine } from '../userq/user-mode-queue.ts';
import { ttm_bo_create, ttm_bo_move_copy, ttmBoValidateStep, TTM_EXPECTATIONS } from '../ttm/ttm-bo.ts';
import {
  amdgpu_eviction_fence_attach,
  amdgpu_userq_ensure_ev_fence,
  amdgpu_userq_signal_ioctl,
  userqExecStep,
  amdgpu_eviction_fence_suspend_worker,
  amdgpu_userq_validate_bos,
  amdgpu_userq_restore_worker,
  amdgpu_userq_hang,
  amdgpu_userq_hang_detect_work,
} from '../userq/amdgpu-userq.ts';

export interface UserqConfig {
  vramSlots: number;
  /** R124: a hang-detect timer per userq fence, started at its creation. */
  hangDetect: boolean;
  maxHangs: number;
}

const Q = 'proc1.q';
const pc = (w: World, p: string) => ctx<UserProcessContext>(w, p).pc;
const ADVANCE = { type: 'PROC_ADVANCE' } as const;
/** Step `p`'s program counter is at `at` and it can run its next step. */
const at = (w: World, p: string, n: number) => pc(w, p) === n && accepts(w, p, ADVANCE);

function initUserq(cfg: UserqConfig): World {
  let w = ttm_bo_create(emptyWorld, 'boA', 'VRAM');
  w = ttm_bo_create(w, 'boB', cfg.vramSlots > 1 ? 'VRAM' : 'SYSTEM');
  w = spawn(w, 'umf0', userMemoryFenceMachine, { writer: 'proc0' });
  for (const p of ['proc0', 'proc1', 'proc2']) w = spawn(w, p, userProcessMachine, {});
  w = spawn(w, Q, userModeQueueMachine, { proc: 'proc1', bos: ['boA'], hangDetect: cfg.hangDetect });
  return amdgpu_eviction_fence_attach(w, Q);
}

const amdgpu_userq_submit: StepDef<UserqConfig, [proc: string, what: string]> = {
  name: 'amdgpu_userq_submit',
  role: 'user',
  actor: () => 'proc1',
  params: () => [['proc1', 'doorbell: batch spins on umf0 >= 1; AMDGPU_USERQ_SIGNAL: fence into boA (WRITE)']],
  enabled: (w) => at(w, 'proc1', 0) && amdgpu_userq_ensure_ev_fence(w, Q),
  apply: (w) => {
    // the doorbell bypasses the kernel; a banned queue ignores it
    w = tell(w, Q, { type: 'USERQ_DOORBELL', batch: { waitUmf: 'umf0', waitValue: 1, writeUmf: '', writeValue: 0 } });
    return must(amdgpu_userq_signal_ioctl(w, Q, 'boA'), 'proc1', ADVANCE);
  },
  doc:
    'seed 001 direct-to-firmware: the doorbell bypasses the kernel; R123 the signal ioctl makes a userq dma_fence ' +
    'and puts it in the resv',
};

const umf_write: StepDef<UserqConfig, [proc: string, what: string]> = {
  name: 'umf_write',
  role: 'user',
  actor: () => 'proc0',
  params: () => [['proc0', 'umf0 = 1']],
  // umf0 only ever gets this one store, so it always lands
  enabled: (w) => at(w, 'proc0', 0) && accepts(w, 'umf0', { type: 'UMF_WRITE', value: 1 }),
  apply: (w) => must(must(w, 'umf0', { type: 'UMF_WRITE', value: 1 }), 'proc0', ADVANCE),
  doc: 'R119: the producer stores the value from the CPU',
};

/** Memory pressure: proc2 allocates boB in VRAM (its program's one step). */
const ttm_bo_validate = ttmBoValidateStep<UserqConfig>({
  name: 'ttm_bo_validate',
  role: 'user',
  actor: 'proc2',
  requests: (w) => (pc(w, 'proc2') === 0 ? [['proc2', 'boB']] : []),
  capacity: (cfg) => cfg.vramSlots,
  neededBy: () => [],
  after: (w, p) => must(w, p, ADVANCE),
  doc:
    "memory pressure: another process needs VRAM; the victim's move waits on its whole resv (I19), enabling the " +
    'eviction fence',
});

const steps = stepTable<UserqConfig>(
  amdgpu_userq_submit,
  umf_write,
  ttm_bo_validate,
  amdgpu_eviction_fence_suspend_worker,
  amdgpu_userq_validate_bos<UserqConfig>((cfg) => cfg.vramSlots),
  amdgpu_userq_restore_worker,
  userqExecStep('amdgpu_userq_exec'),
  ttm_bo_move_copy,
  amdgpu_userq_hang<UserqConfig>((cfg) => cfg.maxHangs),
  amdgpu_userq_hang_detect_work,
);

export default defineDesign<UserqConfig>({
  name: 'userq-eviction-fence',
  summary:
    'User-mode (doorbell) queues; the kernel manages memory with a lazy eviction fence; userq fences bounded by hang ' +
    'detection.',
  source: 'seed 001 "AMD and Intel want to side-step the kernel"; R114-R117, R122-R125, I23',
  configs: {
    small: { vramSlots: 1, hangDetect: true, maxHangs: 1 },
    default: { vramSlots: 1, hangDetect: true, maxHangs: 2 },
    // the largest scope this fixed two-process program has: the hang budget
    large: { vramSlots: 1, hangDetect: true, maxHangs: 4 },
  },
  bounds: {
    exhaustive: { config: 'small', depth: 60, maxStates: 50_000 },
    random: { config: 'default', depth: 60, runs: 200 },
  },
  init: initUserq,
  steps,
  expect: {
    'context-order': { verdict: 'n/a', why: 'each userq fence context has one fence in flight at a time' },
    'crashed-producer-releases': {
      verdict: 'n/a',
      why: 'no process crashes in this design (no crash fault): a UMF writer never dies',
    },
    // TTM's own guarantees (models/ttm/ttm-bo.ts); an entry after this line overrides one
    ...TTM_EXPECTATIONS,
    'one-shot': { verdict: 'holds', why: 'userq fences signal once, from rptr or from the reset (R4, R122)' },
    'acyclic-waits': {
      verdict: 'holds',
      why: "the user fence's writer is a CPU process that waits on nothing the kernel holds",
    },
    'finite-time': {
      verdict: 'holds',
      why: 'the hang-detect timer starts at fence creation and force-completes it (R124, I23)',
    },
    'umf-never-blocks-dma-fence': {
      verdict: 'holds',
      why: "the userq fence reaches umf0, but I9's one exception applies: it is bounded by hang detection (I23)",
    },
    'eviction-after-fences': {
      verdict: 'holds',
      why: "the eviction waits on the userq fence and the eviction fence in boA's resv (I19, R115)",
    },
    'no-access-while-moving': {
      verdict: 'holds',
      why: 'the queue is unmapped before boA moves and mapped only once it is back (R115)',
    },
    'preempt-fence-bounded': {
      verdict: 'holds',
      why: 'the suspend work waits for last_fence, which hang detection bounds (R115, R124, I20)',
    },
    'hang-recovers-with-error': {
      verdict: 'holds',
      why: 'a hung queue is detected, reset, and its fences force-completed with -ETIME (R124, I22)',
    },
    'innocent-context-survives': {
      verdict: 'violates',
      why:
        'seed 002 (Vetter): a timer "fundamentally can\'t tell has deadlocked from is still doing useful ' +
        'computations"; it resets a queue merely waiting on a slow producer (R124)',
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
