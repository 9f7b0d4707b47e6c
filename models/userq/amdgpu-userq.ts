/**
 * amdgpu user queues as atomic world operations and steps (amdgpu_userq.c, amdgpu_userq_fence.c,
 * amdgpu_eviction_fence.c), over the machines user_mode_queue, user_memory_fence and ttm_buffer_object.
 *
 * - R114 a DRM file's eviction fence is attached BOOKKEEP to its BOs (amdgpu_eviction_fence_attach);
 *        lazy, so not published (R9): only an eviction that waits on it makes it count for finite-time.
 * - R115 enable_signaling schedules suspend_work (amdgpu_userq_evict): wait for last_fence, unmap,
 *        signal; the restore worker revalidates the BOs, replaces the eviction fence and maps again.
 * - R117 amdgpu_userq_ensure_ev_fence: no userq fence is created without a valid unsignaled eviction fence.
 * - R122, R123 the signal ioctl makes a dma_fence with seqno = wptr and adds it to a BO's resv.
 * - R124, I23 hang detection: a timer per fence from its creation; detect, reset, force-complete.
 *
 * Ids: the queue of process `p` is `p.q`; its n-th eviction fence `p.evf<n>` (design global `evf:<p>`
 * counts them); the userq fence for wptr n is `p.q.f<n>`.
 */
import type { World } from '../world.ts';
import { ctx, must, send, spawn, setG, stateOf, tell, accepts, idsOf } from '../world.ts';
import type { StepDef } from '../design.ts';
import { dmaFenceMachine, ETIME, isSignaled, type DmaFenceContext } from '../dma-buf/dma-fence.ts';
import { dma_resv_add, resident, ttmBoValidateStep, type TtmValidateArgs } from '../ttm/ttm-bo.ts';
import { userqHeadRunnable, type UserModeQueueContext } from './user-mode-queue.ts';

const uq = (w: World, q: string): UserModeQueueContext => ctx<UserModeQueueContext>(w, q);
const queues = (w: World): [q: string][] => idsOf(w, 'user_mode_queue').map((q): [string] => [q]);

/** The process a queue (`p.q`) or an eviction fence (`p.evf<n>`) belongs to, by the id scheme above. */
const procOf = (id: string): string => {
  const i = id.search(/\.(q|evf\d+)$/);
  return i < 0 ? id : id.slice(0, i);
};

function evfCount(w: World, proc: string): number {
  const n = w.g[`evf:${proc}`];
  return typeof n === 'number' ? n : 0;
}

/** R114, R117: a new eviction fence for `q`'s process, BOOKKEEP in the queue's BOs (lazy: not published, R9). */
export function amdgpu_eviction_fence_attach(w: World, q: string): World {
  const proc = uq(w, q).proc;
  const n = evfCount(w, proc) + 1;
  w = setG(w, { [`evf:${proc}`]: n });
  const evf = `${proc}.evf${n}`;
  w = spawn(w, evf, dmaFenceMachine, { context: 800, seqno: n, ops: 'eviction', owner: proc });
  for (const b of uq(w, q).bos) w = dma_resv_add(w, b, evf, 'BOOKKEEP', 'amdgpu_userq');
  return must(w, q, { type: 'USERQ_ATTACH_EVF', fence: evf });
}

/**
 * R117 amdgpu_userq_ensure_ev_fence: the signal ioctl goes on only once a valid, unsignaled eviction
 * fence exists (it flushes the restore work until then). Without it, a fence lands in the resv of an
 * evicted BO and the restore's move in waits on a fence that waits on the restore (H5): the checker
 * found that cycle.
 */
export function amdgpu_userq_ensure_ev_fence(w: World, q: string): boolean {
  const evf = uq(w, q).evictionFence;
  return evf !== '' && !isSignaled(w, evf);
}

/**
 * R122, R123 amdgpu_userq_signal_ioctl: a userq dma_fence for the current wptr (its hang timer starts
 * now, R124), last_fence, and the fence into `bo`'s resv as WRITE, published. A banned queue's ioctl
 * fails (-ECANCELED) and changes nothing.
 */
export function amdgpu_userq_signal_ioctl(w: World, q: string, bo: string): World {
  if (stateOf(w, q) === 'banned') return w;
  const f = `${q}.f${uq(w, q).wptr}`;
  w = spawn(w, f, dmaFenceMachine, { context: 801, seqno: uq(w, q).wptr, ops: 'userq', owner: q });
  w = must(w, q, { type: 'USERQ_SIGNAL', fence: f });
  w = dma_resv_add(w, bo, f, 'WRITE', 'amdgpu_userq_signal_ioctl');
  return tell(w, f, { type: 'DMA_FENCE_PUBLISH', via: `${bo}.resv` });
}

const EXEC = { type: 'USERQ_EXEC' } as const;
const HANG = { type: 'USERQ_HANG' } as const;

/** R122: the GPU can run `q`'s head batch: mapped with a batch (the machine's guard) whose compare holds. */
const can_userq_exec = (w: World, q: string): boolean => accepts(w, q, EXEC) && userqHeadRunnable(w, uq(w, q));

/**
 * The GPU runs the head batch of a mapped queue (R122). `name` is the design's key for it (one step,
 * two names: amdgpu's `amdgpu_userq_exec`, seed 002's `userq_exec`).
 */
export function userqExecStep(name: string): StepDef<unknown, [q: string]> {
  return {
    name,
    role: 'gpu',
    actor: ([q]) => q,
    params: queues,
    enabled: (w, [q]) => can_userq_exec(w, q),
    apply: (w, [q]) => must(w, q, EXEC),
    doc: 'R122: the head batch ran (its compare held); its end-of-batch store lands, fences up to rptr signal',
  };
}

/** The queue whose current eviction fence is `evf`, or undefined. */
const queueOfEvf = (w: World, evf: string): string | undefined =>
  idsOf(w, 'user_mode_queue').find((q) => uq(w, q).evictionFence === evf);

/** R115 (1): suspend_work may run: `evf` has signalling enabled, is unsignaled, and its queue's last_fence signaled. */
function can_amdgpu_userq_evict(w: World, evf: string): boolean {
  const q = queueOfEvf(w, evf);
  if (!q || !ctx<DmaFenceContext>(w, evf).enableSignal || isSignaled(w, evf)) return false;
  const last = uq(w, q).lastFence;
  return !last || isSignaled(w, last);
}

export const amdgpu_eviction_fence_suspend_worker: StepDef<unknown, [evf: string]> = {
  name: 'amdgpu_eviction_fence_suspend_worker',
  role: 'kernel',
  actor: ([evf]) => procOf(evf),
  params: (w) =>
    queues(w)
      .map(([q]): [string] => [uq(w, q).evictionFence])
      .filter(([evf]) => evf !== ''),
  enabled: (w, [evf]) => can_amdgpu_userq_evict(w, evf),
  apply: (w, [evf]) => {
    const q = queueOfEvf(w, evf) ?? '';
    w = send(w, q, { type: 'USERQ_UNMAP' }) ?? w; // a hung queue is not mapped: nothing to unmap
    return must(w, evf, { type: 'DMA_FENCE_SIGNAL' });
  },
  doc: "R115: (1) wait for the queue's last_fence, (2) unmap the queue, (3) signal the eviction fence",
};

/** R115 (4): the restore worker revalidates the unmapped queue's BOs (victim policy: no pins). */
export function amdgpu_userq_validate_bos<C>(capacity: (cfg: C) => number): StepDef<C, TtmValidateArgs> {
  return ttmBoValidateStep<C>({
    // Was a second step keyed 'ttm_bo_validate' (keyed step tables refuse the duplicate): a trace of it
    // replayed as the userspace step of the same name. amdgpu_userq_restore_worker calls this one.
    name: 'amdgpu_userq_validate_bos',
    role: 'kernel',
    actor: 'amdgpu_userq_restore_worker',
    requests: (w) =>
      queues(w)
        .filter(([q]) => stateOf(w, q) === 'unmapped')
        .flatMap(([q]) => uq(w, q).bos.map((b) => [q, b] as const)),
    capacity,
    doc: "R115 (4): the restore worker revalidates the queue's BOs",
  });
}

const MAP = { type: 'USERQ_MAP' } as const;

export const amdgpu_userq_restore_worker: StepDef<unknown, [q: string]> = {
  name: 'amdgpu_userq_restore_worker',
  role: 'kernel',
  actor: ([q]) => procOf(q),
  params: queues,
  enabled: (w, [q]) => accepts(w, q, MAP) && uq(w, q).bos.every((b) => resident(w, b)),
  apply: (w, [q]) => must(amdgpu_eviction_fence_attach(w, q), q, MAP),
  doc: 'R115 (4): replace the eviction fence, map the queue again',
};

function hangs(w: World): number {
  const n = w.g.hangs;
  return typeof n === 'number' ? n : 0;
}

/** H13: malformed commands hang a mapped queue with work (fault budget `maxHangs`, design global `hangs`). */
export function amdgpu_userq_hang<C>(maxHangs: (cfg: C) => number): StepDef<C, [q: string]> {
  return {
    name: 'amdgpu_userq_hang',
    role: 'fault',
    actor: ([q]) => q,
    params: queues,
    enabled: (w, [q], cfg) => hangs(w) < maxHangs(cfg) && uq(w, q).batches.length > 0 && accepts(w, q, HANG),
    apply: (w, [q]) => setG(must(w, q, HANG), { hangs: hangs(w) + 1 }),
    doc: 'H13: malformed commands; rptr never reaches the fence seqno',
  };
}

/** The queue cannot make progress by itself: hung, or mapped with its head spinning on a user fence. */
const stuck = (w: World, q: string): boolean =>
  stateOf(w, q) === 'hung' ||
  (stateOf(w, q) === 'mapped' && uq(w, q).batches.length > 0 && !userqHeadRunnable(w, uq(w, q)));

/**
 * R124, I23: a hang-detect timer started at a fence's creation expires while the queue is stuck. A
 * timer cannot tell a hang from a slow producer (seed 002, Vetter): it resets either.
 */
export const amdgpu_userq_hang_detect_work: StepDef<unknown, [q: string]> = {
  name: 'amdgpu_userq_hang_detect_work',
  role: 'timer',
  actor: ([q]) => q,
  params: queues,
  // a banned queue has no timers (the reset cleared them), so USERQ_RESET is accepted whenever this holds
  enabled: (w, [q]) => uq(w, q).timers.length > 0 && stuck(w, q),
  apply: (w, [q]) => must(w, q, { type: 'USERQ_RESET', by: 'amdgpu_userq_hang_detect_work', error: ETIME }),
  doc: "R124, I23: a timer started at the fence's creation expires: detect, reset, force-complete with -ETIME",
};
