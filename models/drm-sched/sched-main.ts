/**
 * The DRM scheduler's kernel flows, as atomic world operations shared by designs. Each function is one
 * kernel path under its locks; each StepDef is one action an explorer may take.
 *
 * Ids: job `J`, its fences `J.scheduled`, `J.finished`, its hardware fence `J.hw`.
 */
import type { World } from '../world.ts';
import { ctx, must, send, spawn, stateOf, idsOf, setG, tell } from '../world.ts';
import type { StepDef } from '../design.ts';
import { dmaFenceMachine, isSignaled, isLater, ECANCELED, ETIME, type DmaFenceContext } from '../dma-buf/dma-fence.ts';
import { drmSchedJobMachine, type DrmSchedJobContext } from './drm-sched-job.ts';
import { drmSchedEntityMachine, type DrmSchedEntityContext } from './drm-sched-entity.ts';
import { drmGpuSchedulerMachine, type DrmGpuSchedulerContext } from './drm-gpu-scheduler.ts';
import { gpuRingMachine, type GpuRingContext } from '../gpu/gpu-ring.ts';

/** Create scheduler `sched` feeding ring `ring`. */
export function addScheduler(w: World, sched: string, ring: string, opts: { timeout: boolean; creditLimit: number }): World {
  w = spawn(w, ring, gpuRingMachine, {});
  return spawn(w, sched, drmGpuSchedulerMachine, { ring, timeout: opts.timeout, creditLimit: opts.creditLimit });
}

/** Create an entity; fence contexts are allocated 2 per entity (R90), from g.nextContext (R2: from 1). */
export function addEntity(w: World, entity: string): World {
  const next = (w.g.nextContext as number | undefined) ?? 1;
  w = setG(w, { nextContext: next + 2 });
  return spawn(w, entity, drmSchedEntityMachine, { fenceContext: next });
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
  if (f.ops === 'sched.finished' && f.owner && f.error === 0 && ctx<DrmSchedJobContext>(w, f.owner).sched === j.sched) dep = `${f.owner}.scheduled`;
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
  w = spawn(w, `${job}.scheduled`, dmaFenceMachine, { context: e.fenceContext, seqno: e.fenceSeq, ops: 'sched.scheduled', owner: job });
  w = spawn(w, `${job}.finished`, dmaFenceMachine, { context: e.fenceContext + 1, seqno: e.fenceSeq, ops: 'sched.finished', owner: job });
  return must(w, job, { type: 'DRM_SCHED_JOB_ARM', scheduled: `${job}.scheduled`, finished: `${job}.finished` });
}

/** R92 drm_sched_entity_push_job, and R93: a callback on every dependency. */
export function drm_sched_entity_push_job(w: World, job: string): World {
  const j = ctx<DrmSchedJobContext>(w, job);
  w = must(w, job, { type: 'DRM_SCHED_ENTITY_PUSH_JOB' });
  w = must(w, j.entity, { type: 'DRM_SCHED_ENTITY_PUSH', job });
  for (const d of j.deps) {
    w = tell(w, d, { type: 'DMA_FENCE_PUBLISH', via: 'drm_sched dependency' });
    w = send(w, d, { type: 'DMA_FENCE_ADD_CALLBACK', cb: { to: job, ev: { type: 'DRM_SCHED_DEP_SIGNALED', fence: d } } }) ?? w;
  }
  return w;
}

/**
 * drm_sched_run_job_work for the head job of `entity` (R93-R95): enabled when the job's dependencies
 * are signaled and the scheduler has credits. A guilty entity's job is cancelled (R94): run_job
 * returns no fence and the job completes with -ECANCELED.
 */
export function drm_sched_run_job(w: World, sched: string, entity: string): World | null {
  const head = ctx<DrmSchedEntityContext>(w, entity).queue[0];
  if (!head) return null;
  const j = ctx<DrmSchedJobContext>(w, head);
  if (j.sched !== sched || j.deps.length > 0) return null;
  const s = ctx<DrmGpuSchedulerContext>(w, sched);
  if (s.pending.length >= s.creditLimit) return null;
  w = must(w, entity, { type: 'DRM_SCHED_ENTITY_POP' });
  if (ctx<DrmSchedEntityContext>(w, entity).guilty) return must(w, head, { type: 'DRM_SCHED_RUN_JOB', parent: '', error: ECANCELED });
  w = must(w, sched, { type: 'DRM_SCHED_PENDING_ADD', job: head });
  const hw = `${head}.hw`;
  const seq = ((w.g[`seq:${s.ring}`] as number | undefined) ?? 0) + 1;
  w = setG(w, { [`seq:${s.ring}`]: seq });
  w = spawn(w, hw, dmaFenceMachine, { context: 1000 + idsOf(w, 'gpu_ring').indexOf(s.ring), seqno: seq, ops: 'hw', owner: head });
  w = must(w, s.ring, { type: 'GPU_RING_EMIT', fence: hw });
  return must(w, head, { type: 'DRM_SCHED_RUN_JOB', parent: hw, error: 0 });
}

/**
 * drm_sched_job_timedout + the documented hardware-scheduler recovery (R99-R102): stop, mark the
 * guilty entity (R103), reset the ring (its hardware fences force-completed), then start: every pending
 * job without a parent completes with an error: -ETIME for the job that hung, -ECANCELED for the rest.
 * Enabled when TDR is armed (R98) and the ring has hung: a job that keeps making progress completes
 * before its timeout under the drain's fairness, so timing out a healthy job is not modelled.
 */
export function drm_sched_job_timedout(w: World, sched: string): World | null {
  const s = ctx<DrmGpuSchedulerContext>(w, sched);
  if (!s.timeout || s.pending.length === 0 || !ctx<GpuRingContext>(w, s.ring).hung) return null;
  const guilty = s.pending[0];
  w = tell(w, ctx<DrmSchedJobContext>(w, guilty).entity, { type: 'DRM_SCHED_ENTITY_SET_GUILTY' });
  for (const job of s.pending) {
    const j = ctx<DrmSchedJobContext>(w, job);
    if (j.parent) {
      w = send(w, j.parent, { type: 'DMA_FENCE_REMOVE_CALLBACK', to: job }) ?? w;
      w = must(w, job, { type: 'DRM_SCHED_JOB_DETACH_PARENT' });
    }
  }
  w = must(w, s.ring, { type: 'GPU_RING_RESET' });
  for (const job of ctx<DrmGpuSchedulerContext>(w, sched).pending) {
    if (stateOf(w, job) === 'running') w = must(w, job, { type: 'DRM_SCHED_JOB_DONE', error: job === guilty ? ETIME : ECANCELED });
  }
  return w;
}

/** The scheduler-side steps every drm_sched design shares. `maxHangs` bounds the fault budget. */
export function drmSchedSteps(opts: { maxHangs: (cfg: any) => number }): StepDef[] {
  return [
    {
      name: 'drm_sched_run_job',
      role: 'kernel',
      actor: (a) => String(a[0]),
      params: (w) => idsOf(w, 'drm_gpu_scheduler').flatMap((s) => idsOf(w, 'drm_sched_entity').map((e) => [s, e])),
      apply: (w, [s, e]) => drm_sched_run_job(w, s as string, e as string),
      doc: 'R93-R95: pop the entity head whose dependencies signaled and hand it to the ring',
    },
    {
      name: 'gpu_ring_complete',
      role: 'gpu',
      actor: (a) => String(a[0]),
      params: (w) => idsOf(w, 'gpu_ring').map((r) => [r]),
      apply: (w, [r]) => send(w, r as string, { type: 'GPU_RING_COMPLETE' }),
      doc: 'the head job of the ring completes: hw fence -> job done -> finished signals (R95, R96)',
    },
    {
      name: 'gpu_ring_hang',
      role: 'fault',
      actor: (a) => String(a[0]),
      params: (w) => idsOf(w, 'gpu_ring').map((r) => [r]),
      enabled: (w, _a, cfg) => ((w.g.hangs as number | undefined) ?? 0) < opts.maxHangs(cfg),
      apply: (w, [r]) => {
        const n = send(w, r as string, { type: 'GPU_RING_HANG' });
        return n && setG(n, { hangs: ((w.g.hangs as number | undefined) ?? 0) + 1 });
      },
      doc: 'the head job stops making progress (fault budget: maxHangs per run)',
    },
    {
      name: 'drm_sched_job_timedout',
      role: 'timer',
      actor: (a) => String(a[0]),
      params: (w) => idsOf(w, 'drm_gpu_scheduler').map((s) => [s]),
      apply: (w, [s]) => drm_sched_job_timedout(w, s as string),
      doc: 'R98-R102: TDR fires on a hung ring, reset, pending jobs complete with -ETIME/-ECANCELED',
    },
  ];
}
