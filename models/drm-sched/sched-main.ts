/**
 * The DRM scheduler's kernel flows (sched_main.c, sched_entity.c), as atomic world operations shared by
 * designs. Each kernel path is split as a TLA+ action: a pure enabling predicate (`*_enabled`,
 * `drm_sched_can_queue`) and the effect, which is called only where the predicate holds.
 *
 * Extension points (a design names them, never filters steps):
 * - ENTITY SELECTION: which ready entity drm_sched_select_entity takes next, by the scheduler's policy
 *   (`drm_sched_policy`): 'any' (the default: every order), 'round-robin', 'fifo'.
 * - ENTITY READINESS: `drm_sched_entity_is_ready`, the one definition of "this entity's head job may
 *   run": its dependencies signaled (R93) and the driver's prepare_job has nothing left (H5: its BOs
 *   are resident), given as `DrmSchedBackendOps.prepare_job`.
 * - PRIORITIES: drm_sched_select_entity walks the run queues from KERNEL down to LOW and takes the first
 *   that has a ready entity (sched_main.c, "Kernel run queue has higher priority than normal run
 *   queue"); the policy then picks inside it. An entity's priority is given at `addEntity`.
 * - TIME: the TDR is a timer of the one time model (models/kernel/timer.ts): armed while pending_list
 *   is non-empty (R98), it may fire on a hung ring, and, while the config's timeout budget lasts, on a
 *   ring whose head job is healthy and still progressing (a long job). The victims are the scheduler's
 *   and the driver's: the oldest pending job (R99) and its entity (R103), then every job on the reset
 *   ring (R101, R102).
 * Every path that decides to run a job goes through `drm_sched_run_job_enabled` (selection, readiness,
 * credits) and `drm_sched_run_job` (the effect).
 *
 * Ids: job `J`, its fences `J.scheduled`, `J.finished`, its hardware fence `J.hw`.
 */
import type { Json, World } from '../world.ts';
import { accepts, ctx, must, send, spawn, stateOf, idsOf, setG, tell } from '../world.ts';
import { defineStep, stepTable, type StepDef, type StepTable } from '../design.ts';
import {
  dmaFenceMachine,
  isSignaled,
  isLater,
  dma_fence_test_user_bit,
  ECANCELED,
  ETIME,
  type DmaFenceContext,
} from '../dma-buf/dma-fence.ts';

/** include/drm/gpu_scheduler.h: a finished fence's user bit that forbids pipelining on it (7b476affcccf, H6). */
export const DRM_SCHED_FENCE_DONT_PIPELINE = 'DRM_SCHED_FENCE_DONT_PIPELINE';
import { drmSchedJobMachine, type DrmSchedJobContext } from './drm-sched-job.ts';
import {
  drmSchedEntityMachine,
  entityHead,
  entityPriority,
  DRM_SCHED_PRIORITIES,
  type DrmSchedEntityContext,
  type DrmSchedPriority,
} from './drm-sched-entity.ts';
import {
  drmGpuSchedulerMachine,
  type DrmGpuSchedulerContext,
  type DrmSchedRq,
  type EntitySelection,
} from './drm-gpu-scheduler.ts';
import { gpuRingMachine, type GpuRingContext } from '../gpu/gpu-ring.ts';
import { defineTimeout } from '../kernel/timer.ts';

/** A numeric design global (0 when unset). */
const gNum = (w: World, key: string): number => {
  const v: Json | undefined = w.g[key];
  return typeof v === 'number' ? v : 0;
};

/** Create scheduler `sched` feeding ring `ring`. */
export function addScheduler(
  w: World,
  sched: string,
  ring: string,
  opts: { timeout: boolean; creditLimit: number; numRqs?: number },
): World {
  w = spawn(w, ring, gpuRingMachine, {});
  const { timeout, creditLimit, numRqs } = opts;
  return spawn(w, sched, drmGpuSchedulerMachine, { ring, timeout, creditLimit, ...(numRqs ? { numRqs } : {}) });
}

/**
 * ENTITY SELECTION: set drm.sched_policy for every scheduler of `w` (a module parameter, 0444: only
 * before the first job is pushed; a world that already has jobs is a design error).
 */
export function drm_sched_policy(w: World, policy: EntitySelection): World {
  if (idsOf(w, 'drm_sched_job').length) throw new Error('drm_sched_policy: set before the first job is pushed');
  if (policy === 'any') return w; // the model's default: no run queue to keep
  for (const s of idsOf(w, 'drm_gpu_scheduler')) w = must(w, s, { type: 'DRM_SCHED_SET_POLICY', policy });
  return w;
}

/**
 * Create an entity (drm_sched_entity_init) on the run queue of `priority` (default NORMAL); fence
 * contexts are allocated 2 per entity (R90), from g.nextContext (R2: from 1).
 */
export function addEntity(w: World, entity: string, priority: DrmSchedPriority = 'NORMAL'): World {
  const next = gNum(w, 'nextContext') || 1;
  w = setG(w, { nextContext: next + 2 });
  return spawn(w, entity, drmSchedEntityMachine, { fenceContext: next, priority });
}

/** R89 drm_sched_job_init. */
export function drm_sched_job_init(w: World, job: string, entity: string, sched: string): World {
  return spawn(w, job, drmSchedJobMachine, { id: job, entity, sched });
}

/**
 * R91 drm_sched_job_add_dependency, with R93's pipelining folded in: a dependency on an error-free
 * finished fence of the same scheduler waits only for that job's `scheduled` fence. Signaled fences
 * are skipped (they would be resolved at once); a same-context dependency keeps the later fence.
 */
export function drm_sched_job_add_dependency(w: World, job: string, fence: string): World {
  const j = ctx<DrmSchedJobContext>(w, job);
  let dep = fence;
  const f = ctx<DmaFenceContext>(w, fence);
  // R93, H6: sched_entity.c drm_sched_entity_add_dependency_cb pipelines unless DRM_SCHED_FENCE_DONT_PIPELINE
  const pipeline = !dma_fence_test_user_bit(f, DRM_SCHED_FENCE_DONT_PIPELINE);
  if (
    pipeline &&
    f.ops === 'sched.finished' &&
    f.owner &&
    f.error === 0 &&
    ctx<DrmSchedJobContext>(w, f.owner).sched === j.sched
  ) {
    dep = `${f.owner}.scheduled`;
  }
  if (isSignaled(w, dep)) return w;
  const d = ctx<DmaFenceContext>(w, dep);
  for (const other of j.deps) {
    const o = ctx<DmaFenceContext>(w, other);
    if (other === dep || (o.context === d.context && !isLater(d, o))) return w;
  }
  return must(w, job, { type: 'DRM_SCHED_JOB_ADD_DEPENDENCY', fence: dep });
}

/** R90 drm_sched_job_arm: fences initialized with seq = ++fence_seq; point of no return. */
export function drm_sched_job_arm(w: World, job: string): World {
  const j = ctx<DrmSchedJobContext>(w, job);
  w = must(w, j.entity, { type: 'DRM_SCHED_ENTITY_ARM' });
  const e = ctx<DrmSchedEntityContext>(w, j.entity);
  const { fenceContext: c, fenceSeq: seqno } = e;
  w = spawn(w, `${job}.scheduled`, dmaFenceMachine, { context: c, seqno, ops: 'sched.scheduled', owner: job });
  w = spawn(w, `${job}.finished`, dmaFenceMachine, { context: c + 1, seqno, ops: 'sched.finished', owner: job });
  return must(w, job, { type: 'DRM_SCHED_JOB_ARM', scheduled: `${job}.scheduled`, finished: `${job}.finished` });
}

/**
 * R92 drm_sched_entity_push_job, and R93: a callback on every dependency. The scheduler's run queue
 * learns of the job (drm_sched_rq_add_entity on the first push, submit_ts for FIFO) when its policy
 * keeps one.
 */
export function drm_sched_entity_push_job(w: World, job: string): World {
  const j = ctx<DrmSchedJobContext>(w, job);
  w = must(w, job, { type: 'DRM_SCHED_ENTITY_PUSH_JOB' });
  w = must(w, j.entity, { type: 'DRM_SCHED_ENTITY_PUSH', job });
  w = tell(w, j.sched, { type: 'DRM_SCHED_RQ_PUSH', entity: j.entity, job });
  for (const d of j.deps) {
    w = tell(w, d, { type: 'DMA_FENCE_PUBLISH', via: 'drm_sched dependency' });
    const cb = { to: job, ev: { type: 'DRM_SCHED_DEP_SIGNALED', fence: d } };
    w = send(w, d, { type: 'DMA_FENCE_ADD_CALLBACK', cb }) ?? w;
  }
  return w;
}

// ---- extension points: the driver's ops, entity readiness, entity selection ----

/** What a driver plugs into the scheduler (drm_sched_backend_ops), as far as the model needs it. */
export interface DrmSchedBackendOps {
  /**
   * ENTITY READINESS beyond the job's own dependencies: true when prepare_job has no dependency left
   * to return (H5: amdgpu and xe validate the job's BOs here and return the move fence until it lands).
   */
  prepare_job?: (w: World, job: string) => boolean;
  /** The driver's part of run_job once the job has left its entity (e.g. unpin what prepare_job pinned). */
  run_job?: (w: World, job: string) => World;
  /** GPU steps the job's command stream takes on the ring (default 1; a long compute dispatch: more). */
  hw_steps?: (w: World, job: string) => number;
}

const NO_OPS: DrmSchedBackendOps = {};

/** R93: the entity's head job, once every dependency it waits on has signaled; undefined otherwise. */
export function drm_sched_entity_head_unblocked(w: World, entity: string): string | undefined {
  const head = entityHead(w, entity);
  return head !== undefined && ctx<DrmSchedJobContext>(w, head).deps.length === 0 ? head : undefined;
}

/**
 * ENTITY READINESS, the one definition: drm_sched_entity_is_ready (a job is queued) together with the
 * dependency loop of drm_sched_entity_pop_job (R93: each dependency, then prepare_job's, has signaled).
 * The kernel may select an entity and only then find its head still waits (rq->current_entity then
 * points at it); the model folds that failed pop into readiness. prepare_job is asked for a guilty
 * entity's job too: drm_sched_entity_pop_job (sched_entity.c) resolves every dependency, prepare_job's
 * included (drm_sched_job_dependency), before its "skip jobs from entity that marked guilty" check.
 */
export function drm_sched_entity_is_ready(
  w: World,
  sched: string,
  entity: string,
  ops: DrmSchedBackendOps = NO_OPS,
): boolean {
  const head = drm_sched_entity_head_unblocked(w, entity);
  if (head === undefined || ctx<DrmSchedJobContext>(w, head).sched !== sched) return false;
  return !ops.prepare_job || ops.prepare_job(w, head);
}

/** R95 drm_sched_can_queue: may `job` take a credit? (the scheduler machine's guard, written once) */
export function drm_sched_can_queue(w: World, sched: string, job: string): boolean {
  return accepts(w, sched, { type: 'DRM_SCHED_PENDING_ADD', job });
}

type SelectEntity = (w: World, rq: DrmSchedRq, ready: (entity: string) => boolean) => string[];

/**
 * ENTITY SELECTION by policy: the entities drm_sched_select_entity may return, given readiness.
 * Kernel source: torvalds/linux drivers/gpu/drm/scheduler/sched_main.c (03877d621db0, v6.3 to v6.15),
 * drm_sched_rq_select_entity_rr and drm_sched_rq_select_entity_fifo.
 */
const ENTITY_SELECTION: Record<DrmSchedRq['policy'], SelectEntity> = {
  /**
   * drm_sched_rq_select_entity_rr: from rq->current_entity, list_for_each_entry_continue takes the
   * first ready entity after it; failing that, list_for_each_entry from the head of rq->entities, up
   * to and including current_entity itself.
   */
  'round-robin': (_w, rq, ready) => {
    const i = rq.entities.indexOf(rq.currentEntity); // -1 when current_entity is NULL: start at the list head
    const next = [...rq.entities.slice(i + 1), ...rq.entities.slice(0, i + 1)].find(ready);
    return next === undefined ? [] : [next];
  },
  /** drm_sched_rq_select_entity_fifo: the ready entity whose head job has the oldest submit_ts. */
  fifo: (w, rq, ready) => {
    for (const job of rq.submitted) {
      const e = ctx<DrmSchedJobContext>(w, job).entity;
      if (entityHead(w, e) === job && ready(e)) return [e];
    }
    return [];
  },
};

const RQ_INDEX = DRM_SCHED_PRIORITIES.map((_, i) => i);

/**
 * PRIORITIES: the run queue `entity` sits on in `sched`: its priority's index (KERNEL = 0 ... LOW = 3,
 * enum drm_sched_priority), clamped to num_rqs - 1 as drm_sched_entity_init does.
 */
export function drm_sched_rq_of(w: World, sched: string, entity: string): number {
  const n = ctx<DrmGpuSchedulerContext>(w, sched).numRqs ?? DRM_SCHED_PRIORITIES.length;
  return Math.min(DRM_SCHED_PRIORITIES.indexOf(entityPriority(w, entity)), n - 1);
}

/**
 * ENTITY SELECTION: the entities `sched` may take next under its policy (each ready, R93). Without a
 * kernel policy (the model's default 'any'), every ready entity: a nondeterministic choice that
 * over-approximates every kernel policy.
 */
export function drm_sched_select_entity(w: World, sched: string, ops: DrmSchedBackendOps = NO_OPS): string[] {
  const { rq } = ctx<DrmGpuSchedulerContext>(w, sched);
  const entities = idsOf(w, 'drm_sched_entity');
  const isReady = (e: string) => drm_sched_entity_is_ready(w, sched, e, ops);
  // PRIORITIES: the highest run queue with a ready entity; the policy picks inside it. The model keeps
  // one rq record per scheduler, so round robin's current_entity is shared by the priority levels.
  const top = RQ_INDEX.find((i) => entities.some((e) => drm_sched_rq_of(w, sched, e) === i && isReady(e)));
  const ready = (e: string) => drm_sched_rq_of(w, sched, e) === top && isReady(e);
  return rq ? ENTITY_SELECTION[rq.policy](w, rq, ready) : entities.filter(ready);
}

/** drm_sched_run_job_work may run `entity`'s head job on `sched` now: selected, ready, and a credit free. */
export function drm_sched_run_job_enabled(
  w: World,
  sched: string,
  entity: string,
  ops: DrmSchedBackendOps = NO_OPS,
): boolean {
  const head = entityHead(w, entity);
  if (head === undefined || !drm_sched_can_queue(w, sched, head)) return false;
  return drm_sched_select_entity(w, sched, ops).includes(entity);
}

/**
 * drm_sched_run_job_work for the head job of `entity` (R93-R95), where drm_sched_run_job_enabled holds:
 * pop it, record the selection in the run queue, and hand it to the ring. A guilty entity's job is
 * cancelled (R94): run_job returns no fence and the job completes with -ECANCELED.
 */
export function drm_sched_run_job(w: World, sched: string, entity: string, ops: DrmSchedBackendOps = NO_OPS): World {
  const head = ctx<DrmSchedEntityContext>(w, entity).queue[0];
  const s = ctx<DrmGpuSchedulerContext>(w, sched);
  w = must(w, entity, { type: 'DRM_SCHED_ENTITY_POP' });
  w = tell(w, sched, { type: 'DRM_SCHED_RQ_SELECT', entity, job: head });
  if (ctx<DrmSchedEntityContext>(w, entity).guilty) {
    w = must(w, head, { type: 'DRM_SCHED_RUN_JOB', parent: '', error: ECANCELED });
  } else {
    w = must(w, sched, { type: 'DRM_SCHED_PENDING_ADD', job: head });
    const hw = `${head}.hw`;
    const seq = gNum(w, `seq:${s.ring}`) + 1;
    w = setG(w, { [`seq:${s.ring}`]: seq });
    const context = 1000 + idsOf(w, 'gpu_ring').indexOf(s.ring);
    w = spawn(w, hw, dmaFenceMachine, { context, seqno: seq, ops: 'hw', owner: head });
    const steps = ops.hw_steps ? ops.hw_steps(w, head) : 1;
    w = must(w, s.ring, steps > 1 ? { type: 'GPU_RING_EMIT', fence: hw, steps } : { type: 'GPU_RING_EMIT', fence: hw });
    w = must(w, head, { type: 'DRM_SCHED_RUN_JOB', parent: hw, error: 0 });
  }
  return ops.run_job ? ops.run_job(w, head) : w;
}

/** Jobs that hang their ring now: the owner of the hung head's hardware fence (the culprits R20 means). */
export function drm_sched_hung_jobs(w: World): string[] {
  const out: string[] = [];
  for (const r of idsOf(w, 'gpu_ring')) {
    const { hung, fifo } = ctx<GpuRingContext>(w, r);
    const owner = hung && fifo.length ? ctx<DmaFenceContext>(w, fifo[0]).owner : '';
    if (owner && w.o[owner]?.machine.id === 'drm_sched_job') out.push(owner);
  }
  return out;
}

/** R98 (I24): the TDR is armed: pending_list is non-empty and the timeout is finite. */
function drm_sched_tdr_armed(w: World, sched: string): boolean {
  const s = ctx<DrmGpuSchedulerContext>(w, sched);
  return s.timeout && s.pending.length > 0;
}

/** The ring `sched` feeds is healthy: its head job is still progressing, so a timeout now is wrong. */
function drm_sched_ring_progressing(w: World, sched: string): boolean {
  return !ctx<GpuRingContext>(w, ctx<DrmGpuSchedulerContext>(w, sched).ring).hung;
}

/** The TDR is armed (R98) and the ring has hung: a right timeout, the one a zero timeout budget allows. */
export function drm_sched_job_timedout_enabled(w: World, sched: string): boolean {
  return drm_sched_tdr_armed(w, sched) && !drm_sched_ring_progressing(w, sched);
}

/**
 * drm_sched_job_timedout + the documented hardware-scheduler recovery (R99-R102), where the TDR is
 * armed. The victims are the kernel's, whether or not the ring really hung:
 * - R99 the bad job is the oldest in pending_list (list_first_entry_or_null in drm_sched_job_timedout;
 *   nothing asks whether it still progresses), and amdgpu_job_timedout sets -ETIME on its finished
 *   fence (gregkh/linux 026c0e29, drivers/gpu/drm/amd/amdgpu/amdgpu_job.c);
 * - R103 drm_sched_increase_karma marks its entity guilty (karma > hang_limit, amdgpu's hang_limit is
 *   0), except on the KERNEL run queue ("kernel jobs always considered good"); sched_main.c of the
 *   ring_mirror_list era, WindRiver-Labs/linux-yocto-5.2 059cc0e4; its later jobs get -ECANCELED (R94);
 * - R101 drm_sched_stop detaches every pending job's parent; the ring is reset (its hardware fences
 *   force-completed); R102 drm_sched_start completes every job left without a parent with -ECANCELED:
 *   the innocent jobs of other entities queued behind the bad one on this ring (collateral damage).
 */
export function drm_sched_job_timedout(w: World, sched: string): World {
  const s = ctx<DrmGpuSchedulerContext>(w, sched);
  const guilty = s.pending[0];
  const bad = ctx<DrmSchedJobContext>(w, guilty).entity;
  if (entityPriority(w, bad) !== 'KERNEL') w = tell(w, bad, { type: 'DRM_SCHED_ENTITY_SET_GUILTY' });
  for (const job of s.pending) {
    const j = ctx<DrmSchedJobContext>(w, job);
    if (j.parent) {
      w = send(w, j.parent, { type: 'DMA_FENCE_REMOVE_CALLBACK', to: job }) ?? w;
      w = must(w, job, { type: 'DRM_SCHED_JOB_DETACH_PARENT' });
    }
  }
  w = must(w, s.ring, { type: 'GPU_RING_RESET' });
  for (const job of ctx<DrmGpuSchedulerContext>(w, sched).pending) {
    if (stateOf(w, job) !== 'running') continue;
    w = must(w, job, { type: 'DRM_SCHED_JOB_DONE', error: job === guilty ? ETIME : ECANCELED });
  }
  return w;
}

export interface DrmSchedStepOptions<C> {
  /** The fault budget: GPU hangs per run. */
  maxHangs: (cfg: C) => number;
  /**
   * The timeout budget: wrong TDR timeouts per run, fired on a healthy ring whose head job still
   * progresses (models/kernel/timer.ts). Default 0: the TDR fires only on a hung ring.
   */
  maxTimeouts?: (cfg: C) => number;
  /** The driver's drm_sched_backend_ops (ENTITY READINESS through prepare_job). Default: none. */
  ops?: DrmSchedBackendOps;
}

/** The scheduler-side steps every drm_sched design shares, by key. */
export function drmSchedStepTable<C>(opts: DrmSchedStepOptions<C>): StepTable<C> {
  const ops = opts.ops ?? NO_OPS;
  const scheds = (w: World) => idsOf(w, 'drm_gpu_scheduler');
  const rings = (w: World) => idsOf(w, 'gpu_ring').map((r): [string] => [r]);
  return stepTable<C>(
    defineStep<C, [sched: string, entity: string]>({
      name: 'drm_sched_run_job',
      role: 'kernel',
      actor: ([s]) => s,
      params: (w) => scheds(w).flatMap((s) => idsOf(w, 'drm_sched_entity').map((e): [string, string] => [s, e])),
      enabled: (w, [s, e]) => drm_sched_run_job_enabled(w, s, e, ops),
      apply: (w, [s, e]) => drm_sched_run_job(w, s, e, ops),
      doc: "R93-R95: the selected entity's head job, dependencies signaled, is popped and handed to the ring",
    }),
    defineStep<C, [ring: string]>({
      name: 'gpu_ring_complete',
      role: 'gpu',
      actor: ([r]) => r,
      params: rings,
      enabled: (w, [r]) => accepts(w, r, { type: 'GPU_RING_COMPLETE' }),
      apply: (w, [r]) => must(w, r, { type: 'GPU_RING_COMPLETE' }),
      doc: 'the head job of the ring completes: hw fence -> job done -> finished signals (R95, R96)',
    }),
    defineStep<C, [ring: string]>({
      name: 'gpu_ring_progress',
      role: 'gpu',
      actor: ([r]) => r,
      params: rings,
      enabled: (w, [r]) => accepts(w, r, { type: 'GPU_RING_PROGRESS' }),
      apply: (w, [r]) => must(w, r, { type: 'GPU_RING_PROGRESS' }),
      doc: 'a long head job does one more step of its work: healthy, still progressing (seed 001 "3 days")',
    }),
    defineStep<C, [ring: string]>({
      name: 'gpu_ring_hang',
      role: 'fault',
      actor: ([r]) => r,
      params: rings,
      enabled: (w, [r], cfg) => gNum(w, 'hangs') < opts.maxHangs(cfg) && accepts(w, r, { type: 'GPU_RING_HANG' }),
      apply: (w, [r]) => setG(must(w, r, { type: 'GPU_RING_HANG' }), { hangs: gNum(w, 'hangs') + 1 }),
      doc: 'the head job stops making progress (fault budget: maxHangs per run)',
    }),
    defineTimeout<C, [sched: string]>({
      name: 'drm_sched_job_timedout',
      actor: ([s]) => s,
      params: (w) => scheds(w).map((s): [string] => [s]),
      armed: (w, [s]) => drm_sched_tdr_armed(w, s),
      progressing: (w, [s]) => drm_sched_ring_progressing(w, s),
      budget: opts.maxTimeouts ?? (() => 0),
      expire: (w, [s]) => drm_sched_job_timedout(w, s),
      doc:
        'R98-R102: the TDR fires on a hung ring, or (timeout budget) on a healthy one; the oldest pending job ' +
        'gets -ETIME, the rest -ECANCELED',
    }),
  );
}

/** The scheduler-side steps every drm_sched design shares, in order (the keyed table's values). */
export function drmSchedSteps<C = any>(opts: DrmSchedStepOptions<C>): StepDef<C>[] {
  return Object.values(drmSchedStepTable(opts));
}
