/**
 * io_uring for DRM (seed 003) as atomic world operations: userspace fills the SQ; the per-fd SQ
 * thread consumes entries in order and runs the ordinary submission path (models/drm-sched/sched-main.ts,
 * R89-R93); the job's finished fence posts the completion (R96: finished signals with the result).
 * Ids: io_uring `U`; the job of entry `u` is `U.u`, its fences `U.u.finished` etc.; one entity per
 * scheduler and fd, `U.<sched>.ctx`.
 */
import type { World } from '../world.ts';
import { ctx, must, send, idsOf, has } from '../world.ts';
import { ioUringMachine, type IoUringContext, type IoUringSqe } from './io-uring.ts';
import { addScheduler, addEntity, drm_sched_job_init, drm_sched_job_add_dependency, drm_sched_job_arm, drm_sched_entity_push_job } from '../drm-sched/sched-main.ts';
import { spawn } from '../world.ts';
import { isSignaled } from '../dma-buf/dma-fence.ts';

export interface IoUringProgramEntry {
  /** which GPU queue (scheduler index). */
  queue: number;
  /** indices of earlier entries whose job fences this one waits on. */
  after: number[];
}

export const jobOf = (uring: string, user_data: string) => `${uring}.${user_data}`;
const entityOf = (uring: string, sched: string) => `${uring}.${sched}.ctx`;

export function initIoUring(w: World, uring: string, queues: number, creditLimit: number): World {
  for (let q = 0; q < queues; q++) w = addScheduler(w, `sched${q}`, `gpu${q}`, { timeout: true, creditLimit });
  w = spawn(w, uring, ioUringMachine, {});
  for (let q = 0; q < queues; q++) w = addEntity(w, entityOf(uring, `sched${q}`));
  return w;
}

/** io_uring_enter: userspace submits entry i of its program (pointers only: the fences of earlier jobs). */
export function io_uring_enter(w: World, uring: string, program: IoUringProgramEntry[], i: number): World {
  const e = program[i];
  const sqe: IoUringSqe = { user_data: `sqe${i}`, sched: `sched${e.queue}`, in: e.after.map((j) => `${jobOf(uring, `sqe${j}`)}.finished`), bos: [`bo${i}`] };
  return must(w, uring, { type: 'IO_URING_ENTER', sqe: sqe as any });
}

/**
 * The SQ thread consumes the head entry: the ordinary DRM submission path, then a callback on the
 * job's finished fence that posts the completion ("fence signalling stays in the kernel").
 * `early` (io-uring-early-completion's seeded bug) posts the completion at consume time instead.
 */
export function io_sq_thread(w: World, uring: string, early: boolean): World | null {
  const c = ctx<IoUringContext>(w, uring);
  const sqe = c.sq[0];
  if (!sqe) return null;
  const job = jobOf(uring, sqe.user_data);
  const fence = `${job}.finished`;
  w = must(w, uring, { type: 'IO_SQ_THREAD_CONSUME', fence });
  w = drm_sched_job_init(w, job, entityOf(uring, sqe.sched), sqe.sched);
  for (const f of sqe.in) {
    if (!has(w, f)) throw new Error(`${sqe.user_data} points at ${f}, which does not exist yet`);
    w = drm_sched_job_add_dependency(w, job, f);
  }
  w = drm_sched_job_arm(w, job);
  w = drm_sched_entity_push_job(w, job);
  if (early) return must(w, uring, { type: 'IO_URING_CQE_POST', user_data: sqe.user_data }); // seeded bug: CQE at consume time
  w = must(w, fence, { type: 'DMA_FENCE_PUBLISH', via: `${uring} completion` });
  return send(w, fence, { type: 'DMA_FENCE_ADD_CALLBACK', cb: { to: uring, ev: { type: 'IO_URING_CQE_POST', user_data: sqe.user_data } } }) ?? w;
}

/** CQEs posted before their fence signalled (uring-completion-after-fence). */
export function earlyCompletions(w: World): string[] {
  const out: string[] = [];
  for (const u of idsOf(w, 'io_uring')) {
    const c = ctx<IoUringContext>(w, u);
    for (const e of [...c.reaped, ...c.cq]) if (!isSignaled(w, e.fence)) out.push(`${u}:${e.user_data} (${e.fence} unsignalled)`);
  }
  return out;
}
