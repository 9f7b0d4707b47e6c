/**
 * When userspace enters the kernel (seed 003 "We avoid paying the context switch cost for small
 * submissions", "crazy idea: JIT switching between sending jobs one by one to the kernel vs batching
 * them in user space", "Jobs added to the submission queue can be executed immediately by the kernel or
 * a kthread can be started after a number of submissions").
 *
 * io_uring semantics: io_uring_get_sqe + io_uring_prep_* write an entry into the SQ ring in shared
 * memory, no syscall; the kernel sees entries only up to the tail userspace published when it enters.
 * io_uring_enter(fd, to_submit, ...) without IORING_SETUP_SQPOLL submits those entries inline, in
 * order, in the caller's context (io_submit_sqes); with SQPOLL it only wakes the SQ thread
 * (IORING_ENTER_SQ_WAKEUP), which consumes them in order. Either way one io_uring_enter is one kernel
 * entry (a context switch) for every entry it publishes.
 *
 * Extension point: `EnterPolicy`, when userspace calls io_uring_enter: 'one-by-one' after every entry,
 * 'batched' once `batch` entries are queued (or the program's last one), 'jit' one by one while the
 * client has nothing in flight (the GPU waits for it: latency first) and batched while it has (the GPU
 * is busy: the batch forms while it works).
 *
 * Ghost state (read by the metrics only): g.sqe_prepared, entries written into the SQ ring;
 * g.io_uring_enters, io_uring_enter calls so far.
 */
import type { Json, World } from '../world.ts';
import { ctx, must, setG } from '../world.ts';
import { defineStep, stepTable, type StepTable } from '../design.ts';
import { drmSchedSteps } from '../drm-sched/sched-main.ts';
import { stepsFromTo } from '../metrics.ts';
import type { IoUringContext } from './io-uring.ts';
import { io_sq_thread, io_sq_thread_enabled, io_uring_enter, ioUringInit, type IoUringConfig } from './io-uring-drm.ts';

export type EnterPolicy = 'one-by-one' | 'batched' | 'jit';

export interface IoUringEnterConfig extends IoUringConfig {
  mode: EnterPolicy;
  /** entries per io_uring_enter when batching. */
  batch: number;
  /** IORING_SETUP_SQPOLL: io_uring_enter wakes the SQ thread instead of submitting inline. */
  sqpoll: boolean;
}

const URING = 'uring0';
const gNum = (w: World, key: string): number => {
  const v: Json | undefined = w.g[key];
  return typeof v === 'number' ? v : 0;
};
const prepared = (w: World) => gNum(w, 'sqe_prepared');
/** Entries the kernel was handed (published by io_uring_enter). */
const published = (w: World) => {
  const c = ctx<IoUringContext>(w, URING);
  return c.consumed + c.sq.length;
};
/** Entries written into the SQ ring that no io_uring_enter has published yet. */
const pending = (w: World) => prepared(w) - published(w);

/** How many queued entries make userspace enter, under the config's policy. */
function enterThreshold(w: World, cfg: IoUringEnterConfig): number {
  if (cfg.mode === 'one-by-one') return 1;
  if (cfg.mode === 'batched') return cfg.batch;
  const c = ctx<IoUringContext>(w, URING);
  return c.inflight.length === 0 && c.sq.length === 0 ? 1 : cfg.batch;
}

/** io_uring_get_sqe + prep: userspace writes its next entry into the SQ ring (no syscall). */
const io_uring_get_sqe_enabled = (w: World, cfg: IoUringEnterConfig) =>
  prepared(w) < cfg.program.length && pending(w) < enterThreshold(w, cfg);

/** Userspace enters once the policy's threshold is queued, or to flush the program's last entries. */
const io_uring_submit_enabled = (w: World, cfg: IoUringEnterConfig) =>
  pending(w) > 0 && (pending(w) >= enterThreshold(w, cfg) || prepared(w) === cfg.program.length);

/**
 * io_uring_enter(to_submit = every queued entry): publishes them in order; without SQPOLL the kernel
 * submits each inline (io_submit_sqes), with SQPOLL the woken SQ thread consumes them later.
 */
function io_uring_submit(w: World, cfg: IoUringEnterConfig): World {
  const n = pending(w);
  for (let k = 0; k < n; k++) w = io_uring_enter(w, URING, cfg.program, published(w));
  w = setG(w, { io_uring_enters: gNum(w, 'io_uring_enters') + 1 });
  if (cfg.sqpoll) return w;
  while (io_sq_thread_enabled(w, URING)) w = io_sq_thread(w, URING, 'fence-signaled');
  return w;
}

const CQE_SEEN = { type: 'IO_URING_CQE_SEEN' } as const;

/** The steps of one process submitting through io_uring under an enter policy, then the scheduler's. */
export function ioUringEnterSteps(): StepTable<IoUringEnterConfig> {
  return stepTable<IoUringEnterConfig>(
    defineStep<IoUringEnterConfig>({
      name: 'io_uring_get_sqe',
      role: 'user',
      actor: () => 'proc0',
      enabled: (w, _a, cfg) => io_uring_get_sqe_enabled(w, cfg),
      apply: (w) => setG(w, { sqe_prepared: prepared(w) + 1 }),
      doc: 'seed 003: userspace writes its next entry into the SQ ring in shared memory, no kernel entry',
    }),
    defineStep<IoUringEnterConfig>({
      name: 'io_uring_enter',
      role: 'user',
      actor: () => 'proc0',
      enabled: (w, _a, cfg) => io_uring_submit_enabled(w, cfg),
      apply: (w, _a, cfg) => io_uring_submit(w, cfg),
      doc: 'seed 003: one kernel entry for the queued entries: submitted inline, or the SQ thread woken (SQPOLL)',
    }),
    defineStep<IoUringEnterConfig>({
      name: 'io_sq_thread_consume',
      role: 'kernel',
      actor: () => `${URING}.sqthread`,
      enabled: (w) => io_sq_thread_enabled(w, URING),
      apply: (w) => io_sq_thread(w, URING, 'fence-signaled'),
      doc: 'seed 003 "a kthread can be started after a number of submissions": SQPOLL consumes the head entry',
    }),
    defineStep<IoUringEnterConfig>({
      name: 'io_uring_cqe_seen',
      role: 'user',
      actor: () => 'proc0',
      enabled: (w) => ctx<IoUringContext>(w, URING).cq.length > 0,
      apply: (w) => must(w, URING, CQE_SEEN),
      doc: 'userspace reaps the head completion entry',
    }),
    drmSchedSteps({ maxHangs: (c: IoUringEnterConfig) => c.maxHangs }),
  );
}

export const ioUringEnterInit = (cfg: IoUringEnterConfig) => ioUringInit(cfg);

/** io_uring_enter calls (kernel entries, each a context switch) the run took: seed 003's cost of small submissions. */
export function kernelEntries(w: World): number {
  return gNum(w, 'io_uring_enters');
}

/**
 * Steps from userspace writing its first entry until that entry's completion is posted, over the
 * fastest fault-free schedule (models/metrics.ts): what batching costs the first job.
 */
export function firstJobLatency(cfg: IoUringEnterConfig): number {
  const posted = (w: World) => {
    const c = ctx<IoUringContext>(w, URING);
    return [...c.cq, ...c.reaped].some((e) => e.user_data === 'sqe0');
  };
  return stepsFromTo(ioUringEnterInit(cfg), ioUringEnterSteps(), cfg, (w) => prepared(w) > 0, posted);
}
