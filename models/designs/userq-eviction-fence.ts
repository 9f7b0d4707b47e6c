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
import { emptyWorld, spawn, ctx, must, send, stateOf, setG, tell, type World } from '../world.ts';
import { dmaFenceMachine, ETIME, isSignaled } from '../dma-buf/dma-fence.ts';
import { userMemoryFenceMachine } from '../userq/user-memory-fence.ts';
import { userProcessMachine, type UserProcessContext } from '../userspace/user-process.ts';
import { userModeQueueMachine, userqHeadRunnable, type UserModeQueueContext } from '../userq/user-mode-queue.ts';
import { ttm_bo_create, ttm_bo_move_copy, ttm_bo_validate, validateChoices, dma_resv_add, resident, bo, boIdle } from '../ttm/ttm-bo.ts';

export interface UserqConfig {
  vramSlots: number;
  /** R124: a hang-detect timer per userq fence, started at its creation. */
  hangDetect: boolean;
  maxHangs: number;
}

const Q = 'proc1.q';
const q = (w: World): UserModeQueueContext => ctx<UserModeQueueContext>(w, Q);
const pc = (w: World, p: string) => ctx<UserProcessContext>(w, p).pc;

/** R114, R117: a new eviction fence for proc1, attached BOOKKEEP to its BOs (lazy: not published, R9). */
function attachEvictionFence(w: World): World {
  const n = ((w.g['evf:proc1'] as number | undefined) ?? 0) + 1;
  w = setG(w, { 'evf:proc1': n });
  const evf = `proc1.evf${n}`;
  w = spawn(w, evf, dmaFenceMachine, { context: 800, seqno: n, ops: 'eviction', owner: 'proc1' });
  for (const b of q(w).bos) w = dma_resv_add(w, b, evf, 'BOOKKEEP', 'amdgpu_userq');
  return must(w, Q, { type: 'USERQ_ATTACH_EVF', fence: evf });
}

export function initUserq(cfg: UserqConfig): World {
  let w = ttm_bo_create(emptyWorld, 'boA', 'VRAM');
  w = ttm_bo_create(w, 'boB', cfg.vramSlots > 1 ? 'VRAM' : 'SYSTEM');
  w = spawn(w, 'umf0', userMemoryFenceMachine, { writer: 'proc0' });
  for (const p of ['proc0', 'proc1', 'proc2']) w = spawn(w, p, userProcessMachine, {});
  w = spawn(w, Q, userModeQueueMachine, { proc: 'proc1', bos: ['boA'], hangDetect: cfg.hangDetect });
  return attachEvictionFence(w);
}

/** The queue cannot make progress by itself: hung, or mapped with its head spinning on a user fence. */
const stuck = (w: World) => stateOf(w, Q) === 'hung' || (stateOf(w, Q) === 'mapped' && q(w).batches.length > 0 && !userqHeadRunnable(w, q(w)));

export const userqSteps: StepDef<UserqConfig>[] = [
  {
    name: 'amdgpu_userq_submit',
    role: 'user',
    actor: () => 'proc1',
    params: () => [['proc1', 'doorbell: batch spins on umf0 >= 1; AMDGPU_USERQ_SIGNAL: fence into boA (WRITE)']],
    // R117 amdgpu_userq_ensure_ev_fence: the signal ioctl waits (flushing the restore work) until a valid,
    // unsignaled eviction fence exists. Without it, a fence lands in the resv of an evicted BO and the
    // restore's move in waits on a fence that waits on the restore (H5): the checker found that cycle.
    enabled: (w) => stateOf(w, 'proc1') === 'running' && pc(w, 'proc1') === 0 && !isSignaled(w, q(w).evictionFence),
    apply: (w) => {
      w = send(w, Q, { type: 'USERQ_DOORBELL', batch: { waitUmf: 'umf0', waitValue: 1, writeUmf: '', writeValue: 0 } }) ?? w;
      if (stateOf(w, Q) !== 'banned') {
        const f = `${Q}.f${q(w).wptr}`;
        w = spawn(w, f, dmaFenceMachine, { context: 801, seqno: q(w).wptr, ops: 'userq', owner: Q });
        w = must(w, Q, { type: 'USERQ_SIGNAL', fence: f });
        w = dma_resv_add(w, 'boA', f, 'WRITE', 'amdgpu_userq_signal_ioctl');
        w = tell(w, f, { type: 'DMA_FENCE_PUBLISH', via: 'boA.resv' });
      }
      return must(w, 'proc1', { type: 'PROC_ADVANCE' });
    },
    doc: 'seed 001 direct-to-firmware: the doorbell bypasses the kernel; R123 the signal ioctl makes a userq dma_fence and puts it in the resv',
  },
  {
    name: 'umf_write',
    role: 'user',
    actor: () => 'proc0',
    params: () => [['proc0', 'umf0 = 1']],
    enabled: (w) => stateOf(w, 'proc0') === 'running' && pc(w, 'proc0') === 0,
    apply: (w) => must(must(w, 'umf0', { type: 'UMF_WRITE', value: 1 }), 'proc0', { type: 'PROC_ADVANCE' }),
    doc: 'R119: the producer stores the value from the CPU',
  },
  {
    name: 'ttm_bo_validate',
    role: 'user',
    actor: () => 'proc2',
    params: (w, cfg) => (pc(w, 'proc2') === 0 && boIdle(w, 'boB') && bo(w, 'boB').placement !== 'VRAM' ? validateChoices(w, 'boB', cfg.vramSlots, () => false).map((v) => ['proc2', 'boB', v ? `evict ${v}` : 'free slot']) : []),
    apply: (w, [, b, v], cfg) => {
      const n = ttm_bo_validate(w, b as string, (v as string).replace(/^evict |^free slot$/g, ''), cfg.vramSlots, []);
      return n && must(n, 'proc2', { type: 'PROC_ADVANCE' });
    },
    doc: 'memory pressure: another process needs VRAM; the victim\'s move waits on its whole resv (I19), enabling the eviction fence',
  },
  {
    name: 'amdgpu_eviction_fence_suspend_worker',
    role: 'kernel',
    actor: () => 'proc1',
    params: (w) => [[q(w).evictionFence]],
    enabled: (w, [evf]) => !!evf && ctx<{ enableSignal: boolean }>(w, evf as string).enableSignal && !isSignaled(w, evf as string) &&
      (!q(w).lastFence || isSignaled(w, q(w).lastFence)),
    apply: (w, [evf]) => {
      w = send(w, Q, { type: 'USERQ_UNMAP' }) ?? w;
      return must(w, evf as string, { type: 'DMA_FENCE_SIGNAL' });
    },
    doc: 'R115: (1) wait for the queue\'s last_fence, (2) unmap the queue, (3) signal the eviction fence',
  },
  {
    // Was a second step keyed 'ttm_bo_validate' (keyed step tables refuse the duplicate): a trace of it
    // replayed as the userspace step of the same name. amdgpu_userq_restore_worker calls this one.
    name: 'amdgpu_userq_validate_bos',
    role: 'kernel',
    actor: () => 'amdgpu_userq_restore_worker',
    params: (w, cfg) => (stateOf(w, Q) === 'unmapped' ? q(w).bos.filter((b) => boIdle(w, b) && bo(w, b).placement !== 'VRAM')
      .flatMap((b) => validateChoices(w, b, cfg.vramSlots, () => false).map((v) => [Q, b, v ? `evict ${v}` : 'free slot'])) : []),
    apply: (w, [c, b, v], cfg) => ttm_bo_validate(w, b as string, (v as string).replace(/^evict |^free slot$/g, ''), cfg.vramSlots, [c as string]),
    doc: 'R115 (4): the restore worker revalidates the queue\'s BOs',
  },
  {
    name: 'amdgpu_userq_restore_worker',
    role: 'kernel',
    actor: () => 'proc1',
    params: () => [[Q]],
    enabled: (w) => stateOf(w, Q) === 'unmapped' && q(w).bos.every((b) => resident(w, b)),
    apply: (w) => must(attachEvictionFence(w), Q, { type: 'USERQ_MAP' }),
    doc: 'R115 (4): replace the eviction fence, map the queue again',
  },
  {
    name: 'amdgpu_userq_exec',
    role: 'gpu',
    actor: () => Q,
    params: () => [[Q]],
    enabled: (w) => stateOf(w, Q) === 'mapped' && userqHeadRunnable(w, q(w)),
    apply: (w) => must(w, Q, { type: 'USERQ_EXEC' }),
    doc: 'R122: the head batch ran (its compare held); rptr advances; fences up to rptr signal',
  },
  ttm_bo_move_copy as StepDef<UserqConfig>,
  {
    name: 'amdgpu_userq_hang',
    role: 'fault',
    actor: () => Q,
    params: () => [[Q]],
    enabled: (w, _a, cfg) => ((w.g.hangs as number | undefined) ?? 0) < cfg.maxHangs && q(w).batches.length > 0,
    apply: (w) => {
      const n = send(w, Q, { type: 'USERQ_HANG' });
      return n && setG(n, { hangs: ((w.g.hangs as number | undefined) ?? 0) + 1 });
    },
    doc: 'H13: malformed commands; rptr never reaches the fence seqno',
  },
  {
    name: 'amdgpu_userq_hang_detect_work',
    role: 'timer',
    actor: () => Q,
    params: () => [[Q]],
    enabled: (w) => q(w).timers.length > 0 && stuck(w),
    apply: (w) => must(w, Q, { type: 'USERQ_RESET', by: 'amdgpu_userq_hang_detect_work', error: ETIME }),
    doc: 'R124, I23: a timer started at the fence\'s creation expires: detect, reset, force-complete with -ETIME',
  },
];

export default defineDesign<UserqConfig>({
  name: 'userq-eviction-fence',
  summary: 'User-mode (doorbell) queues; the kernel manages memory with a lazy eviction fence; userq fences bounded by hang detection.',
  source: 'seed 001 "AMD and Intel want to side-step the kernel"; R114-R117, R122-R125, I23',
  configs: {
    small: { vramSlots: 1, hangDetect: true, maxHangs: 1 },
    default: { vramSlots: 1, hangDetect: true, maxHangs: 2 },
  },
  bounds: {
    exhaustive: { config: 'small', depth: 60, maxStates: 50_000 },
    random: { config: 'default', depth: 60, runs: 200 },
  },
  init: initUserq,
  steps: stepTable(userqSteps),
  expect: {
    'one-shot': { verdict: 'holds', why: 'userq fences signal once, from rptr or from the reset (R4, R122)' },
    'acyclic-waits': { verdict: 'holds', why: 'the user fence\'s writer is a CPU process that waits on nothing the kernel holds' },
    'finite-time': { verdict: 'holds', why: 'the hang-detect timer starts at fence creation and force-completes it (R124, I23)' },
    'umf-never-blocks-dma-fence': { verdict: 'holds', why: 'the userq fence reaches umf0, but I9\'s one exception applies: it is bounded by hang detection (I23)' },
    'eviction-after-fences': { verdict: 'holds', why: 'the eviction waits on the userq fence and the eviction fence in boA\'s resv (I19, R115)' },
    'no-access-while-moving': { verdict: 'holds', why: 'the queue is unmapped before boA moves and mapped only once it is back (R115)' },
    'preempt-fence-bounded': { verdict: 'holds', why: 'the suspend work waits for last_fence, which hang detection bounds (R115, R124, I20)' },
    'hang-recovers-with-error': { verdict: 'holds', why: 'a hung queue is detected, reset, and its fences force-completed with -ETIME (R124, I22)' },
    'innocent-context-survives': { verdict: 'violates', why: 'seed 002 (Vetter): a timer "fundamentally can\'t tell has deadlocked from is still doing useful computations"; it resets a queue merely waiting on a slow producer (R124)' },
  },
});
