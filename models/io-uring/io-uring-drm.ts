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
import { accepts, ctx, has, idsOf, must, spawn, tell } from '../world.ts';
import { defineStep, stepTable, type StepTable } from '../design.ts';
import { isSignaled } from '../dma-buf/dma-fence.ts';
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
}

/** When the SQ thread's submission posts its CQE: from the job's finished fence, or at once (seeded bug). */
export type CqePost = 'fence-signaled' | 'sq-consumed';

const jobOf = (uring: string, user_data: string) => `${uring}.${user_data}`;
/** The fence a CQE reports: the finished fence of the entry's job. */
const finishedOf = (uring: string, user_data: string) => `${jobOf(uring, user_data)}.finished`;
const entityOf = (uring: string, sched: string) => `${uring}.${sched}.ctx`;

function initIoUring(w: World, uring: string, queues: number, creditLimit: number): World {
  for (let q = 0; q < queues; q++) w = addScheduler(w, `sched${q}`, `gpu${q}`, { timeout: true, creditLimit });
  w = spawn(w, uring, ioUringMachine, {});
  for (let q = 0; q < queues; q++) w = addEntity(w, entityOf(uring, `sched${q}`));
  return w;
}

/** io_uring_enter: userspace submits entry i of its program (pointers only: the fences of earlier jobs). */
function io_uring_enter(w: World, uring: string, program: IoUringProgramEntry[], i: number): World {
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
const io_sq_thread_enabled = (w: World, uring: string) => accepts(w, uring, CONSUME);

/**
 * The SQ thread consumes the head entry: the ordinary DRM submission path, then the completion as
 * `post` says: from a callback on the job's finished fence ("fence signalling stays in the kernel"),
 * or at consume time.
 */
function io_sq_thread(w: World, uring: string, post: CqePost): World {
  const sqe = ctx<IoUringContext>(w, uring).sq[0];
  const job = jobOf(uring, sqe.user_data);
  const fence = finishedOf(uring, sqe.user_data);
  w = must(w, uring, CONSUME);
  w = drm_sched_job_init(w, job, entityOf(uring, sqe.sched), sqe.sched);
  for (const f of sqe.in) {
    if (!has(w, f)) throw new Error(`${sqe.user_data} points at ${f}, which does not exist yet`);
    w = drm_sched_job_add_dependency(w, job, f);
  }
  w = drm_sched_job_arm(w, job);
  w = drm_sched_entity_push_job(w, job);
  const cqe = { type: 'IO_URING_CQE_POST', user_data: sqe.user_data };
  if (post === 'sq-consumed') return must(w, uring, cqe);
  w = must(w, fence, { type: 'DMA_FENCE_PUBLISH', via: `${uring} completion` });
  return tell(w, fence, { type: 'DMA_FENCE_ADD_CALLBACK', cb: { to: uring, ev: cqe } });
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
    drmSchedSteps({ maxHangs: (c: IoUringConfig) => c.maxHangs }),
  );
}

/** The io-uring designs' world: one process's io_uring `uring0` on `queues` schedulers. */
export const ioUringInit = (cfg: IoUringConfig) => initIoUring({ o: {}, g: {} }, URING, cfg.queues, cfg.creditLimit);
