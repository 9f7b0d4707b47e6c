/**
 * userq-create-alloc-under-mutex — amdgpu_userq_create allocates with GFP_KERNEL holding userq_mutex (H16).
 *
 * Idea: each process (DRM file) has an eviction fence attached BOOKKEEP to its BOs (R114). It is lazy:
 *   enabling it schedules the suspend worker, the only path that signals it, and that worker takes the
 *   process's userq_mutex (R115). amdgpu_userq_create gets the mutex back locked from
 *   amdgpu_userq_ensure_ev_fence (R117) and then allocates the queue, MQD and idr with GFP_KERNEL. Under
 *   memory pressure direct reclaim reaches a TTM shrinker that waits on a busy BO of the same process
 *   (R24): the wait enables the eviction fence, whose suspend worker blocks on the mutex the allocating
 *   thread holds.
 * Source: H16 (a candidate finding from reading amdgpu_userq.c and amdgpu_eviction_fence.c; not
 *   confirmed by any report); R24, R114, R115, R117; I11, I12.
 * Changes: the seeded bug below (allocation under the mutex); the twin userq-create-alloc-unlocked
 *   allocates first and takes the mutex only to publish the queue.
 * Models: `processes` DRM files, each with one BO, an eviction fence, an ioctl thread and a suspend
 *   worker; `rounds` eviction/restore cycles per process (the restore worker attaches a new eviction
 *   fence, R115 step 4); one queue create per process. Memory pressure is a choice of each allocation:
 *   none, or the shrinker waiting on some process's unsignaled eviction fence.
 * Abstracted away: the queues themselves (unmapping is immediate: H16 is about the lock, not the GPU),
 *   ttm_bo_wait_ctx's 15 s timeout (a timeout here only turns the deadlock into a failed allocation).
 */
import { defineDesign, defineStep, stepTable, type StepTable } from '../design.ts';
import { emptyWorld, spawn, ctx, must, idsOf, stateOf, setG, tell, type World, type Json } from '../world.ts';
import { dmaFenceMachine, isSignaled } from '../dma-buf/dma-fence.ts';
import { dmaResvMachine, dma_resv_fences } from '../dma-buf/dma-resv.ts';
import { dma_resv_add } from '../ttm/ttm-bo.ts';
import { kthreadMachine, mutex_lock, mutex_unlock, type KthreadContext } from '../kernel/kthread.ts';

export interface UserqCreateConfig {
  processes: number;
  /** eviction fences per process over a run (one per eviction/restore cycle, R115). */
  rounds: number;
  /** the seeded bug: allocate while holding userq_mutex. */
  allocUnderMutex: boolean;
}

const num = (v: Json | undefined): number => (typeof v === 'number' ? v : 0);
const procs = (cfg: UserqCreateConfig) => Array.from({ length: cfg.processes }, (_, p) => `proc${p}`);
const mutex = (p: string) => `${p} userq_mutex`;
const ioctl = (p: string) => `${p}.ioctl`;
const worker = (p: string) => `${p}.suspend_work`;
/** g['ev:<p>']: the number of the process's current eviction fence. */
const evOf = (w: World, p: string) => `${p}.ev${num(w.g[`ev:${p}`])}`;
const kt = (w: World, t: string) => ctx<KthreadContext>(w, t);
const NO_PRESSURE = 'no memory pressure';
const SHRINKER = 'shrinker waits on ';

/** R114 amdgpu_eviction_fence_create + attach: a new lazy fence, BOOKKEEP on the process's BO. */
function attachEvictionFence(w: World, p: string, n: number): World {
  const f = `${p}.ev${n}`;
  w = spawn(w, f, dmaFenceMachine, { context: 3000 + Number(p.slice(4)), seqno: n + 1, ops: 'eviction', owner: p });
  w = setG(w, { [`ev:${p}`]: n });
  // not published by the attach (R9: a lazy fence nobody waits on need not progress): the shrinker publishes it
  return dma_resv_add(w, `${p}.bo`, f, 'BOOKKEEP', 'amdgpu_eviction_fence_attach');
}

function init(cfg: UserqCreateConfig): World {
  let w = emptyWorld;
  for (const p of procs(cfg)) {
    w = spawn(w, `${p}.bo.resv`, dmaResvMachine, {});
    w = spawn(w, ioctl(p), kthreadMachine, {});
    w = spawn(w, worker(p), kthreadMachine, {});
    w = attachEvictionFence(w, p, 0);
  }
  return w;
}

/** Unsignaled eviction fences of busy BOs: what a shrinker may pick (R24). */
const busyFences = (w: World, cfg: UserqCreateConfig) =>
  procs(cfg)
    .flatMap((p) => dma_resv_fences(w, `${p}.bo.resv`, 'BOOKKEEP'))
    .filter((f) => !isSignaled(w, f))
    .sort();

/** A GFP_KERNEL allocation by `t` under the chosen pressure: reclaim waits on (and enables) that fence. */
function allocGfpKernel(w: World, t: string, pressure: string): World {
  const f = pressure.startsWith(SHRINKER) ? pressure.slice(SHRINKER.length) : '';
  w = must(w, t, { type: 'KTHREAD_ALLOC', gfp: 'GFP_KERNEL', reclaimWaits: f });
  if (!f) return w;
  // R24, R9: the shrinker's dma_resv_wait_timeout enables the lazy fence (R8) and publishes it
  w = tell(w, f, { type: 'DMA_FENCE_PUBLISH', via: 'shrinker wait' });
  return tell(w, f, { type: 'DMA_FENCE_ENABLE_SW_SIGNALING' });
}

/** The create is done allocating: publish the queue under the mutex and return. */
function createQueue(w: World, p: string): World {
  w = mutex_unlock(w, ioctl(p), mutex(p));
  w = must(w, ioctl(p), { type: 'KTHREAD_DONE' });
  return setG(w, { [`created:${p}`]: true });
}

const amdgpu_userq_create = defineStep<UserqCreateConfig, [proc: string, pressure: string]>({
  name: 'amdgpu_userq_create',
  role: 'user',
  actor: ([p]) => p,
  params: (w, cfg) =>
    procs(cfg).flatMap((p) =>
      [NO_PRESSURE, ...busyFences(w, cfg).map((f) => `${SHRINKER}${f}`)].map((x): [string, string] => [p, x]),
    ),
  enabled: (w, [p]) => stateOf(w, ioctl(p)) === 'idle' && !w.g[`created:${p}`],
  apply: (w, [p, pressure], cfg) => {
    const t = ioctl(p);
    w = must(w, t, { type: 'KTHREAD_WORK', work: 'amdgpu_userq_create', sigFor: [] });
    if (cfg.allocUnderMutex) {
      // seeded bug (H16): amdgpu_userq_ensure_ev_fence returns with userq_mutex held, then kzalloc(GFP_KERNEL)
      w = mutex_lock(w, t, mutex(p));
      if (stateOf(w, t) === 'blocked') return w;
      w = allocGfpKernel(w, t, pressure);
      return stateOf(w, t) === 'blocked' ? w : createQueue(w, p);
    }
    w = allocGfpKernel(w, t, pressure);
    if (stateOf(w, t) === 'blocked') return w;
    w = mutex_lock(w, t, mutex(p));
    return stateOf(w, t) === 'blocked' ? w : createQueue(w, p);
  },
  doc: 'R117: the create ioctl; its GFP_KERNEL allocations may enter reclaim (R24), with or without userq_mutex',
});

/** The ioctl thread resumes: its reclaim wait ended (fence signaled) or the mutex was handed to it. */
const amdgpu_userq_create_resume = defineStep<UserqCreateConfig, [proc: string]>({
  name: 'amdgpu_userq_create_resume',
  role: 'kernel',
  actor: ([p]) => ioctl(p),
  params: (_w, cfg) => procs(cfg).map((p): [string] => [p]),
  enabled: (w, [p]) => {
    const t = ioctl(p);
    if (stateOf(w, t) === 'blocked') return kt(w, t).reclaim !== '' && isSignaled(w, kt(w, t).waitingOn);
    return stateOf(w, t) === 'running' && kt(w, t).locks.includes(mutex(p));
  },
  apply: (w, [p], cfg) => {
    const t = ioctl(p);
    if (stateOf(w, t) === 'blocked') {
      w = must(w, t, { type: 'KTHREAD_WAKE' });
      if (cfg.allocUnderMutex) return createQueue(w, p);
      w = mutex_lock(w, t, mutex(p));
      return stateOf(w, t) === 'blocked' ? w : createQueue(w, p);
    }
    // handed the mutex: under the bug the allocation comes next (no pressure left to choose: it succeeds)
    if (cfg.allocUnderMutex) w = must(w, t, { type: 'KTHREAD_ALLOC', gfp: 'GFP_KERNEL', reclaimWaits: '' });
    return createQueue(w, p);
  },
  doc: 'the shrinker wait returned, or userq_mutex was handed over (mutex.c): the create goes on',
});

/** R115 amdgpu_eviction_fence_suspend_worker: take userq_mutex, unmap the queues, signal the fence. */
const amdgpu_eviction_fence_suspend_worker = defineStep<UserqCreateConfig, [proc: string]>({
  name: 'amdgpu_eviction_fence_suspend_worker',
  role: 'kernel',
  actor: ([p]) => worker(p),
  params: (_w, cfg) => procs(cfg).map((p): [string] => [p]),
  enabled: (w, [p]) => {
    const t = worker(p);
    const f = evOf(w, p);
    if (stateOf(w, t) === 'idle') return ctx<{ enableSignal: boolean }>(w, f).enableSignal && !isSignaled(w, f);
    return stateOf(w, t) === 'running' && kt(w, t).locks.includes(mutex(p));
  },
  apply: (w, [p], cfg) => {
    const t = worker(p);
    const f = evOf(w, p);
    if (stateOf(w, t) === 'idle') {
      w = must(w, t, { type: 'KTHREAD_WORK', work: `suspend ${f}`, sigFor: [f] });
      w = mutex_lock(w, t, mutex(p));
      if (stateOf(w, t) === 'blocked') return w;
    }
    w = must(w, f, { type: 'DMA_FENCE_SIGNAL' });
    w = mutex_unlock(w, t, mutex(p));
    w = must(w, t, { type: 'KTHREAD_DONE' });
    // R115 step 4: the restore worker attaches a new eviction fence (bounded by `rounds`)
    const n = num(w.g[`ev:${p}`]) + 1;
    return n < cfg.rounds ? attachEvictionFence(w, p, n) : w;
  },
  doc: 'R115: the only path that signals the eviction fence takes userq_mutex (not annotated in the snapshot, H16)',
});

const steps: StepTable<UserqCreateConfig> = stepTable<UserqCreateConfig>(
  amdgpu_userq_create,
  amdgpu_userq_create_resume,
  amdgpu_eviction_fence_suspend_worker,
);

/** Scopes and table shared with the twin (userq-create-alloc-unlocked). */
export function userqCreateDesign(allocUnderMutex: boolean) {
  return {
    configs: {
      small: { processes: 1, rounds: 1, allocUnderMutex },
      default: { processes: 2, rounds: 2, allocUnderMutex },
      large: { processes: 4, rounds: 3, allocUnderMutex },
    },
    bounds: {
      exhaustive: { config: 'default', depth: 80, maxStates: 500_000 },
      random: { config: 'large', depth: 80, runs: 200 },
    },
    init,
    steps,
    pending: (w: World) => idsOf(w, 'kthread').filter((t) => stateOf(w, t) !== 'idle'),
  };
}

export default defineDesign<UserqCreateConfig>({
  name: 'userq-create-alloc-under-mutex',
  summary:
    'amdgpu_userq_create allocates with GFP_KERNEL holding userq_mutex; reclaim waits on the eviction fence whose ' +
    'suspend worker needs that mutex (H16).',
  source: 'H16 (amdgpu_userq.c, amdgpu_eviction_fence.c; candidate, unconfirmed); R24, R114, R115, R117',
  ...userqCreateDesign(true),
  expect: {
    'context-order': {
      verdict: 'n/a',
      why: "its precondition never occurs in this design's world (0 states reached at default)",
    },
    'hazard-free': {
      verdict: 'n/a',
      why: "its precondition never occurs in this design's world (0 states reached at default)",
    },
    'no-userspace-wait-under-kernel-lock': {
      verdict: 'n/a',
      why: "its precondition never occurs in this design's world (0 states reached at default)",
    },
    'signalling-section-discipline': {
      verdict: 'violates',
      why: 'H16: the suspend worker (signalling path of the eviction fence) blocks on userq_mutex, held across reclaim',
    },
    'acyclic-waits': {
      verdict: 'violates',
      why: 'H16: ioctl thread -> eviction fence -> suspend worker -> userq_mutex -> ioctl thread (I7)',
    },
    'finite-time': {
      verdict: 'violates',
      why: "H16: without ttm_bo_wait_ctx's timeout the eviction fence never signals (I10, I20)",
    },
    'no-deadlock': { verdict: 'violates', why: 'H16: the create ioctl and the suspend worker wait on each other' },
    'one-shot': { verdict: 'holds', why: 'each eviction fence is signalled once, by its suspend worker (R4)' },
  },
});
