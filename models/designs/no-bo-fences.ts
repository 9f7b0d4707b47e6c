/**
 * no-bo-fences — seed 002's proposal: "Explicit fences everywhere and no BO fences".
 *
 * Idea: no per-BO fences; the kernel does not know which buffers are busy. An eviction "waits for
 *   everything to go idle, halts all userspace command submissions, moves the buffer, and resumes
 *   everything" (§3.1). Destroy takes an optional fence list, "and if userspace sends fences that
 *   never signal, the kernel will have a timeout period and then will proceed to deallocate the buffer
 *   anyway" (§3.3). The kernel knows which process must signal which fence, and signals a crashed
 *   producer's fences (§2.1). Submission is user-mode (doorbells) with user fences.
 *   Here proc1's queue spins on umf0, which proc0's batch stores at its end; proc0 then destroys boB with
 *   the (correct) fence list umf0 >= 1; proc2 allocates and forces an eviction.
 * Source: seed 002 (Marek Olšák's RFC §2.1, §3.1, §3.3; Daniel Vetter's reply: "you fundamentally can't
 *   tell 'has deadlocked' from 'is still doing useful computations'").
 * Changes: I19 replaced by "wait for global idle"; destroy honours fences only up to a timeout.
 * Related: umf-separated (preemption instead of idling), userq-eviction-fence.
 * Models: 3 processes, 2 user-mode queues, 3 BOs (VRAM holds 2), 1 UMF, at most one crash.
 */
import { defineDesign, type StepDef, stepTable } from '../design.ts';
import { emptyWorld, spawn, ctx, must, send, idsOf, stateOf, setG, tell, type World } from '../world.ts';
import { dmaFenceMachine, ESRCH, isSignaled } from '../dma-buf/dma-fence.ts';
import { userMemoryFenceMachine, umfReached, type UmfContext } from '../userq/user-memory-fence.ts';
import { userProcessMachine, type UserProcessContext } from '../userspace/user-process.ts';
import { userModeQueueMachine, userqHeadRunnable, type UserModeQueueContext } from '../userq/user-mode-queue.ts';
import { ttm_bo_create, ttm_bo_move_copy, vramUsed, bo, boIdle, } from '../ttm/ttm-bo.ts';

export interface NoBoFencesConfig {
  vramSlots: number;
  maxCrashes: number;
}

const pc = (w: World, p: string) => ctx<UserProcessContext>(w, p).pc;
const uq = (w: World, q: string) => ctx<UserModeQueueContext>(w, q);
const busyQueues = (w: World) => idsOf(w, 'user_mode_queue').filter((q) => stateOf(w, q) !== 'banned' && uq(w, q).batches.length > 0);

export function initNoBoFences(cfg: NoBoFencesConfig): World {
  let w = ttm_bo_create(emptyWorld, 'boA', 'VRAM');
  w = ttm_bo_create(w, 'boB', 'VRAM');
  w = ttm_bo_create(w, 'boC', cfg.vramSlots > 2 ? 'VRAM' : 'SYSTEM');
  // seed 002 §2.1: the kernel knows which process is obliged to signal which fence
  w = spawn(w, 'umf0', userMemoryFenceMachine, { writer: 'proc0' });
  for (const p of ['proc0', 'proc1', 'proc2']) w = spawn(w, p, userProcessMachine, {});
  w = spawn(w, 'proc0.q', userModeQueueMachine, { proc: 'proc0', bos: ['boB'] });
  return spawn(w, 'proc1.q', userModeQueueMachine, { proc: 'proc1', bos: ['boA'] });
}

/** §3.1: halt everyone, then move the victim once every queue is idle (the move waits on the queues). */
function evictHaltAll(w: World, victim: string, target: string): World {
  const n = ((w.g[`moves:${victim}`] as number | undefined) ?? 0) + 1;
  w = setG(w, { [`moves:${victim}`]: n });
  const m = `${victim}.move${n}`;
  w = spawn(w, m, dmaFenceMachine, { context: 500, seqno: n, ops: 'move', owner: victim, published: true });
  w = must(w, victim, { type: 'TTM_BO_MOVE', to: 'GTT', fence: m, deps: busyQueues(w), neededBy: [] });
  for (const p of idsOf(w, 'user_process')) w = send(w, p, { type: 'PROC_HALT', by: m }) ?? w;
  const n2 = ((w.g[`moves:${target}`] as number | undefined) ?? 0) + 1;
  w = setG(w, { [`moves:${target}`]: n2 });
  const m2 = `${target}.move${n2}`;
  w = spawn(w, m2, dmaFenceMachine, { context: 501, seqno: n2, ops: 'move', owner: target, published: true });
  w = must(w, target, { type: 'TTM_BO_MOVE', to: 'VRAM', fence: m2, deps: [m], neededBy: ['proc2'] });
  return must(w, m, { type: 'DMA_FENCE_ADD_CALLBACK', cb: { to: target, ev: { type: 'TTM_BO_DEP_SIGNALED', fence: m } } });
}

const steps = stepTable<NoBoFencesConfig>(
  {
    name: 'userq_submit',
    role: 'user',
    actor: ([p]) => String(p),
    params: () => [['proc0', 'batch writes boB, stores umf0 = 1 at its end'], ['proc1', 'batch spins on umf0 >= 1, reads boA']],
    enabled: (w, [p]) => stateOf(w, p as string) === 'running' && pc(w, p as string) === 0,
    apply: (w, [p]) => {
      const batch = p === 'proc0' ? { waitUmf: '', waitValue: 0, writeUmf: 'umf0', writeValue: 1 } : { waitUmf: 'umf0', waitValue: 1, writeUmf: '', writeValue: 0 };
      w = send(w, `${p}.q`, { type: 'USERQ_DOORBELL', batch }) ?? w;
      return must(w, p as string, { type: 'PROC_ADVANCE' });
    },
    doc: 'seed 002: explicit user fences, direct submission; halted processes cannot submit (§3.1)',
  },
  {
    name: 'DRM_IOCTL_GEM_DESTROY',
    role: 'user',
    actor: () => 'proc0',
    params: () => [['proc0', 'boB', 'fences: umf0 >= 1']],
    enabled: (w) => stateOf(w, 'proc0') === 'running' && pc(w, 'proc0') === 1,
    apply: (w) => {
      w = umfReached(w, 'umf0', 1) && boIdle(w, 'boB') ? must(w, 'boB', { type: 'TTM_BO_FREE' }) : setG(w, { 'destroy:boB': 'umf0' });
      return must(w, 'proc0', { type: 'PROC_ADVANCE' });
    },
    doc: 'seed 002 §3.3: destroy with a fence list; an empty or signaled list frees at once',
  },
  {
    name: 'gem_destroy_fences_signaled',
    role: 'kernel',
    actor: () => 'kernel',
    params: (w) => (w.g['destroy:boB'] && umfReached(w, 'umf0', 1) && boIdle(w, 'boB') ? [['boB']] : []),
    apply: (w) => setG(must(w, 'boB', { type: 'TTM_BO_FREE' }), { 'destroy:boB': null }),
    doc: 'seed 002 §3.3: the fence list signaled; deallocate',
  },
  {
    name: 'gem_destroy_timeout',
    role: 'timer',
    actor: () => 'kernel',
    params: (w) => (w.g['destroy:boB'] && !umfReached(w, 'umf0', 1) && boIdle(w, 'boB') ? [['boB']] : []),
    // seeded bug: seed 002 §3.3 "the kernel will have a timeout period and then will proceed to deallocate the buffer anyway"
    apply: (w) => setG(must(w, 'boB', { type: 'TTM_BO_FREE' }), { 'destroy:boB': null }),
    doc: 'seed 002 §3.3: the list did not signal in time (a long batch, seed 001 "compute doesn\'t happen in finite time"); free anyway',
  },
  {
    name: 'ttm_bo_alloc',
    role: 'user',
    actor: () => 'proc2',
    params: (w, cfg) => (pc(w, 'proc2') === 0 && stateOf(w, 'proc2') === 'running' && vramUsed(w) >= cfg.vramSlots
      ? idsOf(w, 'ttm_buffer_object').filter((b) => boIdle(w, b) && bo(w, b).placement === 'VRAM').map((v) => ['proc2', 'boC', `evict ${v}`]) : []),
    apply: (w, [, t, v]) => evictHaltAll(must(w, 'proc2', { type: 'PROC_ADVANCE' }), (v as string).slice('evict '.length), t as string),
    doc: 'seed 002 §3.1: memory is exhausted: halt all submissions, wait for everything to go idle, move, resume',
  },
  {
    name: 'evict_wait_idle',
    role: 'kernel',
    actor: () => 'ttm',
    params: (w) => idsOf(w, 'ttm_buffer_object').filter((b) => stateOf(w, b) === 'waiting').flatMap((b) => bo(w, b).deps.filter((q) => w.o[q]?.machine.id === 'user_mode_queue' && (stateOf(w, q) === 'banned' || uq(w, q).batches.length === 0)).map((q) => [b, q])),
    apply: (w, [b, q]) => send(w, b as string, { type: 'TTM_BO_DEP_SIGNALED', fence: q as string }),
    doc: 'seed 002 §3.1: a queue went idle',
  },
  {
    name: 'evict_resume_all',
    role: 'kernel',
    actor: () => 'ttm',
    params: (w) => idsOf(w, 'user_process').filter((p) => { const h = ctx<UserProcessContext>(w, p).haltedBy; return stateOf(w, p) !== 'crashed' && h && isSignaled(w, h); }).map((p) => [p]),
    apply: (w, [p]) => must(w, p as string, { type: 'PROC_RESUME' }),
    doc: 'seed 002 §3.1: the move is done: resume everything',
  },
  {
    name: 'userq_exec',
    role: 'gpu',
    actor: ([q]) => String(q),
    params: (w) => idsOf(w, 'user_mode_queue').filter((q) => stateOf(w, q) === 'mapped' && userqHeadRunnable(w, uq(w, q))).map((q) => [q]),
    apply: (w, [q]) => must(w, q as string, { type: 'USERQ_EXEC' }),
    doc: 'the head batch ran; its end-of-batch store lands',
  },
  ttm_bo_move_copy as StepDef<NoBoFencesConfig>,
  {
    name: 'process_crash',
    role: 'fault',
    actor: ([p]) => String(p),
    params: (w) => ['proc0', 'proc1'].filter((p) => stateOf(w, p) !== 'crashed').map((p) => [p]),
    enabled: (w, _a, cfg) => ((w.g.crashes as number | undefined) ?? 0) < cfg.maxCrashes,
    apply: (w, [p]) => setG(must(w, p as string, { type: 'PROC_CRASH' }), { crashes: ((w.g.crashes as number | undefined) ?? 0) + 1 }),
    doc: 'seed 002 §2.1: a producer or consumer segfaults',
  },
  {
    name: 'drm_file_release',
    role: 'kernel',
    actor: ([p]) => String(p),
    params: (w) => ['proc0', 'proc1'].filter((p) => stateOf(w, p) === 'crashed' && !w.g[`released:${p}`]).map((p) => [p]),
    apply: (w, [p]) => {
      w = setG(w, { [`released:${p}`]: true });
      // seed 002 §2.1: "if the producer crashes, the kernel signals the submit fence"
      for (const u of idsOf(w, 'user_memory_fence')) if (ctx<UmfContext>(w, u).writer === p) w = tell(w, u, { type: 'UMF_WRITE', value: Number.MAX_SAFE_INTEGER, poison: true });
      return tell(w, `${p}.q`, { type: 'USERQ_RESET', by: 'drm_file_release', error: ESRCH });
    },
    doc: 'seed 002 §2.1, R105: the dead process\'s queues are torn down and the fences it owed are signaled',
  },
);

export default defineDesign<NoBoFencesConfig>({
  name: 'no-bo-fences',
  summary: 'No per-BO fences: evictions halt everyone and wait for global idle; destroy takes a fence list and a timeout; the kernel signals a crashed producer\'s fences.',
  source: 'seed 002 (RFC "Explicit fences everywhere and no BO fences" §2.1, §3.1, §3.3, and Vetter\'s reply)',
  configs: {
    small: { vramSlots: 2, maxCrashes: 1 },
    default: { vramSlots: 2, maxCrashes: 1 },
  },
  bounds: {
    exhaustive: { config: 'small', depth: 40, maxStates: 50_000 },
    random: { config: 'default', depth: 40, runs: 200 },
  },
  init: initNoBoFences,
  steps,
  expect: {
    'one-shot': { verdict: 'holds', why: 'move fences signal once (R4)' },
    'finite-time': { verdict: 'violates', why: 'seed 002 §3.1 + Vetter: idle never comes while proc1\'s queue spins on umf0, which halted proc0 would write; the eviction fence never signals (I10)' },
    'acyclic-waits': { verdict: 'violates', why: 'the eviction waits on proc1\'s queue, which waits on umf0, whose writer proc0 waits on the eviction (halted, §3.1)' },
    'no-access-while-moving': { verdict: 'violates', why: 'seed 002 §3.3: the destroy timeout frees boB while proc0\'s batch still uses it (I19)' },
    'crashed-producer-releases': { verdict: 'holds', why: 'seed 002 §2.1: the kernel knows who must signal umf0 and signals it when that process dies' },
    'eviction-after-fences': { verdict: 'holds', why: 'vacuous: there are no BO fences to wait on (the design\'s point)' },
  },
});
