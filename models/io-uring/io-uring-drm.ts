/**
 * io_uring for DRM (seed 003) as atomic world operations and the steps of the io-uring designs:
 * userspace fills the SQ; the per-fd SQ thread consumes entries in order and runs the ordinary
 * submission path (models/drm-sched/sched-main.ts, R89-R93); the job's finished fence posts the
 * completion (R96: finished signals with the result).
 *
 * Extension point: `CqePost`, when the completion entry is posted. 'fence-signaled' is seed 003's
 * design ("when job finishes we create a completion item"); 'sq-consumed' is the tempting shortcut
 * io-uring-early-completion checks (the CQE as soon as the submission went through).
 *
 * Ids: io_uring `U`; the job of entry `u` is `U.u`, its fences `U.u.finished` etc.; one entity per
 * scheduler and fd, `U.<sched>.ctx`.
 */
import type { World } from '../world.ts';
import { accepts, ctx, has, idsOf, must, spawn, stateOf, tell } from '../world.ts';
import { kthreadMachine, type KthreadContext } from '../kernel/kthread.ts';
import { defineStep, stepTable, type StepTable } from '../design.ts';
import { isSignaled, type DmaFenceContext } from '../dma-buf/dma-fence.ts';
import { dmaFenceProxyMachine, type DmaFenceProxyContext } from '../dma-buf/dma-fence-proxy.ts';
import { dma_fence_context_alloc } from '../dma-buf/dma-fence-api.ts';
import {
  addScheduler,
  addEntity,
  drm_sched_job_init,
  drm_sched_job_add_dependency,
  drm_sched_job_arm,
  drm_sched_entity_push_job,
  drmSchedSteps,
} from '../drm-sched/sched-main.ts';
import { ioUringMachine, type IoUringContext, type IoUringSqe } from './io-uring.ts';

export interface IoUringProgramEntry {
  /** which GPU queue (scheduler index). */
  queue: number;
  /** indices of earlier entries whose job fences this one waits on. */
  after: number[];
}

export interface IoUringConfig {
  queues: number;
  program: IoUringProgramEntry[];
  maxHangs: number;
  creditLimit: number;
  /** CQ ring entries: a CQE posted to a full CQ goes to the overflow list, which is allocated (default: no limit). */
  cqEntries?: number;
  /** memory pressure: a reclaiming allocation enters direct reclaim, where a shrinker waits on a busy fence (R24). */
  memoryPressure?: boolean;
}

/**
 * When and where the CQE is posted: 'fence-signaled' from the job's finished fence (seed 003, the post
 * itself abstract); 'sq-consumed' at once (seeded bug); 'callback-inline' by the fence callback itself,
 * inside the signalling path (takes the completion lock, allocates on overflow); 'callback-deferred' by
 * task_work: the callback only queues the completion (an llist add), a worker outside any signalling
 * section posts it.
 */
export type CqePost = 'fence-signaled' | 'sq-consumed' | 'callback-inline' | 'callback-deferred';

/** The job of io_uring `uring`'s entry `user_data`. */
export const jobOf = (uring: string, user_data: string) => `${uring}.${user_data}`;
/** The fence a CQE reports: the finished fence of the entry's job. */
export const finishedOf = (uring: string, user_data: string) => `${jobOf(uring, user_data)}.finished`;
/** The entity of fd `uring` on scheduler `sched` (one per fd and scheduler). */
export const entityOf = (uring: string, sched: string) => `${uring}.${sched}.ctx`;

function initIoUring(w: World, uring: string, queues: number, creditLimit: number): World {
  for (let q = 0; q < queues; q++) w = addScheduler(w, `sched${q}`, `gpu${q}`, { timeout: true, creditLimit });
  w = spawn(w, uring, ioUringMachine, {});
  for (let q = 0; q < queues; q++) w = addEntity(w, entityOf(uring, `sched${q}`));
  return w;
}

/** io_uring_enter: userspace submits entry i of its program (pointers only: the fences of earlier jobs). */
export function io_uring_enter(w: World, uring: string, program: IoUringProgramEntry[], i: number): World {
  const e = program[i];
  const sqe: IoUringSqe = {
    user_data: `sqe${i}`,
    sched: `sched${e.queue}`,
    in: e.after.map((j) => finishedOf(uring, `sqe${j}`)),
    bos: [`bo${i}`],
  };
  return must(w, uring, { type: 'IO_URING_ENTER', sqe });
}

const CONSUME = { type: 'IO_SQ_THREAD_CONSUME' } as const;

/** Enabling condition of the SQ thread: an entry to consume (the ring's guard 'sq not empty'). */
export const io_sq_thread_enabled = (w: World, uring: string) => accepts(w, uring, CONSUME);

/**
 * The SQ thread consumes the head entry: the ordinary DRM submission path, then the completion as
 * `post` says: from a callback on the job's finished fence ("fence signalling stays in the kernel"),
 * or at consume time. `entity` is the drm_sched_entity the job joins: the fd's own on that scheduler
 * (default), or the one a thread shared by several fds feeds (io-uring-clients.ts).
 */
export function io_sq_thread(w: World, uring: string, post: CqePost, entity?: string): World {
  const sqe = ctx<IoUringContext>(w, uring).sq[0];
  const job = jobOf(uring, sqe.user_data);
  const fence = finishedOf(uring, sqe.user_data);
  w = must(w, uring, CONSUME);
  w = drm_sched_job_init(w, job, entity ?? entityOf(uring, sqe.sched), sqe.sched);
  for (const f of sqe.in) {
    if (!has(w, f)) throw new Error(`${sqe.user_data} points at ${f}, which does not exist yet`);
    w = drm_sched_job_add_dependency(w, job, f);
  }
  w = drm_sched_job_arm(w, job);
  w = drm_sched_entity_push_job(w, job);
  w = bind_sqe_placeholders(w, uring);
  const cqe =
    post === 'callback-inline' || post === 'callback-deferred'
      ? { type: 'IO_URING_CQE_QUEUE', user_data: sqe.user_data }
      : { type: 'IO_URING_CQE_POST', user_data: sqe.user_data };
  if (post === 'sq-consumed') return must(w, uring, cqe);
  w = must(w, fence, { type: 'DMA_FENCE_PUBLISH', via: `${uring} completion` });
  return tell(w, fence, { type: 'DMA_FENCE_ADD_CALLBACK', cb: { to: uring, ev: cqe } });
}

/** The thread that posts CQEs: the fence-signalling path itself (inline) or the task_work worker (deferred). */
const posterOf = (uring: string, post: CqePost) => `${uring}.${post === 'callback-inline' ? 'fence_cb' : 'task_work'}`;

/** Finished fences of the other in-flight entries on `user_data`'s scheduler that have not signalled. */
function othersOnRing(w: World, uring: string, user_data: string): string[] {
  const sched = ctx<{ sched: string }>(w, jobOf(uring, user_data)).sched;
  return ctx<IoUringContext>(w, uring)
    .inflight.filter((u) => u !== user_data && ctx<{ sched: string }>(w, jobOf(uring, u)).sched === sched)
    .map((u) => finishedOf(uring, u))
    .filter((f) => !isSignaled(w, f));
}

/** Post the head completion with the completion lock held, then end the work (the lock is the poster's). */
function io_cqe_post_finish(w: World, uring: string, poster: string, user_data: string): World {
  const err = ctx<DmaFenceContext>(w, finishedOf(uring, user_data)).error;
  w = must(w, uring, { type: 'IO_URING_CQE_POST', user_data, fenceError: err });
  w = must(w, poster, { type: 'KTHREAD_UNLOCK', lock: `${uring}.completion_lock` });
  return must(w, poster, { type: 'KTHREAD_DONE' });
}

/**
 * io_uring's CQE post (io_fill_cqe_req under ctx->completion_lock, io_cqring_event_overflow on a full
 * CQ): inline, the fence callback runs in the fence signalling path of the other jobs that the same
 * completion handler has still to signal (R22), so the overflow entry's GFP_KERNEL allocation may enter
 * reclaim and wait on one of them (R24, H3); deferred, the task_work worker is in no signalling section.
 */
function io_cqe_post(w: World, cfg: IoUringConfig, uring: string, post: CqePost): World {
  const user_data = ctx<IoUringContext>(w, uring).completing[0];
  const poster = posterOf(uring, post);
  const others = othersOnRing(w, uring, user_data);
  const sigFor = post === 'callback-inline' ? others : [];
  w = must(w, poster, { type: 'KTHREAD_WORK', work: `io_uring cqe post ${user_data}`, sigFor });
  w = must(w, poster, { type: 'KTHREAD_LOCK', lock: `${uring}.completion_lock` });
  if (ctx<IoUringContext>(w, uring).cq.length >= (cfg.cqEntries ?? Infinity)) {
    const reclaimWaits = cfg.memoryPressure && others.length ? others[0] : '';
    w = must(w, poster, { type: 'KTHREAD_ALLOC', gfp: 'GFP_KERNEL', reclaimWaits });
    if (stateOf(w, poster) === 'blocked') return w; // in direct reclaim until that fence signals
  }
  return io_cqe_post_finish(w, uring, poster, user_data);
}

/** The placeholder a mixed ioctl submission stands in for entry `i`'s fence before it is consumed. */
const placeholderOf = (uring: string, i: number) => `${uring}.sqe${i}.future`;

/**
 * Seed 003's open question "mixing io_uring and ioctl submissions": DRM_IOCTL_*_SUBMIT of job `job` on
 * `sched`, waiting on the fence of io_uring entry `i`. Once the SQ thread consumed the entry its
 * finished fence exists and is an ordinary dependency. Before that there is no fence yet: the kernel's
 * answer is -EINVAL before arm (R88, I25); a mixed design that wants the ioctl to go through stands in a
 * placeholder (dma_fence_proxy, bound when the entry is consumed): a future edge (I8, H2).
 */
export function drm_ioctl_submit_after_sqe(
  w: World,
  uring: string,
  job: string,
  entity: string,
  sched: string,
  i: number,
): World {
  w = drm_sched_job_init(w, job, entity, sched);
  let dep = finishedOf(uring, `sqe${i}`);
  if (!has(w, dep)) {
    dep = placeholderOf(uring, i); // seeded shortcut: R88 says -EINVAL here
    const a = dma_fence_context_alloc(w, 1);
    w = spawn(a.w, dep, dmaFenceProxyMachine, { context: a.context, syncobj: uring, point: i });
  }
  w = drm_sched_job_add_dependency(w, job, dep);
  w = drm_sched_job_arm(w, job);
  return drm_sched_entity_push_job(w, job);
}

/** The SQ thread consumed entries: bind their placeholders to the finished fences that now exist (R47-like). */
function bind_sqe_placeholders(w: World, uring: string): World {
  for (const p of idsOf(w, 'dma_fence_proxy')) {
    const c = ctx<DmaFenceProxyContext>(w, p);
    if (c.syncobj !== uring || c.target !== '' || w.o[p].hasTag('signaled')) continue;
    const f = finishedOf(uring, `sqe${c.point}`);
    if (!has(w, f)) continue;
    w = must(w, p, { type: 'DMA_FENCE_PROXY_BIND', fence: f });
    const cb = { to: p, ev: { type: 'DMA_FENCE_PROXY_CB' } };
    w = isSignaled(w, f)
      ? must(w, p, { type: 'DMA_FENCE_PROXY_CB', fenceError: ctx<DmaFenceContext>(w, f).error })
      : must(w, f, { type: 'DMA_FENCE_ADD_CALLBACK', cb });
  }
  return w;
}

/** CQEs posted before their fence signalled (uring-completion-after-fence). */
export function earlyCompletions(w: World): string[] {
  const out: string[] = [];
  for (const u of idsOf(w, 'io_uring')) {
    const c = ctx<IoUringContext>(w, u);
    for (const e of [...c.reaped, ...c.cq]) {
      const f = finishedOf(u, e.user_data);
      if (!isSignaled(w, f)) out.push(`${u}:${e.user_data} (${f} unsignalled)`);
    }
  }
  return out;
}

const URING = 'uring0';
const submitted = (w: World) => {
  const c = ctx<IoUringContext>(w, URING);
  return c.consumed + c.sq.length;
};
const CQE_SEEN = { type: 'IO_URING_CQE_SEEN' } as const;

/** The CQE poster's steps, for the 'callback-*' policies: post the next completion; resume after reclaim. */
function posterSteps(post: CqePost) {
  if (post !== 'callback-inline' && post !== 'callback-deferred') return [];
  const poster = posterOf(URING, post);
  return [
    defineStep<IoUringConfig>({
      name: post === 'callback-inline' ? 'io_uring_fence_cb_post' : 'io_req_task_work_run',
      role: 'kernel',
      actor: () => poster,
      enabled: (w) => ctx<IoUringContext>(w, URING).completing.length > 0 && stateOf(w, poster) === 'idle',
      apply: (w, _a, cfg) => io_cqe_post(w, cfg, URING, post),
      doc:
        post === 'callback-inline'
          ? 'the fence callback posts the CQE under the completion lock, allocating on CQ overflow (R22, R24)'
          : 'task_work: the worker posts the CQE the fence callback queued, outside any signalling section',
    }),
    defineStep<IoUringConfig>({
      name: 'io_cqe_overflow_reclaimed',
      role: 'kernel',
      actor: () => poster,
      enabled: (w) => stateOf(w, poster) === 'blocked' && isSignaled(w, ctx<KthreadContext>(w, poster).waitingOn),
      apply: (w) => {
        w = must(w, poster, { type: 'KTHREAD_WAKE' });
        return io_cqe_post_finish(w, URING, poster, ctx<IoUringContext>(w, URING).completing[0]);
      },
      doc: 'direct reclaim returns once the fence the shrinker waited on signalled; the overflow CQE is posted',
    }),
  ];
}

/** The steps of one process's io_uring on its DRM fd, then the scheduler's; `post` is the CQE policy. */
export function ioUringSteps(post: CqePost): StepTable<IoUringConfig> {
  return stepTable<IoUringConfig>(
    defineStep<IoUringConfig>({
      name: 'io_uring_enter',
      role: 'user',
      actor: () => 'proc0',
      enabled: (w, _a, cfg) => submitted(w) < cfg.program.length,
      apply: (w, _a, cfg) => io_uring_enter(w, URING, cfg.program, submitted(w)),
      doc: 'seed 003: userspace queues the next submission entry (pointers to buffers and fences) and enters',
    }),
    defineStep<IoUringConfig>({
      name: 'io_sq_thread_consume',
      role: 'kernel',
      actor: () => `${URING}.sqthread`,
      enabled: (w) => io_sq_thread_enabled(w, URING),
      apply: (w) => io_sq_thread(w, URING, post),
      doc: 'seed 003: the per-fd kernel thread consumes the head entry and submits its job (R89-R93)',
    }),
    defineStep<IoUringConfig>({
      name: 'io_uring_cqe_seen',
      role: 'user',
      actor: () => 'proc0',
      enabled: (w) => accepts(w, URING, CQE_SEEN),
      apply: (w) => must(w, URING, CQE_SEEN),
      doc: 'userspace reaps the head completion entry',
    }),
    posterSteps(post),
    drmSchedSteps({ maxHangs: (c: IoUringConfig) => c.maxHangs }),
  );
}

/** The io-uring designs' world: one process's io_uring `uring0` on `queues` schedulers. */
export const ioUringInit = (cfg: IoUringConfig) => initIoUring({ o: {}, g: {} }, URING, cfg.queues, cfg.creditLimit);

/** The same with the CQE poster thread of a 'callback-*' policy. */
export const ioUringInitWithPoster = (post: CqePost) => (cfg: IoUringConfig) =>
  spawn(ioUringInit(cfg), posterOf(URING, post), kthreadMachine, {});
