/**
 * Processes sharing buffers (dma-bufs) and submitting GPU jobs, with implicit sync (dma_resv) or
 * explicit sync (sync_file), and the dma-buf export/import bridge between the two (seed 004). Shared by
 * the designs dma-resv-implicit, explicit-sync-file, explicit-producer-implicit-consumer and
 * sync-file-bridge.
 *
 * Each process runs a script of operations in program order (one user step per operation):
 * - submit   a CS ioctl (one atomic kernel operation): init the job; its dependencies are the fences an
 *            implicit access must wait on (R54, R91) or, explicitly, the sync_files the process holds
 *            (received or exported); arm (R90); its finished fence goes into every BO it touches as
 *            WRITE/READ (implicit, R62) or BOOKKEEP (explicit: no implicit sync, R53); push (R92);
 *            optionally an out sync_file of the finished fence (R64).
 * - send     hand the buffer to another process (a wl_surface.commit, SCM_RIGHTS), with the last out
 *            sync_file if `fence` is set; recv blocks until a message arrives and keeps its sync_file.
 * - import   DMA_BUF_IOCTL_IMPORT_SYNC_FILE of the last out sync_file (R127).
 * - export   DMA_BUF_IOCTL_EXPORT_SYNC_FILE (R126); the sync_file becomes an in-fence of the next submit.
 *
 * A process may own several queues (`queue: q` on a submit: drm_sched entity `<proc>.ctx` for queue 0,
 * `<proc>.ctx<q>` otherwise), all feeding the one scheduler and ring: a multi-queue client (seed 002
 * "multiple queues ... implicit GPU-GPU synchronization between queues").
 *
 * Access records (the view hazard-free and errors-propagate read; `AccessRecord` below): at submit, the
 * job's accesses and every fence it was told to wait on (before the scheduler drops signaled ones or
 * substitutes the scheduled fence, R91, R93) are recorded in the global `access:<job>`. The fences are
 * also what the kernel keeps in `job->dependencies` until free_job (sched_entity.c keeps them "so we can
 * iterate over all dependencies in drm_sched_entity_kill_jobs_cb()"), so the driver's run_job may read
 * them (`depErrors: 'propagate'`); nothing else in the model does.
 *
 * Scripts are generated from a design's knobs (`sharingConfig`): a config whose knobs change (a
 * `--set`) gets its scripts regenerated; one whose `scripts` were replaced by hand keeps them.
 */
import type { World, Json } from '../world.ts';
import { ctx, must, setG, spawn, tell, emptyWorld } from '../world.ts';
import { dmaResvMachine } from '../dma-buf/dma-resv.ts';
import { dma_fence_unwrap } from '../dma-buf/dma-fence-unwrap.ts';
import { dma_resv_fences, dma_resv_usage_rw, dma_resv_add_fence_atomic } from '../dma-buf/dma-resv.ts';
import { defineStep, withSteps, type StepDef } from '../design.ts';
import { isSignaled, type DmaFenceContext } from '../dma-buf/dma-fence.ts';
import type { DrmSchedEntityContext } from '../drm-sched/drm-sched-entity.ts';
import {
  drm_sched_job_init,
  drm_sched_job_arm,
  drm_sched_entity_push_job,
  drm_sched_job_add_dependency,
  addScheduler,
  addEntity,
  drmSchedStepTable,
} from '../drm-sched/sched-main.ts';
import { dma_fence_array_settle, dmaFenceArraySteps } from '../dma-buf/dma-fence-api.ts';
import { sync_file_create, sync_file_get_fence } from '../dma-buf/sync-file-api.ts';
import {
  dma_buf_export_sync_file,
  dma_buf_import_sync_file,
  DMA_BUF_SYNC_READ,
  DMA_BUF_SYNC_WRITE,
} from '../dma-buf/dma-buf.ts';

/** One BO access of a job: [bo, 'r' | 'w']. */
export type Access = [string, 'r' | 'w'];

export type Op =
  | { op: 'submit'; acc: Access[]; implicit: boolean; out?: boolean; queue?: number }
  | { op: 'send'; to: string; fence?: boolean }
  | { op: 'recv' }
  | { op: 'import'; bo: string; write: boolean }
  | { op: 'export'; bo: string; write: boolean };

/** Per-process state, in g[`p:<proc>`]. */
export interface ProcState {
  /** next operation of the script */
  pc: number;
  /** jobs submitted so far */
  jobs: number;
  /** messages not yet received: sync_file ids ('' = a message without a fence) */
  inbox: string[];
  /** sync_files the next submit waits on */
  inFences: string[];
  /** the last out sync_file ('' = none) */
  out: string;
}

/**
 * One access record, in g[`access:<id>`] (plain JSON; any subsystem may write one, e.g. a compositor's
 * sampling or a KMS scanout, without importing this file): what an agent's access touches, what it
 * waited on before it started, the in-order queue it runs on, and the fence that ends it.
 * - `queue`, `seq`: accesses on one queue with increasing `seq` happen in that order (one drm_sched
 *   entity on one in-order ring, R97). Default: the queue is `proc` and `seq` the `<k>` of an id
 *   `<...>.j<k>` (the older one-queue-per-process records).
 * - `end`: the fence that signals once the access is over (default `<id>.finished`); a fence owned by
 *   the record's id (`owner`, as a job's hardware and scheduler fences are) also counts.
 */
export interface AccessRecord {
  proc: string;
  acc: Access[];
  /** every fence the job was told to wait on (R91 input, before dedup and pipelining) */
  deps: string[];
  queue?: string;
  seq?: number;
  end?: string;
}

export interface SharingConfig {
  /** process -> its script (generated from the design's knobs by `sharingConfig`, or given by hand) */
  scripts: Record<string, Op[]>;
  /** BOs besides those the scripts name (each gets a dma_resv) */
  bos?: string[];
  /** GPU hangs allowed per run */
  maxHangs: number;
  /** drm_sched credit_limit */
  creditLimit: number;
  /** H7 (R62, R113): the driver marks every implicit access as a write (over-synchronises) */
  alwaysWrite?: boolean;
  /**
   * What the driver's run_job does with a job one of whose dependencies signaled with an error:
   * 'ignore' (the default, drm_sched mainline: drm_sched_entity_pop_job cancels only a guilty entity's
   * jobs, R94; the dependency's error only stops pipelining, R93) or 'propagate' (the job is skipped
   * and its finished fence carries the dependency's error, as i915 does: i915_sw_fence_await_dma_fence
   * sets the waiter's error from the signaled fence, and a request with a fatal error is skipped).
   */
  depErrors?: 'ignore' | 'propagate';
}

/** Where each generated `scripts` object came from: the JSON of the knobs, and the generator. */
const GENERATED = new WeakMap<object, string>();
const GENERATORS = new WeakMap<object, (k: object) => Record<string, Op[]>>();
/** Scripts regenerated for a config whose knobs changed, by config object. */
const REGENERATED = new WeakMap<object, Record<string, Op[]>>();
const knobsOf = (cfg: object): string => JSON.stringify({ ...cfg, scripts: undefined });

/**
 * A design's config from its knobs: `scripts` generated by `gen` (TLA+ CONSTANTS: processes, frames,
 * BOs are knobs; the scripts are derived). `scriptsOf` regenerates them when the knobs changed since.
 */
export function sharingConfig<K extends Omit<SharingConfig, 'scripts'>>(
  knobs: K,
  gen: (k: K) => Record<string, Op[]>,
): K & SharingConfig {
  const scripts = gen(knobs);
  const cfg = { ...knobs, scripts };
  GENERATED.set(scripts, knobsOf(cfg));
  GENERATORS.set(scripts, gen as (k: object) => Record<string, Op[]>);
  return cfg;
}

/** The scripts of `cfg`: its own, unless they were generated from knobs that have changed since. */
export function scriptsOf(cfg: SharingConfig): Record<string, Op[]> {
  const from = GENERATED.get(cfg.scripts);
  if (from === undefined || from === knobsOf(cfg)) return cfg.scripts;
  let s = REGENERATED.get(cfg);
  if (!s) {
    s = GENERATORS.get(cfg.scripts)!(cfg);
    REGENERATED.set(cfg, s);
  }
  return s;
}

/** The processes of `cfg`, sorted. */
const procsOf = (cfg: SharingConfig): string[] => Object.keys(scriptsOf(cfg)).sort();

/** The drm_sched entity of queue `q` of process `p`. */
export const queueEntity = (p: string, q = 0): string => (q ? `${p}.ctx${q}` : `${p}.ctx`);

/** Every BO the scripts name, with the config's extra BOs, sorted. */
function bosOf(cfg: SharingConfig): string[] {
  const out = new Set(cfg.bos ?? []);
  for (const ops of Object.values(scriptsOf(cfg)))
    for (const op of ops) {
      if (op.op === 'submit') for (const [bo] of op.acc) out.add(bo);
      if (op.op === 'import' || op.op === 'export') out.add(op.bo);
    }
  return [...out].sort();
}

/** The queues (entities) each process submits on, as [proc, q] pairs. */
function queuesOf(cfg: SharingConfig): [string, number][] {
  const out: [string, number][] = [];
  for (const p of procsOf(cfg)) {
    const qs = new Set([0]);
    for (const op of scriptsOf(cfg)[p]) if (op.op === 'submit') qs.add(op.queue ?? 0);
    for (const q of [...qs].sort((a, b) => a - b)) out.push([p, q]);
  }
  return out;
}

export const proc = (w: World, p: string): ProcState => w.g[`p:${p}`] as unknown as ProcState;
const setProc = (w: World, p: string, s: ProcState): World => setG(w, { [`p:${p}`]: s as unknown as Json });
const nextOp = (w: World, cfg: SharingConfig, p: string): Op | undefined => scriptsOf(cfg)[p][proc(w, p).pc];

function initProcs(w: World, cfg: SharingConfig): World {
  for (const p of procsOf(cfg)) w = setProc(w, p, { pc: 0, jobs: 0, inbox: [], inFences: [], out: '' });
  return w;
}

export const accessRecords = (w: World): [string, AccessRecord][] =>
  Object.keys(w.g)
    .filter((k) => k.startsWith('access:'))
    .sort()
    .map((k) => [k.slice(7), w.g[k] as unknown as AccessRecord]);

/** The CS ioctl of `p`'s next submit (one atomic kernel operation). */
function submit(w: World, cfg: SharingConfig, p: string, op: Extract<Op, { op: 'submit' }>): World {
  const s = proc(w, p);
  const job = `${p}.j${s.jobs}`;
  const entity = queueEntity(p, op.queue);
  w = drm_sched_job_init(w, job, entity, 'sched0');
  const deps: string[] = [];
  if (op.implicit) {
    for (const [bo, m] of op.acc)
      deps.push(...dma_resv_fences(w, `${bo}.resv`, dma_resv_usage_rw(m === 'w' || !!cfg.alwaysWrite)));
  } else {
    for (const f of s.inFences) {
      const fence = sync_file_get_fence(w, f);
      if (fence) deps.push(fence);
    }
  }
  for (const d of deps) w = drm_sched_job_add_dependency(w, job, d);
  w = drm_sched_job_arm(w, job);
  const fin = `${job}.finished`;
  for (const [bo, m] of op.acc) {
    const usage = !op.implicit ? 'BOOKKEEP' : m === 'w' || cfg.alwaysWrite ? 'WRITE' : 'READ';
    w = dma_resv_add_fence_atomic(w, `${bo}.resv`, fin, usage, p).w;
  }
  w = dma_fence_array_settle(drm_sched_entity_push_job(w, job));
  let out = s.out;
  if (op.out) {
    out = `${job}.out`;
    w = sync_file_create(w, out, fin);
  }
  // the queue is the entity on its ring (R97); seq: the entity's push order
  const rec: AccessRecord = { proc: p, acc: op.acc, deps: [...new Set(deps)], queue: `${entity}@gpu0`, seq: s.jobs };
  w = setG(w, { [`access:${job}`]: rec as unknown as Json });
  return setProc(w, p, { ...s, pc: s.pc + 1, jobs: s.jobs + 1, inFences: [], out });
}

type OpOf<K extends Op['op']> = Extract<Op, { op: K }>;
const isOp = <K extends Op['op']>(op: Op | undefined, kind: K): op is OpOf<K> => op?.op === kind;

/**
 * The user step that runs `p`'s next operation when it is of this kind (and `ready`, for an operation
 * that also waits on something: recv on a message). `apply` is the effect only.
 */
function step<K extends Op['op']>(
  name: string,
  kind: K,
  doc: string,
  apply: (w: World, cfg: SharingConfig, p: string, op: OpOf<K>) => World,
  ready: (w: World, p: string) => boolean = () => true,
): StepDef<SharingConfig, [proc: string]> {
  return {
    name,
    role: 'user',
    actor: ([p]) => p,
    params: (_w, cfg) => procsOf(cfg).map((p): [string] => [p]),
    enabled: (w, [p], cfg) => isOp(nextOp(w, cfg, p), kind) && ready(w, p),
    apply: (w, [p], cfg) => {
      const op = nextOp(w, cfg, p);
      if (!isOp(op, kind)) throw new Error(`${name}(${p}): the next operation is ${op?.op ?? 'none'}`);
      return apply(w, cfg, p, op);
    },
    doc,
  };
}

const advance = (w: World, p: string, patch: Partial<ProcState>): World => {
  const s = proc(w, p);
  return setProc(w, p, { ...s, ...patch, pc: s.pc + 1 });
};

/** The user steps of every sharing design, in a stable order. */
function sharingSteps(): StepDef<SharingConfig, [proc: string]>[] {
  return [
    step(
      'DRM_IOCTL_CS',
      'submit',
      'R54, R62, R90-R92: dependencies (implicit from the resv, or the in-fences), arm, resv, push',
      (w, cfg, p, op) => submit(w, cfg, p, op),
    ),
    step(
      'sendmsg',
      'send',
      'hand the buffer (and optionally the last out sync_file) to another process',
      (w, _cfg, p, op) => {
        const s = proc(w, p);
        const to = proc(w, op.to);
        w = setProc(w, op.to, { ...to, inbox: [...to.inbox, op.fence ? s.out : ''] });
        return advance(w, p, {});
      },
    ),
    step(
      'recvmsg',
      'recv',
      'block until a buffer arrives; keep its sync_file as an in-fence',
      (w, _cfg, p) => {
        const s = proc(w, p);
        const [m, ...rest] = s.inbox;
        return advance(w, p, { inbox: rest, inFences: m ? [...s.inFences, m] : s.inFences });
      },
      (w, p) => proc(w, p).inbox.length > 0,
    ),
    step(
      'DMA_BUF_IOCTL_IMPORT_SYNC_FILE',
      'import',
      'R127: add the last out fence to the dma-buf as WRITE or READ',
      (w, _cfg, p, op) => {
        const s = proc(w, p);
        const r = dma_buf_import_sync_file(
          w,
          `${op.bo}.resv`,
          op.write ? DMA_BUF_SYNC_WRITE : DMA_BUF_SYNC_READ,
          s.out,
          p,
        );
        if (r.ret) throw new Error(`${p}: DMA_BUF_IOCTL_IMPORT_SYNC_FILE returned ${r.ret}`);
        return advance(r.w, p, {});
      },
    ),
    step(
      'DMA_BUF_IOCTL_EXPORT_SYNC_FILE',
      'export',
      'R126: snapshot the implicit fences an access must wait on as a sync_file',
      (w, _cfg, p, op) => {
        const s = proc(w, p);
        const name = `${p}.x${s.pc}`;
        const r = dma_buf_export_sync_file(w, `${op.bo}.resv`, op.write ? DMA_BUF_SYNC_WRITE : DMA_BUF_SYNC_READ, name);
        if (r.ret) throw new Error(`${p}: DMA_BUF_IOCTL_EXPORT_SYNC_FILE returned ${r.ret}`);
        return advance(r.w, p, { inFences: [...s.inFences, name] });
      },
    ),
  ];
}

/** The job that owns a fence (scheduler and hardware fences), or null. */
export function ownerJob(w: World, fence: string): string | null {
  const o = w.o[fence];
  if (!o) return null;
  const owner = (o.context as { owner?: string }).owner;
  return owner && w.g[`access:${owner}`] !== undefined ? owner : null;
}

/** Do two access lists conflict (one BO, at least one write)? The BO, or null. */
export function conflict(a: Access[], b: Access[]): string | null {
  for (const [bo, m] of a) for (const [bo2, m2] of b) if (bo === bo2 && (m === 'w' || m2 === 'w')) return bo;
  return null;
}

/**
 * Over-synchronisation (H7, seed 004 "over-synchronization"): dependency waits whose fence belongs to a
 * job with no conflicting access, summed over jobs (what the data did not need).
 */
export function overSync(w: World): number {
  let n = 0;
  for (const [, rec] of accessRecords(w)) {
    for (const d of rec.deps) {
      for (const leaf of dma_fence_unwrap(w, d)) {
        const j = ownerJob(w, leaf);
        if (j && !conflict(rec.acc, (w.g[`access:${j}`] as unknown as AccessRecord).acc)) n++;
      }
    }
  }
  return n;
}

/** The initial world of a sharing design: one scheduler and ring, one entity per queue, one resv per BO. */
export function initSharing(cfg: SharingConfig): World {
  let w = addScheduler(emptyWorld, 'sched0', 'gpu0', { timeout: true, creditLimit: cfg.creditLimit });
  for (const bo of bosOf(cfg)) w = spawn(w, `${bo}.resv`, dmaResvMachine, {});
  for (const [p, q] of queuesOf(cfg)) w = addEntity(w, queueEntity(p, q));
  return initProcs(w, cfg);
}

/**
 * The first error among the leaves (R50) of the fences `job` was told to wait on (its
 * job->dependencies), 0 if none carries one: what a driver that propagates dependency errors reads.
 */
export function dependencyError(w: World, job: string): number {
  const rec = w.g[`access:${job}`] as unknown as AccessRecord | undefined;
  for (const d of rec?.deps ?? [])
    for (const leaf of [d, ...dma_fence_unwrap(w, d)]) {
      const e = isSignaled(w, leaf) ? ctx<DmaFenceContext>(w, leaf).error : 0;
      if (e < 0) return e;
    }
  return 0;
}

/**
 * `depErrors: 'propagate'`: drm_sched_run_job, with the driver's run_job skipping a job whose
 * dependency signaled with an error (run_job returns no hardware fence and the finished fence carries
 * that error, R95, R96), the way a guilty entity's job is skipped with -ECANCELED (R94). By the time
 * run_job runs every dependency has signaled (R93), so the check sees each dependency's final error.
 */
function runJobPropagating<C extends SharingConfig>(base: StepDef<C, [sched: string, entity: string]>) {
  return defineStep<C, [sched: string, entity: string]>({
    ...base,
    apply: (w, [s, e], cfg) => {
      const head = ctx<DrmSchedEntityContext>(w, e).queue[0];
      const err =
        cfg.depErrors === 'propagate' && !ctx<DrmSchedEntityContext>(w, e).guilty ? dependencyError(w, head) : 0;
      if (!err) return base.apply(w, [s, e], cfg);
      w = must(w, e, { type: 'DRM_SCHED_ENTITY_POP' });
      w = tell(w, s, { type: 'DRM_SCHED_RQ_SELECT', entity: e, job: head });
      return must(w, head, { type: 'DRM_SCHED_RUN_JOB', parent: '', error: err });
    },
    doc: `${base.doc}; with depErrors 'propagate', a job whose dependency failed is skipped with its error`,
  });
}

/** Every step of a sharing design: the processes' scripts, the scheduler and GPU, array settling. */
export function sharingDesignSteps(): StepDef<SharingConfig>[] {
  const sched = drmSchedStepTable<SharingConfig>({ maxHangs: (c) => c.maxHangs });
  const table = withSteps(sched, { drm_sched_run_job: runJobPropagating(sched.drm_sched_run_job) });
  return [...sharingSteps(), ...Object.values(table), ...dmaFenceArraySteps()];
}
