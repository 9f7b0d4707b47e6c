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
import { emptyWorld, spawn, ctx, must, idsOf, stateOf, setG, tell, accepts, kindOf, type World } from '../world.ts';
import { dmaFenceMachine, ESRCH, isSignaled } from '../dma-buf/dma-fence.ts';
import { userMemoryFenceMachine, umfReached, type UmfContext } from '../userq/user-memory-fence.ts';
import { userProcessMachine, type UserProcessContext } from '../userspace/user-process.ts';
import { userModeQueueMachine, type UserModeQueueContext } from '../userq/user-mode-queue.ts';
import { userqExecStep } from '../userq/amdgpu-userq.ts';
import {
  ttm_bo_create,
  ttm_bo_move_copy,
  ttmBoValidateStep,
  ttmMoveCount,
  vramUsed,
  bo,
  boIdle,
  TTM_EXPECTATIONS,
  ttmBoReleasePending,
  ttmBoReleaseKey,
} from '../ttm/ttm-bo.ts';

interface NoBoFencesConfig {
  vramSlots: number;
  maxCrashes: number;
}

/**
 * The design globals: `crashes` (fault budget spent), `destroy:boB` (the fence list boB's destroy waits
 * for, null once freed), `released:<proc>` (its file was released); `moves:<bo>` belongs to ttm.
 */
const crashes = (w: World): number => {
  const n = w.g.crashes;
  return typeof n === 'number' ? n : 0;
};
const destroyPending = (w: World): boolean => ttmBoReleasePending(w, 'boB');
const released = (w: World, p: string): boolean => !!w.g[`released:${p}`];

const pc = (w: World, p: string) => ctx<UserProcessContext>(w, p).pc;
const uq = (w: World, q: string) => ctx<UserModeQueueContext>(w, q);
const busyQueues = (w: World) =>
  idsOf(w, 'user_mode_queue').filter((q) => stateOf(w, q) !== 'banned' && uq(w, q).batches.length > 0);
const ADVANCE = { type: 'PROC_ADVANCE' } as const;
const FREE = { type: 'TTM_BO_FREE' } as const;
const CRASH = { type: 'PROC_CRASH' } as const;

function initNoBoFences(cfg: NoBoFencesConfig): World {
  let w = ttm_bo_create(emptyWorld, 'boA', 'VRAM');
  w = ttm_bo_create(w, 'boB', 'VRAM');
  w = ttm_bo_create(w, 'boC', cfg.vramSlots > 2 ? 'VRAM' : 'SYSTEM');
  // seed 002 §2.1: the kernel knows which process is obliged to signal which fence
  w = spawn(w, 'umf0', userMemoryFenceMachine, { writer: 'proc0' });
  for (const p of ['proc0', 'proc1', 'proc2']) w = spawn(w, p, userProcessMachine, {});
  w = spawn(w, 'proc0.q', userModeQueueMachine, { proc: 'proc0', bos: ['boB'] });
  return spawn(w, 'proc1.q', userModeQueueMachine, { proc: 'proc1', bos: ['boA'] });
}

/** A move fence of `b` (no BO fences here: it goes into no resv). */
function moveFence(w: World, b: string, context: number): [World, string] {
  const n = ttmMoveCount(w, b) + 1;
  w = setG(w, { [`moves:${b}`]: n });
  const m = `${b}.move${n}`;
  return [spawn(w, m, dmaFenceMachine, { context, seqno: n, ops: 'move', owner: b, published: true }), m];
}

/** §3.1: halt everyone, then move the victim once every queue is idle (the move waits on the queues). */
function evictHaltAll(w: World, victim: string, target: string): World {
  let m: string, m2: string;
  [w, m] = moveFence(w, victim, 500);
  w = must(w, victim, { type: 'TTM_BO_MOVE', to: 'GTT', fence: m, deps: busyQueues(w), neededBy: [] });
  for (const p of idsOf(w, 'user_process')) w = tell(w, p, { type: 'PROC_HALT', by: m });
  [w, m2] = moveFence(w, target, 501);
  w = must(w, target, { type: 'TTM_BO_MOVE', to: 'VRAM', fence: m2, deps: [m], neededBy: ['proc2'] });
  const cb = { to: target, ev: { type: 'TTM_BO_DEP_SIGNALED', fence: m } };
  return must(w, m, { type: 'DMA_FENCE_ADD_CALLBACK', cb });
}

const userq_submit: StepDef<NoBoFencesConfig, [proc: string, what: string]> = {
  name: 'userq_submit',
  role: 'user',
  actor: ([p]) => p,
  params: () => [
    ['proc0', 'batch writes boB, stores umf0 = 1 at its end'],
    ['proc1', 'batch spins on umf0 >= 1, reads boA'],
  ],
  enabled: (w, [p]) => accepts(w, p, ADVANCE) && pc(w, p) === 0,
  apply: (w, [p]) => {
    const batch =
      p === 'proc0'
        ? { waitUmf: '', waitValue: 0, writeUmf: 'umf0', writeValue: 1 }
        : { waitUmf: 'umf0', waitValue: 1, writeUmf: '', writeValue: 0 };
    w = tell(w, `${p}.q`, { type: 'USERQ_DOORBELL', batch });
    return must(w, p, ADVANCE);
  },
  doc: 'seed 002: explicit user fences, direct submission; halted processes cannot submit (§3.1)',
};

const DRM_IOCTL_GEM_DESTROY: StepDef<NoBoFencesConfig, [proc: string, bo: string, fences: string]> = {
  name: 'DRM_IOCTL_GEM_DESTROY',
  role: 'user',
  actor: () => 'proc0',
  params: () => [['proc0', 'boB', 'fences: umf0 >= 1']],
  enabled: (w) => accepts(w, 'proc0', ADVANCE) && pc(w, 'proc0') === 1,
  apply: (w) => {
    w =
      umfReached(w, 'umf0', 1) && boIdle(w, 'boB')
        ? must(w, 'boB', FREE)
        : setG(w, { [ttmBoReleaseKey('boB')]: 'umf0' });
    return must(w, 'proc0', ADVANCE);
  },
  doc: 'seed 002 §3.3: destroy with a fence list; an empty or signaled list frees at once',
};

const gem_destroy_fences_signaled: StepDef<NoBoFencesConfig, [bo: string]> = {
  name: 'gem_destroy_fences_signaled',
  role: 'kernel',
  actor: () => 'kernel',
  params: () => [['boB']],
  enabled: (w) => destroyPending(w) && umfReached(w, 'umf0', 1) && boIdle(w, 'boB'),
  apply: (w) => setG(must(w, 'boB', FREE), { [ttmBoReleaseKey('boB')]: null }),
  doc: 'seed 002 §3.3: the fence list signaled; deallocate',
};

const gem_destroy_timeout: StepDef<NoBoFencesConfig, [bo: string]> = {
  name: 'gem_destroy_timeout',
  role: 'timer',
  actor: () => 'kernel',
  params: () => [['boB']],
  enabled: (w) => destroyPending(w) && !umfReached(w, 'umf0', 1) && boIdle(w, 'boB'),
  // seeded bug: seed 002 §3.3 "the kernel will have a timeout period and then will proceed to deallocate the buffer
  // anyway"
  apply: (w) => setG(must(w, 'boB', FREE), { [ttmBoReleaseKey('boB')]: null }),
  doc:
    'seed 002 §3.3: the list did not signal in time (a long batch, seed 001 "compute doesn\'t happen in finite ' +
    'time"); free anyway',
};

/** proc2 allocates boC: the caller of ttm_bo_validate here, with seed 002's eviction in place of TTM's. */
const ttm_bo_alloc = ttmBoValidateStep<NoBoFencesConfig>({
  name: 'ttm_bo_alloc',
  role: 'user',
  actor: 'proc2',
  // only under memory pressure: the allocation is there to force an eviction
  requests: (w, cfg) =>
    pc(w, 'proc2') === 0 && accepts(w, 'proc2', ADVANCE) && vramUsed(w) >= cfg.vramSlots ? [['proc2', 'boC']] : [],
  capacity: (cfg) => cfg.vramSlots,
  move: (w, b, victim, who) => evictHaltAll(must(w, who, ADVANCE), victim, b),
  doc: 'seed 002 §3.1: memory is exhausted: halt all submissions, wait for everything to go idle, move, resume',
});

/** A user-mode queue the move of `b` waits for has gone idle (or was torn down). */
const queueIdle = (w: World, q: string) => stateOf(w, q) === 'banned' || uq(w, q).batches.length === 0;

const evict_wait_idle: StepDef<NoBoFencesConfig, [bo: string, q: string]> = {
  name: 'evict_wait_idle',
  role: 'kernel',
  actor: () => 'ttm',
  params: (w) =>
    idsOf(w, 'ttm_buffer_object')
      .filter((b) => stateOf(w, b) === 'waiting')
      .flatMap((b) =>
        bo(w, b)
          .deps.filter((q) => kindOf(w, q) === 'user_mode_queue')
          .map((q): [string, string] => [b, q]),
      ),
  enabled: (w, [b, q]) => queueIdle(w, q) && accepts(w, b, { type: 'TTM_BO_DEP_SIGNALED', fence: q }),
  apply: (w, [b, q]) => must(w, b, { type: 'TTM_BO_DEP_SIGNALED', fence: q }),
  doc: 'seed 002 §3.1: a queue went idle',
};

const evict_resume_all: StepDef<NoBoFencesConfig, [proc: string]> = {
  name: 'evict_resume_all',
  role: 'kernel',
  actor: ([p]) => p,
  params: (w) => idsOf(w, 'user_process').map((p): [string] => [p]),
  enabled: (w, [p]) => {
    const h = ctx<UserProcessContext>(w, p).haltedBy;
    return stateOf(w, p) !== 'crashed' && h !== '' && isSignaled(w, h);
  },
  apply: (w, [p]) => must(w, p, { type: 'PROC_RESUME' }),
  doc: 'seed 002 §3.1: the move is done: resume everything',
};

const process_crash: StepDef<NoBoFencesConfig, [proc: string]> = {
  name: 'process_crash',
  role: 'fault',
  actor: ([p]) => p,
  params: () => [['proc0'], ['proc1']],
  enabled: (w, [p], cfg) => crashes(w) < cfg.maxCrashes && accepts(w, p, CRASH),
  apply: (w, [p]) => setG(must(w, p, CRASH), { crashes: crashes(w) + 1 }),
  doc: 'seed 002 §2.1: a producer or consumer segfaults',
};

const drm_file_release: StepDef<NoBoFencesConfig, [proc: string]> = {
  name: 'drm_file_release',
  role: 'kernel',
  actor: ([p]) => p,
  params: () => [['proc0'], ['proc1']],
  enabled: (w, [p]) => stateOf(w, p) === 'crashed' && !released(w, p),
  apply: (w, [p]) => {
    w = setG(w, { [`released:${p}`]: true });
    // seed 002 §2.1: "if the producer crashes, the kernel signals the submit fence": in this design the
    // kernel knows each user fence's writer (`writer` is real kernel state here, not a ghost)
    for (const u of idsOf(w, 'user_memory_fence')) {
      if (ctx<UmfContext>(w, u).writer !== p) continue;
      w = tell(w, u, { type: 'UMF_WRITE', value: Number.MAX_SAFE_INTEGER, poison: true });
    }
    return tell(w, `${p}.q`, { type: 'USERQ_RESET', by: 'drm_file_release', error: ESRCH });
  },
  doc: "seed 002 §2.1, R105: the dead process's queues are torn down and the fences it owed are signaled",
};

const steps = stepTable<NoBoFencesConfig>(
  userq_submit,
  DRM_IOCTL_GEM_DESTROY,
  gem_destroy_fences_signaled,
  gem_destroy_timeout,
  ttm_bo_alloc,
  evict_wait_idle,
  evict_resume_all,
  userqExecStep('userq_exec'),
  ttm_bo_move_copy,
  process_crash,
  drm_file_release,
);

export default defineDesign<NoBoFencesConfig>({
  name: 'no-bo-fences',
  summary:
    'No per-BO fences: evictions halt everyone and wait for global idle; destroy takes a fence list and a timeout; ' +
    "the kernel signals a crashed producer's fences.",
  source: 'seed 002 (RFC "Explicit fences everywhere and no BO fences" §2.1, §3.1, §3.3, and Vetter\'s reply)',
  // the script is fixed (3 processes, 3 BOs, VRAM 2: the scenario of 002 §3.1/§3.3); the fault budget scales
  configs: {
    small: { vramSlots: 2, maxCrashes: 0 },
    default: { vramSlots: 2, maxCrashes: 1 },
    large: { vramSlots: 2, maxCrashes: 2 },
  },
  bounds: {
    exhaustive: { config: 'default', depth: 40, maxStates: 50_000 },
    random: { config: 'large', depth: 40, runs: 200 },
  },
  init: initNoBoFences,
  steps,
  expect: {
    'context-order': {
      verdict: 'n/a',
      why: "its precondition never occurs in this design's world (0 states reached at default)",
    },
    'hazard-free': {
      verdict: 'n/a',
      why: "its precondition never occurs in this design's world (0 states reached at default)",
    },
    'innocent-context-survives': {
      verdict: 'holds',
      why: 'explored: holds, precondition reached in 1712 state(s) at default',
    },
    'preempt-fence-bounded': {
      verdict: 'n/a',
      why: "its precondition never occurs in this design's world (0 states reached at default)",
    },
    'umf-never-blocks-dma-fence': {
      verdict: 'violates',
      why:
        "seed 002 \u00a73.1: the halt-everything eviction's move fence waits for proc1's queue to idle, which spins " +
        'on umf0: a dma_fence behind a user fence (R30, finding)',
    },
    // TTM's own guarantees (models/ttm/ttm-bo.ts); an entry after this line overrides one
    ...TTM_EXPECTATIONS,
    'hw-access-resident': {
      verdict: 'violates',
      why: 'no BO fences: a queue still executing uses a BO that was freed under it (H9, as no-access-while-moving)',
    },
    'one-shot': { verdict: 'holds', why: 'move fences signal once (R4)' },
    'finite-time': {
      verdict: 'violates',
      why:
        "seed 002 §3.1 + Vetter: idle never comes while proc1's queue spins on umf0, which halted proc0 would " +
        'write; the eviction fence never signals (I10)',
    },
    'acyclic-waits': {
      verdict: 'violates',
      why:
        "the eviction waits on proc1's queue, which waits on umf0, whose writer proc0 waits on the eviction " +
        '(halted, §3.1)',
    },
    'no-access-while-moving': {
      verdict: 'violates',
      why: "seed 002 §3.3: the destroy timeout frees boB while proc0's batch still uses it (I19)",
    },
    'crashed-producer-releases': {
      verdict: 'holds',
      why: 'seed 002 §2.1: the kernel knows who must signal umf0 and signals it when that process dies',
    },
    'memory-eventually-freed': {
      verdict: 'violates',
      why: "seed 002 §3.3: the destroy timeout frees boB while proc0's batch still uses it (a use-after-free, I6)",
    },
    'eviction-after-fences': {
      verdict: 'n/a',
      why: "vacuous: there are no BO fences to wait on (the design's point)",
    },
    'hang-recovers-with-error': {
      verdict: 'n/a',
      why: 'never reached here (a ring, context or user queue hung) in default+large: exploration (issue 11.2)',
    },
  },
});
