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
 * Ghost data for hazard-free and over-sync (properties/hazard-free.ts): at submit, the job's accesses
 * and every fence it was told to wait on (before the scheduler drops signaled ones or substitutes the
 * scheduled fence, R91, R93) are recorded in the global `access:<job>`. Nothing in the model reads them.
 */
import type { World, Json } from '../world.ts';
import { setG, spawn, emptyWorld } from '../world.ts';
import { dmaResvMachine } from '../dma-buf/dma-resv.ts';
import { dma_fence_unwrap } from '../dma-buf/dma-fence-unwrap.ts';
import { dma_resv_fences, dma_resv_usage_rw, dma_resv_add_fence_atomic } from '../dma-buf/dma-resv.ts';
import type { StepDef } from '../design.ts';
import {
  drm_sched_job_init,
  drm_sched_job_arm,
  drm_sched_entity_push_job,
  drm_sched_job_add_dependency,
  addScheduler,
  addEntity,
  drmSchedSteps,
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
  | { op: 'submit'; acc: Access[]; implicit: boolean; out?: boolean }
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

/** Ghost record of one job, in g[`access:<job>`]. */
export interface AccessRecord {
  proc: string;
  acc: Access[];
  /** every fence the job was told to wait on (R91 input, before dedup and pipelining) */
  deps: string[];
}

export interface SharingConfig {
  /** process -> its script */
  scripts: Record<string, Op[]>;
  bos: string[];
  /** GPU hangs allowed per run */
  maxHangs: number;
  /** drm_sched credit_limit */
  creditLimit: number;
  /** H7 (R62, R113): the driver marks every implicit access as a write (over-synchronises) */
  alwaysWrite?: boolean;
}

export const proc = (w: World, p: string): ProcState => w.g[`p:${p}`] as unknown as ProcState;
const setProc = (w: World, p: string, s: ProcState): World => setG(w, { [`p:${p}`]: s as unknown as Json });
const nextOp = (w: World, cfg: SharingConfig, p: string): Op | undefined => cfg.scripts[p][proc(w, p).pc];

function initProcs(w: World, cfg: SharingConfig): World {
  for (const p of Object.keys(cfg.scripts).sort())
    w = setProc(w, p, { pc: 0, jobs: 0, inbox: [], inFences: [], out: '' });
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
  w = drm_sched_job_init(w, job, `${p}.ctx`, 'sched0');
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
  const rec: AccessRecord = { proc: p, acc: op.acc, deps: [...new Set(deps)] };
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
    params: (_w, cfg) =>
      Object.keys(cfg.scripts)
        .sort()
        .map((p): [string] => [p]),
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

/** The initial world of a sharing design: one scheduler and ring, one entity per process, one resv per BO. */
export function initSharing(cfg: SharingConfig): World {
  let w = addScheduler(emptyWorld, 'sched0', 'gpu0', { timeout: true, creditLimit: cfg.creditLimit });
  for (const bo of cfg.bos) w = spawn(w, `${bo}.resv`, dmaResvMachine, {});
  for (const p of Object.keys(cfg.scripts).sort()) w = addEntity(w, `${p}.ctx`);
  return initProcs(w, cfg);
}

/** Every step of a sharing design: the processes' scripts, the scheduler and GPU, array settling. */
export function sharingDesignSteps(): StepDef<SharingConfig>[] {
  return [...sharingSteps(), ...drmSchedSteps({ maxHangs: (c: SharingConfig) => c.maxHangs }), ...dmaFenceArraySteps()];
}
