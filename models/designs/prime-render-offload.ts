/**
 * prime-render-offload — PRIME render offload: one device renders, another scans out, through a shared
 * dma-buf with implicit sync.
 *
 * Idea: an application renders each frame on device A (a discrete GPU: its own drm_gpu_scheduler sched0
 *   and ring gpu0) into one of `buffers` dma-bufs it shares with device B (the display GPU: scheduler
 *   sched1, ring gpu1, KMS crtc0). A's CS ioctl adds the render job's finished fence to the dma-buf's
 *   dma_resv as WRITE (R62); the compositor on B commits the buffer to plane0 with no IN_FENCE_FD, so
 *   drm_gem_plane_helper_prepare_fb takes the resv's WRITE fences (R132, DMA_RESV_USAGE_WRITE) and the
 *   commit tail holds the flip until A's fence signals (R133): a fence of A's fence context, waited on
 *   by B's display. The compositor releases a buffer (wl_buffer.release) once a flip replaced it, and
 *   only then may the application render into it again. With `ui`, the compositor also renders its
 *   own layer on B's GPU (implicitly, into ui0) and shows it on plane1 in its first commit, so one
 *   commit waits on fences of both devices.
 * Source: seed 000 "dma-buf between devices/subsystems" ("Sharing between devices?!", "Kernel dmabuf
 *   users: DRM, V4L2, others"); seed 004 "KMS: Implicit sync all the way"; R53, R54, R62, R131-R134.
 * Models: `frames` frames through `buffers` shared BOs; two devices, each a drm_gpu_scheduler with TDR
 *   and its own ring (fence contexts per device: one per entity, R90, and one per ring for hardware
 *   fences); B's KMS with one or two planes, out-fences on; `maxHangs` GPU hangs.
 * Abstracted away (why that is sound): the PRIME import itself (drm_gem_prime_import attaches B to A's
 *   dma-buf and shares its dma_resv: both devices see one `<bo>.resv`, which is what the kernel does for
 *   an imported GEM object, obj->resv = dma_buf->resv); placement and migration of the shared BOs (no
 *   TTM here: a pinned scanout BO has no KERNEL fences to wait on); the winsys protocol (a commit and a
 *   release are one step each); vblank timing (a vblank is modelled only where a flip can happen, so
 *   missed vblanks are not counted: no property here reads them).
 * Variants: `sync: 'explicit-forgot'` (prime-render-offload-explicit-forgot: the render driver runs in
 *   explicit mode, BOOKKEEP, and the compositor never sets the sync_file it got as IN_FENCE_FD) and
 *   `sync: 'explicit-in-fence'` (prime-render-offload-in-fence: it does, R131).
 */
import { defineDesign, defineStep, stepTable, type Expectation, type StepDef } from '../design.ts';
import { ctx, emptyWorld, hasTag, idsOf, setG, spawn, type Json, type World } from '../world.ts';
import { dmaResvMachine, dma_resv_add_fence_atomic, dma_resv_fences, dma_resv_usage_rw } from '../dma-buf/dma-resv.ts';
import { sync_file_create } from '../dma-buf/sync-file-api.ts';
import {
  addEntity,
  addScheduler,
  drmSchedStepTable,
  drm_sched_entity_push_job,
  drm_sched_job_add_dependency,
  drm_sched_job_arm,
  drm_sched_job_init,
} from '../drm-sched/sched-main.ts';
import { drmCrtcMachine, type DrmCrtcContext } from '../display/drm-crtc.ts';
import { drm_crtc_handle_vblank, drm_mode_atomic_ioctl, type AtomicRequest } from '../display/drm-atomic.ts';
import type { AccessRecord } from '../userspace/buffer-sharing.ts';
import { TDR_RECOVERS_EXPECT } from '../drm-sched/tdr-expect.ts';

export interface PrimeConfig {
  /** frames the application renders on device A and presents on device B */
  frames: number;
  /** shared dma-bufs the application cycles through (2: double buffering) */
  buffers: number;
  /**
   * How A's render fence reaches B's KMS: 'implicit' (WRITE in the shared resv, prepare_fb finds it,
   * R62, R132); 'explicit-forgot' (BOOKKEEP, a sync_file handed to the compositor, never set as
   * IN_FENCE_FD: the bug); 'explicit-in-fence' (the sync_file is the plane's IN_FENCE_FD, R131).
   */
  sync: 'implicit' | 'explicit-forgot' | 'explicit-in-fence';
  /** the compositor renders its own layer on device B (ui0, plane1) before its first commit */
  ui: boolean;
  /** GPU hangs per run (either device) */
  maxHangs: number;
  /** drm_sched credit_limit of each device */
  creditLimit: number;
}

/** Device A renders (sched0 on gpu0), device B displays (sched1 on gpu1, crtc0). */
export const DEV_A = { sched: 'sched0', ring: 'gpu0' } as const;
export const DEV_B = { sched: 'sched1', ring: 'gpu1' } as const;
const CRTC = 'crtc0';
const APP = 'app';
const COMP = 'comp';
const UI = 'ui0';
const bo = (b: number) => `bo${b}`;

/** One buffer hand-off on the way to the compositor (wl_surface.commit / PresentPixmap). */
interface Commit {
  frame: number;
  bo: string;
  /** the render's out sync_file (explicit sync), '' with implicit sync */
  fence: string;
}

interface AppState {
  /** next frame to render */
  next: number;
  /** frames presented so far (next - presented is 0 or 1: render, then present) */
  presented: number;
  /** buffers the compositor has released (or never had) */
  free: number[];
}

interface CompState {
  /** its own layer's render was submitted (cfg.ui) */
  uiRendered: boolean;
  /** buffers committed by the application, not yet given to KMS, oldest first */
  inbox: Commit[];
  /** buffers given to KMS and not yet released to the application */
  held: string[];
  /** atomic commits done */
  commits: number;
}

const app = (w: World) => w.g.app as unknown as AppState;
const comp = (w: World) => w.g.comp as unknown as CompState;
const setApp = (w: World, s: AppState) => setG(w, { app: s as unknown as Json });
const setComp = (w: World, s: CompState) => setG(w, { comp: s as unknown as Json });

/**
 * A CS ioctl on one device (R54, R62, R64, R89-R92), as one atomic kernel operation: the job writes
 * `bo`; with implicit sync it waits on the fences a write must wait on (dma_resv_usage_rw(true)) and its
 * finished fence goes into the resv as WRITE; with explicit sync it waits on nothing here and the fence
 * goes in as BOOKKEEP (R53: nobody implicitly waits on it). `out`: an out sync_file of the finished
 * fence (R64). The job is recorded as an access (hazard-free) on its entity's queue.
 */
export function drm_ioctl_cs(
  w: World,
  j: { job: string; entity: string; sched: string; ring: string; seq: number; bo: string; implicit: boolean },
  out = '',
): World {
  const resv = `${j.bo}.resv`;
  const deps = j.implicit ? dma_resv_fences(w, resv, dma_resv_usage_rw(true)) : [];
  w = drm_sched_job_init(w, j.job, j.entity, j.sched);
  for (const d of deps) w = drm_sched_job_add_dependency(w, j.job, d);
  w = drm_sched_job_arm(w, j.job);
  const fin = `${j.job}.finished`;
  w = dma_resv_add_fence_atomic(w, resv, fin, j.implicit ? 'WRITE' : 'BOOKKEEP', j.entity).w;
  w = drm_sched_entity_push_job(w, j.job);
  if (out) w = sync_file_create(w, out, fin);
  const rec: AccessRecord = { proc: j.entity, acc: [[j.bo, 'w']], deps, queue: `${j.entity}@${j.ring}`, seq: j.seq };
  return setG(w, { [`access:${j.job}`]: rec as unknown as Json });
}

function initPrime(cfg: PrimeConfig): World {
  let w = addScheduler(emptyWorld, DEV_A.sched, DEV_A.ring, { timeout: true, creditLimit: cfg.creditLimit });
  w = addScheduler(w, DEV_B.sched, DEV_B.ring, { timeout: true, creditLimit: cfg.creditLimit });
  w = spawn(w, CRTC, drmCrtcMachine, { planes: cfg.ui ? ['plane0', 'plane1'] : ['plane0'] });
  for (let b = 0; b < cfg.buffers; b++) w = spawn(w, `${bo(b)}.resv`, dmaResvMachine, {});
  if (cfg.ui) w = spawn(w, `${UI}.resv`, dmaResvMachine, {});
  w = addEntity(w, `${APP}.ctx`);
  if (cfg.ui) w = addEntity(w, `${COMP}.ctx`);
  w = setApp(w, { next: 0, presented: 0, free: Array.from({ length: cfg.buffers }, (_, b) => b) });
  return setComp(w, { uiRendered: !cfg.ui, inbox: [], held: [], commits: 0 });
}

/** The buffer frame k renders into. */
const bufferOf = (cfg: PrimeConfig, k: number) => k % cfg.buffers;
const explicit = (cfg: PrimeConfig) => cfg.sync !== 'implicit';

/** DRM_IOCTL_CS: the application's render of its next frame on A, or the compositor's own layer on B. */
const cs = defineStep<PrimeConfig, [proc: string]>({
  name: 'DRM_IOCTL_CS',
  role: 'user',
  actor: ([p]) => p,
  params: () => [[APP], [COMP]],
  enabled: (w, [p], cfg) => {
    if (p === COMP) return !comp(w).uiRendered;
    const a = app(w);
    // the compositor submits its own layer at start-up, before any client connects
    return (
      comp(w).uiRendered && a.next === a.presented && a.next < cfg.frames && a.free.includes(bufferOf(cfg, a.next))
    );
  },
  apply: (w, [p], cfg) => {
    if (p === COMP) {
      const j = { job: `${COMP}.j0`, entity: `${COMP}.ctx`, ...DEV_B, seq: 0, bo: UI, implicit: true };
      return setComp(drm_ioctl_cs(w, j), { ...comp(w), uiRendered: true });
    }
    const a = app(w);
    const b = bufferOf(cfg, a.next);
    const job = `${APP}.j${a.next}`;
    const j = { job, entity: `${APP}.ctx`, ...DEV_A, seq: a.next, bo: bo(b), implicit: !explicit(cfg) };
    w = drm_ioctl_cs(w, j, explicit(cfg) ? `${APP}.f${a.next}` : '');
    return setApp(w, { ...a, next: a.next + 1, free: a.free.filter((x) => x !== b) });
  },
  doc: 'R54, R62, R64, R89-R92: render into a shared BO (implicit: WRITE in its resv; explicit: BOOKKEEP + sync_file)',
});

/** wl_surface.commit: the application hands its rendered buffer (and, explicitly, the sync_file) to B. */
const surfaceCommit = defineStep<PrimeConfig, [proc: string]>({
  name: 'wl_surface_commit',
  role: 'user',
  actor: ([p]) => p,
  params: () => [[APP]],
  enabled: (w) => app(w).next === app(w).presented + 1,
  apply: (w, _a, cfg) => {
    const a = app(w);
    const k = a.presented;
    const msg: Commit = { frame: k, bo: bo(bufferOf(cfg, k)), fence: explicit(cfg) ? `${APP}.f${k}` : '' };
    w = setComp(w, { ...comp(w), inbox: [...comp(w).inbox, msg] });
    return setApp(w, { ...a, presented: k + 1 });
  },
  doc: 'the buffer (and its acquire sync_file, explicitly) reaches the compositor on device B',
});

/**
 * The compositor's nonblocking atomic commit on B of the oldest committed buffer (R131-R134): plane0
 * shows it, with the render's sync_file as IN_FENCE_FD only in 'explicit-in-fence'; without one,
 * prepare_fb waits on the shared resv's WRITE fences (R132), A's render fence under implicit sync.
 */
function atomicRequest(w: World, cfg: PrimeConfig, testOnly: boolean): AtomicRequest {
  const c = comp(w);
  const m = c.inbox[0];
  // seeded bug in 'explicit-forgot': the sync_file is at hand but never set as IN_FENCE_FD (R131)
  const inFence = cfg.sync === 'explicit-in-fence' ? m.fence : '';
  const planes = [{ plane: 'plane0', fb: m.bo, inFence }];
  if (cfg.ui && c.commits === 0) planes.push({ plane: 'plane1', fb: UI, inFence: '' });
  return { crtc: CRTC, planes, outFence: true, testOnly };
}

const atomic = defineStep<PrimeConfig, [proc: string]>({
  name: 'DRM_IOCTL_MODE_ATOMIC',
  role: 'user',
  actor: ([p]) => p,
  params: () => [[COMP]],
  enabled: (w, _a, cfg) =>
    // TEST_ONLY: the commit KMS would accept now (-EBUSY while a flip is pending)
    comp(w).uiRendered && comp(w).inbox.length > 0 && drm_mode_atomic_ioctl(w, atomicRequest(w, cfg, true)).ret === 0,
  apply: (w, _a, cfg) => {
    const c = comp(w);
    const r = drm_mode_atomic_ioctl(w, atomicRequest(w, cfg, false));
    if (r.ret) throw new Error(`DRM_IOCTL_MODE_ATOMIC returned ${r.ret}`);
    const [m, ...inbox] = c.inbox;
    return setComp(r.w, { ...c, inbox, held: [...c.held, m.bo], commits: c.commits + 1 });
  },
  doc: 'R131-R134: plane0 <- the buffer; IN_FENCE_FD only when explicit-in-fence, else prepare_fb takes WRITE',
});

/** R133: the vblank at which the pending commit flips (its fences signaled); a flip ends the replaced scanout. */
const vblank = defineStep<PrimeConfig, [crtc: string]>({
  name: 'drm_crtc_handle_vblank',
  role: 'kernel',
  actor: ([c]) => c,
  params: () => [[CRTC]],
  enabled: (w, [c]) => {
    const p = ctx<DrmCrtcContext>(w, c).pending;
    return p !== null && p.waiting.length === 0;
  },
  apply: (w, [c]) => drm_crtc_handle_vblank(w, c),
  doc: 'R133, R134: flip once every fence of the commit signaled; the out-fence signals',
});

/** wl_buffer.release: a buffer no plane shows or is about to show goes back to the application. */
const release = defineStep<PrimeConfig, [proc: string, bo: string]>({
  name: 'wl_buffer_release',
  role: 'user',
  actor: ([p]) => p,
  params: (_w, cfg) => Array.from({ length: cfg.buffers }, (_, b): [string, string] => [COMP, bo(b)]),
  enabled: (w, [, b]) => {
    if (!comp(w).held.includes(b)) return false;
    const k = ctx<DrmCrtcContext>(w, CRTC);
    return !Object.values(k.planes).includes(b) && !Object.values(k.pending?.planes ?? {}).includes(b);
  },
  apply: (w, [, b]) => {
    w = setComp(w, { ...comp(w), held: comp(w).held.filter((x) => x !== b) });
    return setApp(w, { ...app(w), free: [...app(w).free, Number(b.slice(2))].sort((x, y) => x - y) });
  },
  doc: 'R139-like: after the flip that replaced it, the compositor releases the buffer to the application',
});

/** The steps of every PRIME design: userspace, KMS on B, both devices' schedulers and rings. */
export function primeSteps(): StepDef<PrimeConfig>[] {
  const sched = drmSchedStepTable<PrimeConfig>({ maxHangs: (c) => c.maxHangs });
  return [cs, surfaceCommit, atomic, vblank, release, ...Object.values(sched)];
}

/** Frames not shown yet and jobs not finished (no-deadlock). */
function pending(w: World, cfg: PrimeConfig): string[] {
  const out: string[] = [];
  const shown = ctx<DrmCrtcContext>(w, CRTC).flips;
  for (let k = shown; k < cfg.frames; k++) out.push(`frame ${k}`);
  for (const j of idsOf(w, 'drm_sched_job')) if (!hasTag(w, j, 'done')) out.push(j);
  return out;
}

const config = (c: Omit<PrimeConfig, 'sync'>, sync: PrimeConfig['sync']): PrimeConfig => ({ ...c, sync });
/** The scopes every PRIME design shares, for one sync mode. */
export const primeConfigs = (sync: PrimeConfig['sync']): Record<string, PrimeConfig> => ({
  small: config({ frames: 3, buffers: 2, ui: false, maxHangs: 1, creditLimit: 2 }, sync),
  default: config({ frames: 3, buffers: 2, ui: true, maxHangs: 1, creditLimit: 2 }, sync),
  large: config({ frames: 5, buffers: 3, ui: true, maxHangs: 2, creditLimit: 2 }, sync),
});

/** The cells every PRIME design shares; the twins override the ones their sync mode changes. */
export const PRIME_EXPECT: Record<string, Expectation> = {
  ...TDR_RECOVERS_EXPECT,
  'one-shot': { verdict: 'holds', why: 'each fence has one signalling path: its ring, its job, its flip (R4)' },
  'acyclic-waits': {
    verdict: 'holds',
    why: "B's flip waits on A's render, which waits only on earlier renders of the same buffer (R54, R133)",
  },
  'finite-time': {
    verdict: 'holds',
    why: "kernel fences only: each device's TDR bounds a hang, and a flip follows its fences (R20, R133)",
  },
  'context-order': {
    verdict: 'holds',
    why: 'one entity per device, each on its own in-order ring: per-device contexts signal in order (R90, R97, I4)',
  },
  'displayed-content-complete': {
    verdict: 'holds',
    why: "prepare_fb takes the shared resv's WRITE fences, A's render fence among them; the flip waits (R132, R133)",
  },
  'hazard-free': {
    verdict: 'holds',
    why:
      "B's scanout waits on A's WRITE fence (R132); A writes a buffer again only after B released it, which is after " +
      'the flip that ended its scanout (R134)',
  },
  'errors-propagate': {
    verdict: 'violates',
    why:
      "KMS ignores a fence's error: after A's TDR completes the render with -ETIME (R99), prepare_fb's fence has " +
      'signaled and B flips the half-rendered buffer (drm_atomic_helper_wait_for_fences only waits, R133)',
  },
  'innocent-context-survives': {
    verdict: 'holds',
    why:
      "two devices, two schedulers: a reset on one device cancels only that device's jobs (R101, R102), and each " +
      'device runs one entity, so only the guilty one is harmed (R20)',
  },
  'no-deadlock': {
    verdict: 'holds',
    why: 'every frame is shown: renders complete or time out, each flip follows its fences',
  },
  'no-priority-inversion': {
    verdict: 'n/a',
    why: 'one NORMAL entity per device: ready entities of different priorities never compete for a ring',
  },
  'out-fence-once': { verdict: 'holds', why: 'one out-fence per commit, signaled by its flip only (R134)' },
};

/** Explicit sync hands out sync_files (R64): their fence never changes. */
export const SNAPSHOT_STABLE: Expectation = {
  verdict: 'holds',
  why: "the render's out sync_file keeps the fence it was created with (R64, I17)",
};

export const primeBase = {
  source:
    'seed 000 "dma-buf between devices/subsystems" ("Sharing between devices?!"); seed 004 "KMS: Implicit sync all ' +
    'the way"; R53, R54, R62, R131-R134',
  bounds: {
    exhaustive: { config: 'default', depth: 80, maxStates: 500_000 },
    random: { config: 'large', depth: 120, runs: 200 },
  },
  init: initPrime,
  steps: stepTable(primeSteps()),
  pending,
};

export default defineDesign<PrimeConfig>({
  ...primeBase,
  name: 'prime-render-offload',
  summary:
    "Render on device A's drm_sched, scan out on device B's KMS through a shared dma-buf: A's render fence is the " +
    "resv's WRITE fence, and B's prepare_fb waits on it.",
  configs: primeConfigs('implicit'),
  expect: PRIME_EXPECT,
});
