/**
 * Several clients' io_urings on one GPU (seed 003 "Should we have only one kthread per FD or one per
 * drm scheduler?", "Not sure about the mapping with drm_scheduler (1:1, 1:N)"): who consumes the SQ
 * entries, and which drm_sched_entity their jobs join.
 *
 * Extension point: `SqThreadMapping`.
 * - 'per-fd': each fd's io_uring has its own SQ thread (io-uring-submit's choice), which feeds the fd's
 *   own entity on each scheduler: drm_sched keeps one queue per entity (R92) and selects among the
 *   ready ones (R93), so a client whose head job waits on a fence holds back only its own later jobs.
 * - 'per-sched': one SQ thread per drm scheduler, shared by every fd that submits to it (as
 *   IORING_SETUP_ATTACH_WQ shares one SQPOLL thread between rings). The thread takes, from any ring
 *   whose head entry is for its scheduler, that head (each ring is still consumed in order), and runs
 *   "submission jobs in order" (seed 003) as the 1:1 mapping does: its jobs join the thread's one
 *   entity, whose jobs run in push order (R97), each only once its dependencies signalled (R93).
 *   (A per-sched thread that pushed into per-fd entities would be 'per-fd' for every property here:
 *   the push never blocks.)
 *
 * Ids: client c's io_uring `uring<c>` (process `proc<c>`), its jobs `uring<c>.sqe<i>` as in
 * io-uring-drm.ts; the shared thread of `sched<q>` is `sched<q>.sqthread`, its entity
 * `sched<q>.sqthread.ctx`.
 */
import type { World } from '../world.ts';
import { accepts, ctx, idsOf, must, spawn } from '../world.ts';
import { defineStep, stepTable, type StepTable } from '../design.ts';
import type { DrmSchedJobContext } from '../drm-sched/drm-sched-job.ts';
import type { DrmSchedEntityContext } from '../drm-sched/drm-sched-entity.ts';
import { addEntity, addScheduler, drmSchedSteps } from '../drm-sched/sched-main.ts';
import { ioUringMachine, type IoUringContext } from './io-uring.ts';
import {
  entityOf,
  io_sq_thread,
  io_sq_thread_enabled,
  io_uring_enter,
  jobOf,
  type IoUringProgramEntry,
} from './io-uring-drm.ts';

export type SqThreadMapping = 'per-fd' | 'per-sched';

export interface IoUringClientsConfig {
  queues: number;
  /** one program per client: its own process, DRM fd and io_uring. */
  clients: IoUringProgramEntry[][];
  maxHangs: number;
  creditLimit: number;
}

const ringOf = (c: number) => `uring${c}`;
const schedOf = (q: number) => `sched${q}`;
/** The entity the shared SQ thread of `sched` feeds (the 1:1 mapping). */
const sharedEntityOf = (sched: string) => `${sched}.sqthread.ctx`;

const submitted = (w: World, uring: string) => {
  const c = ctx<IoUringContext>(w, uring);
  return c.consumed + c.sq.length;
};

/** Schedulers, one io_uring per client, and the entities the mapping feeds. */
export const ioUringClientsInit =
  (mapping: SqThreadMapping) =>
  (cfg: IoUringClientsConfig): World => {
    let w: World = { o: {}, g: {} };
    for (let q = 0; q < cfg.queues; q++)
      w = addScheduler(w, schedOf(q), `gpu${q}`, { timeout: true, creditLimit: cfg.creditLimit });
    for (let c = 0; c < cfg.clients.length; c++) w = spawn(w, ringOf(c), ioUringMachine, {});
    if (mapping === 'per-sched') {
      for (let q = 0; q < cfg.queues; q++) w = addEntity(w, sharedEntityOf(schedOf(q)));
      return w;
    }
    for (let c = 0; c < cfg.clients.length; c++)
      for (let q = 0; q < cfg.queues; q++) w = addEntity(w, entityOf(ringOf(c), schedOf(q)));
    return w;
  };

const clients = (cfg: IoUringClientsConfig) => cfg.clients.map((_, c): [number] => [c]);
const CQE_SEEN = { type: 'IO_URING_CQE_SEEN' } as const;

/** The SQ thread step of the mapping: the fd's thread, or the scheduler's thread taking a ring's head. */
function sqThreadStep(mapping: SqThreadMapping) {
  if (mapping === 'per-fd')
    return defineStep<IoUringClientsConfig, [client: number]>({
      name: 'io_sq_thread_consume',
      role: 'kernel',
      actor: ([c]) => `${ringOf(c)}.sqthread`,
      params: (_w, cfg) => clients(cfg),
      enabled: (w, [c]) => io_sq_thread_enabled(w, ringOf(c)),
      apply: (w, [c]) => io_sq_thread(w, ringOf(c), 'fence-signaled'),
      doc: "seed 003: fd c's own kernel thread consumes its head entry into the fd's entity (R89-R93)",
    });
  return defineStep<IoUringClientsConfig, [queue: number, client: number]>({
    name: 'io_sq_thread_consume',
    role: 'kernel',
    actor: ([q]) => `${schedOf(q)}.sqthread`,
    params: (_w, cfg) =>
      Array.from({ length: cfg.queues }, (_, q) => clients(cfg).map(([c]): [number, number] => [q, c])).flat(),
    enabled: (w, [q, c]) =>
      io_sq_thread_enabled(w, ringOf(c)) && ctx<IoUringContext>(w, ringOf(c)).sq[0].sched === schedOf(q),
    apply: (w, [q, c]) => io_sq_thread(w, ringOf(c), 'fence-signaled', sharedEntityOf(schedOf(q))),
    doc: "seed 003: the scheduler's one kernel thread takes a ring's head entry for it into its one entity (R97)",
  });
}

/** Every client's io_uring steps under `mapping`, then the scheduler's. */
export function ioUringClientsSteps(mapping: SqThreadMapping): StepTable<IoUringClientsConfig> {
  return stepTable<IoUringClientsConfig>(
    defineStep<IoUringClientsConfig, [client: number]>({
      name: 'io_uring_enter',
      role: 'user',
      actor: ([c]) => `proc${c}`,
      params: (_w, cfg) => clients(cfg),
      enabled: (w, [c], cfg) => submitted(w, ringOf(c)) < cfg.clients[c].length,
      apply: (w, [c], cfg) => io_uring_enter(w, ringOf(c), cfg.clients[c], submitted(w, ringOf(c))),
      doc: 'seed 003: client c queues its next submission entry (pointers to buffers and fences) and enters',
    }),
    sqThreadStep(mapping),
    defineStep<IoUringClientsConfig, [client: number]>({
      name: 'io_uring_cqe_seen',
      role: 'user',
      actor: ([c]) => `proc${c}`,
      params: (_w, cfg) => clients(cfg),
      enabled: (w, [c]) => accepts(w, ringOf(c), CQE_SEEN),
      apply: (w, [c]) => must(w, ringOf(c), CQE_SEEN),
      doc: 'client c reaps its head completion entry',
    }),
    drmSchedSteps({ maxHangs: (c: IoUringClientsConfig) => c.maxHangs }),
  );
}

/** The io_uring (client) each consumed entry's job belongs to, from the rings' in-flight entries. */
function clientOfJobs(w: World): Map<string, string> {
  const out = new Map<string, string>();
  for (const u of idsOf(w, 'io_uring')) for (const ud of ctx<IoUringContext>(w, u).inflight) out.set(jobOf(u, ud), u);
  return out;
}

interface QueuedJob {
  job: string;
  client: string;
  entity: string;
  sched: string;
  /** its dependencies not yet signalled (R93). */
  deps: string[];
}

/** Jobs of io_uring clients pushed to an entity and not yet run, per entity in push order (R97). */
function queuedJobs(w: World): QueuedJob[][] {
  const client = clientOfJobs(w);
  return idsOf(w, 'drm_sched_entity').map((e) =>
    ctx<DrmSchedEntityContext>(w, e).queue.flatMap((job) => {
      const u = client.get(job);
      if (!u) return [];
      const j = ctx<DrmSchedJobContext>(w, job);
      return [{ job, client: u, entity: e, sched: j.sched, deps: j.deps }];
    }),
  );
}

/**
 * Head-of-line blocking across clients: a client's job with no unsignalled dependency queued (R97)
 * behind another client's job that still waits on a fence (R93), one sentence each.
 */
export function crossClientBlocking(w: World): string[] {
  const out: string[] = [];
  for (const q of queuedJobs(w))
    for (let i = 0; i < q.length; i++) {
      const j = q[i];
      if (j.deps.length) continue;
      const k = q.slice(0, i).find((x) => x.client !== j.client && x.deps.length);
      if (k)
        out.push(
          `${j.job} (no unsignalled dependency) waits on ${j.entity} behind ${k.client}'s ${k.job}, which waits ` +
            `on ${k.deps.join(', ')}`,
        );
    }
  return out;
}

/**
 * The situation where head-of-line blocking across clients could happen: one client's job waits on an
 * unsignalled fence while another client's job with none is queued for the same scheduler.
 */
export function crossClientWaitQueued(w: World): boolean {
  const all = queuedJobs(w).flat();
  return all.some(
    (k) => k.deps.length && all.some((j) => j.client !== k.client && j.sched === k.sched && !j.deps.length),
  );
}
