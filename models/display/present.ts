/**
 * Presenting frames: clients -> display server -> KMS, as atomic world operations shared by the
 * present-* designs (seed 000 display part; seed 002 §2.1; R62, R129, R131-R141, R145).
 *
 * Data flows forward (client renders, presents; the compositor latches; KMS flips) and timing flows
 * backward (vblank -> 'paint now' -> the compositor's decision). Three ways to carry the fences:
 * - 'implicit': the render fence travels in the dma-buf's resv as WRITE (R62); X11 PresentPixmap with an
 *   xshmfence idle fence as release; KMS gets no in-fence and uses the WRITE fences (R132).
 * - 'syncobj': linux-drm-syncobj-v1: acquire/release points on one timeline per buffer (as Mesa's WSI
 *   does), acquire = 2k+1 and release = 2k+2 for frame k (R138: acquire < release on one timeline).
 * - 'submit-return': seed 002's Present request with a submit and a return fence; the kernel knows who
 *   owes which and signals a crashed side's fences.
 *
 * Timelines (syncobj mode) are real timeline drm_syncobjs, one per buffer (`<buf>.tl`, as Mesa's WSI
 * does), with their dma_fence_chain (models/drm-syncobj/drm-syncobj.ts, models/drm-syncobj/drm-syncobj-api.ts):
 * - the acquire point is added by the render submission: the job's finished fence becomes chain node
 *   2k+1 (R82, drm_syncobj_add_point at the end of the CS ioctl);
 * - the release point is DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL at 2k+2 (R83: the stub as a new node);
 * - on wl_surface.commit the compositor arms DRM_IOCTL_SYNCOBJ_EVENTFD with WAIT_AVAILABLE on the
 *   acquire point (R87, R141: how wlroots learns that a wait-before-signal point materialized); the
 *   eventfd being readable is its notion of "materialized", the chain node's state that of "signalled";
 * - the KMS in-fence is a sync_file exported from the materialized point (HANDLE_TO_FD with
 *   EXPORT_SYNC_FILE, R74; R141: wlroots refuses to export an unmaterialized point);
 * - the naive compositor's CPU wait is DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT with WAIT_FOR_SUBMIT (R84).
 * Readiness checks read the chain without garbage-collecting (R46: GC never changes signalled-ness);
 * drm_syncobj_add_point and the export collect as the kernel does.
 */
import type { World, Json } from '../world.ts';
import { ctx, has, must, send, spawn, setG, tell, idsOf, hasTag, stateOf } from '../world.ts';
import { dmaFenceMachine, isSignaled, type DmaFenceContext } from '../dma-buf/dma-fence.ts';
import { dmaResvMachine, dma_resv_test_signaled } from '../dma-buf/dma-resv.ts';
import { gpuRingMachine } from '../gpu/gpu-ring.ts';
import { drmCrtcMachine, type DrmCrtcContext } from './drm-crtc.ts';
import { compositorMachine, type CompositorContext, type SurfaceCommit } from './compositor.ts';
import { presentClientMachine, type PresentClientContext } from './present-client.ts';
import { wpLinuxDrmSyncobjSurfaceMachine } from './wp-linux-drm-syncobj-surface.ts';
import { xshmfenceMachine } from './xshmfence.ts';
import { eventfdMachine, type EventfdContext } from '../drm-syncobj/eventfd.ts';
import { dma_resv_add_fence_locked } from '../drm-sched/implicit-sync.ts';
import { drm_mode_atomic_ioctl, drm_crtc_handle_vblank } from './drm-atomic.ts';
import { drm_syncobj_create, drm_syncobj_add_point, drm_syncobj_point_fence, drm_syncobj_find_fence, drm_syncobj_eventfd_entries, dma_fence_get_stub, freshId, DMA_FENCE_STUB } from '../drm-syncobj/drm-syncobj-api.ts';
import { sync_file_create, sync_file_release } from '../dma-buf/sync-file-api.ts';
import type { StepDef } from '../design.ts';

export const EOWNERDEAD = -130;

export type SyncMode = 'implicit' | 'syncobj' | 'submit-return';
/**
 * The compositor's choice at paint (seed 000 "vblank + frame + WBS"):
 * - 'naive': the newest commit, then wait on its acquire fence (a CPU wait);
 * - 'transaction': commits in order, each once its acquire signaled (Mutter/KWin transactions): a
 *   newer commit that is ready waits behind an older one that is not;
 * - 'late-binding': the newest commit whose acquire signaled, else keep the previous buffer;
 * - readiness of an implicit buffer is poll(EPOLLIN) on the dma-buf (R129).
 */
export type PaintPolicy = 'naive' | 'transaction' | 'late-binding';

export interface PresentConfig {
  clients: number;
  frames: number;
  buffers: number;
  /** vblanks in a run (after that the display only finishes a pending flip). */
  vblanks: number;
  /** GPU queues per client; frame k renders on queue k mod queues, so frames may finish out of order. */
  queues: number;
  /** clients may present before submitting the render (R141, R145). */
  wbs: boolean;
  sync: SyncMode;
  policy: PaintPolicy;
  /** fault budgets per run. */
  clientCrashes: number;
  compositorCrashes: number;
  /** crashes of any kind per run (default: no total limit beyond the two budgets). */
  maxCrashes?: number;
  /** submit-return: the kernel signals a crashed side's fences (seed 002); false only to show it matters. */
  crashRecovery?: boolean;
}

export const CRTC = 'crtc0';
export const COMPOSITOR = 'compositor';
export const clientId = (i: number) => `client${i}`;
export const bufId = (client: string, b: number) => `${client}.buf${b}`;
export const planeOf = (client: string) => `plane${client.slice(6)}`;
/** The render job of frame k is `${client}.j${k}` (hazard-free's job naming); its completion fence: */
export const renderJob = (client: string, k: number) => `${client}.j${k}`;
export const renderFence = (client: string, k: number) => `${renderJob(client, k)}.finished`;
export const submitFence = (client: string, k: number) => `${client}.f${k}.submit`;
export const returnFence = (client: string, k: number) => `${client}.f${k}.return`;
const tlOf = (buf: string) => `${buf}.tl`;
export const ringOf = (client: string, q: number) => `${client}.gpu${q}`;

// ---- timeline drm_syncobj (R74, R81-R87) ---------------------------------------------------------

/** R83 DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL on one syncobj and point: dma_fence_get_stub() added as a new point (R82). */
export function syncobj_timeline_signal(w: World, syncobj: string, p: number): World {
  w = dma_fence_get_stub(w);
  return drm_syncobj_add_point(w, syncobj, DMA_FENCE_STUB, p).w;
}

/**
 * R81/R84: has point p of the syncobj signalled? Materialized (find_seqno succeeds on the head) and the
 * fence that represents it, a chain node, signalled: by R45 that is "every point up to p signalled".
 * A garbage-collected point is the (signalled) stub (R78). Pure: no GC.
 */
export function syncobj_point_signaled(w: World, syncobj: string, p: number): boolean {
  const f = drm_syncobj_point_fence(w, syncobj, p);
  return f !== null && (f === DMA_FENCE_STUB || isSignaled(w, f));
}

/** The eventfd the compositor armed (R87, WAIT_AVAILABLE) for an acquire point. */
export const availableEventfd = (syncobj: string, p: number) => `${syncobj}@${p}.available`;

/**
 * The compositor's wl_surface.commit handler for an acquire point (R141, wlroots' syncobj waiter):
 * eventfd(2), then DRM_IOCTL_SYNCOBJ_EVENTFD with WAIT_AVAILABLE; drm_syncobj_add_eventfd runs the
 * entry at once, so an already materialized point fires immediately (R87).
 */
function arm_available(w: World, syncobj: string, p: number): World {
  const efd = availableEventfd(syncobj, p);
  if (has(w, efd)) return w;
  w = spawn(w, efd, eventfdMachine, {});
  w = must(w, syncobj, { type: 'DRM_SYNCOBJ_ADD_EVENTFD', eventfd: efd, point: p, available: true });
  return drm_syncobj_eventfd_entries(w, syncobj);
}

// ---- handles -----------------------------------------------------------------------------------

function parsePoint(h: string): [string, number] {
  const at = h.lastIndexOf('@');
  return [h.slice(3, at), Number(h.slice(at + 1))];
}

export type Readiness = 'ready' | 'error' | 'pending' | 'unmaterialized';

/** Is a commit's content complete? (R139 the acquire point; R129 EPOLLIN on an implicit dma-buf; 002 submit fence.) */
export function acquireState(w: World, s: SurfaceCommit): Readiness {
  if (s.acquire === '') return dma_resv_test_signaled(w, `${s.buf}.resv`, 'WRITE') ? 'ready' : 'pending';
  if (s.acquire.startsWith('tl:')) {
    const [tl, p] = parsePoint(s.acquire);
    // R141/R87: the WAIT_AVAILABLE eventfd is readable once the point materialized (armed at commit).
    const efd = availableEventfd(tl, p);
    if (!has(w, efd) || ctx<EventfdContext>(w, efd).signals === 0) return 'unmaterialized';
    return syncobj_point_signaled(w, tl, p) ? 'ready' : 'pending';
  }
  if (!isSignaled(w, s.acquire)) return 'pending';
  return ctx<DmaFenceContext>(w, s.acquire).error ? 'error' : 'ready';
}

/**
 * What the compositor hands KMS as IN_FENCE_FD ('' = none: implicit, R132). For an acquire point: a
 * sync_file exported from it (HANDLE_TO_FD with EXPORT_SYNC_FILE|TIMELINE, R74: drm_syncobj_find_fence
 * with flags 0), which fails on an unmaterialized point (R78, R141: wlroots never exports one); the
 * compositor closes the fd after the atomic ioctl (`close` lists them).
 */
function inFenceOf(w: World, s: SurfaceCommit): { w: World; inFence: string; close: string[] } {
  if (s.acquire === '') return { w, inFence: '', close: [] };
  if (!s.acquire.startsWith('tl:')) return { w, inFence: s.acquire, close: [] };
  const [tl, p] = parsePoint(s.acquire);
  const r = drm_syncobj_find_fence(w, tl, p, 0);
  if (r.ret) throw new Error(`HANDLE_TO_FD(EXPORT_SYNC_FILE) of ${s.acquire}: ${r.ret} (R74, R141: exported before it materialized)`);
  const file = freshId(r.w, `${tl}@${p}.sync_file`);
  return { w: sync_file_create(r.w, file, r.fence!), inFence: file, close: [file] };
}

/** The client a fence belongs to (its owner is the client or one of its jobs), or null. */
export function fenceClient(w: World, f: string): string | null {
  if (!has(w, f)) return null;
  const o = ctx<DmaFenceContext>(w, f).owner;
  return idsOf(w, 'present_client').find((c) => o === c || o.startsWith(`${c}.`)) ?? null;
}

/** Has this commit's release been signaled? (R139 release point, xshmfence trigger, 002 return fence.) */
export function releaseSignaled(w: World, release: string): boolean {
  if (release.startsWith('tl:')) return syncobj_point_signaled(w, ...parsePoint(release));
  return hasTag(w, release, 'signaled');
}

/** The release handle of frame k of `client` in buffer `buf` under `mode`. */
export function releaseHandle(mode: SyncMode, client: string, buf: string, k: number): string {
  if (mode === 'syncobj') return `tl:${tlOf(buf)}@${2 * k + 2}`;
  if (mode === 'implicit') return `${buf}.idle`;
  return returnFence(client, k);
}

function acquireHandle(mode: SyncMode, client: string, buf: string, k: number): string {
  if (mode === 'syncobj') return `tl:${tlOf(buf)}@${2 * k + 1}`;
  if (mode === 'implicit') return '';
  return submitFence(client, k);
}

/** A buffer the client may write: not the frame in progress, and its last commit released (R139). */
export function bufferFree(w: World, mode: SyncMode, client: string, b: number): boolean {
  const c = ctx<PresentClientContext>(w, client);
  if (c.cur && c.cur.buf === b) return false;
  const k = c.lastFrame[b];
  return k < 0 || releaseSignaled(w, releaseHandle(mode, client, bufId(client, b), k));
}

/** Frames whose render into `buf` is still executing on the GPU (a write in flight). */
export function writesInFlight(w: World, client: string, b: number): number[] {
  const c = ctx<PresentClientContext>(w, client);
  const ks = [c.lastFrame[b]];
  if (c.cur && c.cur.buf === b && c.cur.rendered) ks.push(c.cur.frame);
  return ks.filter((k) => k >= 0 && has(w, renderFence(client, k)) && !isSignaled(w, renderFence(client, k)));
}

/** Commits the display pipeline still reads: latched or on screen, while the compositor or a plane holds them. */
export function commitsInUse(w: World): SurfaceCommit[] {
  if (!has(w, COMPOSITOR)) return [];
  const c = ctx<CompositorContext>(w, COMPOSITOR);
  const alive = !hasTag(w, COMPOSITOR, 'crashed');
  const k = ctx<DrmCrtcContext>(w, CRTC);
  const scanned = new Set([...Object.values(k.planes), ...Object.values(k.pending?.planes ?? {})]);
  return [...Object.values(c.latched), ...Object.values(c.onScreen)].filter((s) => alive || scanned.has(s.buf));
}

// ---- world ---------------------------------------------------------------------------------------

export function initPresent(cfg: PresentConfig): World {
  const clients = Array.from({ length: cfg.clients }, (_, i) => clientId(i));
  let w: World = { o: {}, g: {} };
  w = spawn(w, CRTC, drmCrtcMachine, { planes: clients.map(planeOf) });
  w = spawn(w, COMPOSITOR, compositorMachine, {});
  for (const c of clients) {
    w = spawn(w, c, presentClientMachine, { frames: cfg.frames, buffers: cfg.buffers, wbs: cfg.wbs && cfg.sync !== 'implicit' });
    for (let q = 0; q < cfg.queues; q++) w = spawn(w, ringOf(c, q), gpuRingMachine, {});
    if (cfg.sync === 'syncobj') w = spawn(w, `${c}.surface`, wpLinuxDrmSyncobjSurfaceMachine, { client: c, compositor: COMPOSITOR });
    for (let b = 0; b < cfg.buffers; b++) {
      // DRM_IOCTL_SYNCOBJ_CREATE (R72, no flags: NULL payload), imported by the compositor (R136).
      if (cfg.sync === 'syncobj') w = drm_syncobj_create(w, tlOf(bufId(c, b)));
      if (cfg.sync === 'implicit') {
        w = spawn(w, `${bufId(c, b)}.resv`, dmaResvMachine, {});
        w = spawn(w, `${bufId(c, b)}.idle`, xshmfenceMachine, {});
      }
    }
  }
  return w;
}

const vblankOf = (w: World) => ctx<DrmCrtcContext>(w, CRTC).vblanks;
const g = (w: World, k: string) => (w.g[k] as number | undefined) ?? 0;

/** The buffer the client's next render or present uses: the frame in progress, else the lowest free one. */
function nextBuffer(w: World, mode: SyncMode, client: string): number {
  const c = ctx<PresentClientContext>(w, client);
  if (c.cur) return c.cur.buf;
  for (let b = 0; b < c.buffers; b++) if (bufferFree(w, mode, client, b)) return b;
  return -1;
}

/** The client submits the render of its current (or next) frame: one GPU job writing the buffer. */
export function client_render(w: World, cfg: PresentConfig, client: string): World | null {
  const c = ctx<PresentClientContext>(w, client);
  if (hasTag(w, client, 'crashed')) return null;
  const b = nextBuffer(w, cfg.sync, client);
  if (b < 0) return null;
  const k = c.cur ? c.cur.frame : c.next;
  const next = send(w, client, { type: 'CLIENT_RENDER', buf: b, vblank: vblankOf(w) });
  if (!next) return null;
  w = next;
  const f = renderFence(client, k);
  w = spawn(w, f, dmaFenceMachine, { context: 100 + Number(client.slice(6)), seqno: k + 1, ops: 'render', owner: renderJob(client, k) });
  w = must(w, ringOf(client, k % cfg.queues), { type: 'GPU_RING_EMIT', fence: f });
  const buf = bufId(client, b);
  // Ghost record for hazard-free (models/userspace/buffer-sharing.ts AccessRecord): the job writes `buf` and
  // the GPU waits on nothing (the client waited for the buffer's release on the CPU).
  w = setG(w, { [`access:${renderJob(client, k)}`]: { proc: client, acc: [[buf, 'w']], deps: [] } });
  if (cfg.sync === 'implicit') w = dma_resv_add_fence_locked(w, buf, f, 'WRITE', client); // R62
  if (cfg.sync === 'syncobj') w = drm_syncobj_add_point(w, tlOf(buf), f, 2 * k + 1).w; // R82: the job's fence materializes the acquire point
  return w;
}

/** The client presents its current (or, wait-before-signal, next) frame. */
export function client_present(w: World, cfg: PresentConfig, client: string): World | null {
  if (hasTag(w, client, 'crashed')) return null;
  const c = ctx<PresentClientContext>(w, client);
  const b = nextBuffer(w, cfg.sync, client);
  if (b < 0) return null;
  const k = c.cur ? c.cur.frame : c.next;
  const next = send(w, client, { type: 'CLIENT_PRESENT', buf: b });
  if (!next) return null;
  w = next;
  const buf = bufId(client, b);
  const commit: SurfaceCommit = { client, buf, frame: k, acquire: acquireHandle(cfg.sync, client, buf, k), release: releaseHandle(cfg.sync, client, buf, k) };
  if (cfg.sync === 'syncobj') {
    const s = `${client}.surface`;
    w = must(w, s, { type: 'WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_SET_ACQUIRE_POINT', timeline: tlOf(buf), point: 2 * k + 1 });
    w = must(w, s, { type: 'WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_SET_RELEASE_POINT', timeline: tlOf(buf), point: 2 * k + 2 });
    w = must(w, s, { type: 'WL_SURFACE_ATTACH', buf, frame: k, explicitSync: true });
    w = must(w, s, { type: 'WL_SURFACE_COMMIT' });
    return hasTag(w, COMPOSITOR, 'crashed') ? w : arm_available(w, tlOf(buf), 2 * k + 1); // R141
  }
  if (cfg.sync === 'implicit') {
    w = must(w, commit.release, { type: 'XSHMFENCE_RESET' });
    return tell(w, COMPOSITOR, { type: 'PRESENT_PIXMAP', commit: commit as unknown as Json });
  }
  // seed 002 §2.1: both fences start unsignaled; the producer owes the submit, the consumer the return.
  w = spawn(w, commit.acquire, dmaFenceMachine, { context: 300 + Number(client.slice(6)), seqno: k + 1, ops: 'present.submit', signaller: 'user', owner: client, published: true });
  w = spawn(w, commit.release, dmaFenceMachine, { context: 400 + Number(client.slice(6)), seqno: k + 1, ops: 'present.return', signaller: 'user', owner: COMPOSITOR, published: true });
  if (hasTag(w, COMPOSITOR, 'crashed')) return cfg.crashRecovery === false ? w : kernel_signal_owed(w, COMPOSITOR, [commit.release]); // the consumer is gone
  return must(w, COMPOSITOR, { type: 'WL_SURFACE_COMMIT', commit: commit as unknown as Json });
}

/** Seed 002: the kernel signals the fences a crashed process owed, with an error. */
export function kernel_signal_owed(w: World, owner: string, only?: string[]): World {
  for (const id of only ?? idsOf(w, 'dma_fence')) {
    const f = ctx<DmaFenceContext>(w, id);
    if (f.owner !== owner || f.signaller !== 'user' || isSignaled(w, id)) continue;
    w = must(w, id, { type: 'DMA_FENCE_SET_ERROR', error: EOWNERDEAD });
    w = must(w, id, { type: 'DMA_FENCE_SIGNAL' });
  }
  return w;
}

/** R139: release the commits the compositor no longer uses. */
function release_commits(w: World, mode: SyncMode): World {
  const rel = ctx<CompositorContext>(w, COMPOSITOR).toRelease;
  if (!rel.length) return w;
  for (const s of rel) {
    if (mode === 'syncobj') w = syncobj_timeline_signal(w, ...parsePoint(s.release)); // R83
    else if (mode === 'implicit') w = must(w, s.release, { type: 'XSHMFENCE_TRIGGER' });
    else if (!isSignaled(w, s.release)) w = must(w, s.release, { type: 'DMA_FENCE_SIGNAL' });
  }
  return must(w, COMPOSITOR, { type: 'COMPOSITOR_RELEASED' });
}

/** The late-binding decision for one surface: how many queued commits to take, and whether the last is shown. */
export function decide(w: World, policy: PaintPolicy, q: SurfaceCommit[]): { n: number; use: boolean } {
  if (policy === 'naive') return { n: q.length, use: true };
  const st = q.map((s) => acquireState(w, s));
  const upto = policy === 'transaction' ? (st.findIndex((r) => r === 'pending' || r === 'unmaterialized') + 1 || st.length + 1) - 1 : st.length;
  for (let i = upto - 1; i >= 0; i--) if (st[i] === 'ready') return { n: i + 1, use: true };
  // Nothing ready: drop leading commits whose content will never come (the kernel signalled an error).
  let e = 0;
  while (e < st.length && st[e] === 'error') e++;
  return { n: e, use: false };
}

/** compositor_paint: decide per surface, wait (naive) or commit to KMS, release what is no longer used. */
export function compositor_paint(w: World, cfg: PresentConfig): World | null {
  if (stateOf(w, COMPOSITOR) !== 'painting') return null;
  for (const client of idsOf(w, 'present_client')) {
    for (let round = 0; round < 2; round++) {
      const q = ctx<CompositorContext>(w, COMPOSITOR).queue[client] ?? [];
      const { n, use } = decide(w, cfg.policy, q);
      if (n > 0) w = must(w, COMPOSITOR, { type: 'COMPOSITOR_LATCH', client, n, use });
    }
  }
  const c = ctx<CompositorContext>(w, COMPOSITOR);
  const latched = Object.values(c.latched);
  const late = latched.find((s) => acquireState(w, s) !== 'ready');
  if (late) {
    // seeded in present-vblank-naive only: the other policies never latch an unready commit.
    w = must(w, COMPOSITOR, { type: 'COMPOSITOR_STALL', client: late.client, on: late.acquire || `${late.buf}.resv` });
  } else if (latched.length) {
    const planes = [];
    const close: string[] = [];
    for (const s of latched) {
      const x = inFenceOf(w, s);
      w = x.w;
      close.push(...x.close);
      planes.push({ plane: planeOf(s.client), fb: s.buf, inFence: x.inFence });
    }
    const r = drm_mode_atomic_ioctl(w, { crtc: CRTC, outFence: true, event: COMPOSITOR, planes });
    if (r.ret !== 0) throw new Error(`compositor's atomic commit failed: ${r.ret}`);
    w = r.w;
    for (const f of close) w = sync_file_release(w, f); // close(in_fence_fd): KMS holds its own reference (R131)
    w = must(w, COMPOSITOR, { type: 'COMPOSITOR_COMMITTED' });
  } else {
    w = must(w, COMPOSITOR, { type: 'COMPOSITOR_NOTHING_NEW' });
  }
  return release_commits(w, cfg.sync);
}

/**
 * Was the vblank that `before` -> `after` ends a missed one? Nothing flipped at it, the compositor is
 * alive (the metrics leave faults out), and either
 * - the display path was waiting on a client: the compositor is stalled on a client fence, or the
 *   paint cycle still in progress (or the one for this vblank) waited on one; or KMS holds the
 *   pending flip on a client's fence (R133); or
 * - the compositor had made its decision for this vblank (painted and committed, or found nothing
 *   new) while some client had a committed frame newer than the one it has on screen whose content
 *   was complete (acquire signalled, R139), and showed none.
 * A vblank that comes before the compositor even decided (its 'paint now' timer or its paint not run
 * yet, with no client wait involved) is the model's free timer scheduling, not the design: not counted.
 */
export function missedVblank(before: World, after: World): boolean {
  const kb = ctx<DrmCrtcContext>(before, CRTC), ka = ctx<DrmCrtcContext>(after, CRTC);
  if (ka.flips !== kb.flips || ka.vblanks === kb.vblanks || hasTag(before, COMPOSITOR, 'crashed')) return false;
  const c = ctx<CompositorContext>(before, COMPOSITOR);
  const st = stateOf(before, COMPOSITOR);
  if (st === 'stalled' || (c.waited && (st === 'painting' || c.waited.frame === ka.vblanks))) return true;
  if (kb.pending?.waiting.some((f) => fenceClient(before, f) !== null)) return true;
  if (c.frame !== ka.vblanks || st === 'painting') return false;
  for (const [client, q] of Object.entries(c.queue)) {
    const shown = c.onScreen[client]?.frame ?? -1;
    if ([...q, ...(c.latched[client] ? [c.latched[client]] : [])].some((s) => s.frame > shown && acquireState(before, s) === 'ready')) return true;
  }
  return false;
}

/** The vblank: the pending commit flips if its fences signaled; flip-done releases what it replaced. */
export function drm_crtc_vblank(w: World, cfg: PresentConfig): World {
  const w0 = w;
  const before = ctx<DrmCrtcContext>(w, CRTC).flips;
  w = drm_crtc_handle_vblank(w, CRTC);
  // ghost for the missed-vblanks metric: vblanks with a newer ready frame or a client wait and no flip
  if (missedVblank(w0, w)) w = setG(w, { missedVblanks: g(w, 'missedVblanks') + 1 });
  const k = ctx<DrmCrtcContext>(w, CRTC);
  if (k.flips === before || hasTag(w, COMPOSITOR, 'crashed')) return w;
  for (const s of Object.values(ctx<CompositorContext>(w, COMPOSITOR).onScreen)) w = tell(w, s.client, { type: 'CLIENT_FRAME_SHOWN', frame: s.frame, vblank: k.vblanks });
  return release_commits(w, cfg.sync);
}

/** drm_file_release of the crashed compositor: its planes go dark, then seed 002's kernel signals the return fences. */
export function drm_file_release(w: World, cfg: PresentConfig): World | null {
  if (!hasTag(w, COMPOSITOR, 'crashed') || w.g.compositorReleased || ctx<DrmCrtcContext>(w, CRTC).pending) return null;
  const fbs = idsOf(w, 'present_client').flatMap((c) => Array.from({ length: cfg.buffers }, (_, b) => bufId(c, b)));
  w = tell(w, CRTC, { type: 'DRM_FB_RELEASE', fbs });
  if (cfg.sync === 'submit-return' && cfg.crashRecovery !== false) w = kernel_signal_owed(w, COMPOSITOR);
  return setG(w, { compositorReleased: true });
}

// ---- steps ---------------------------------------------------------------------------------------

const crashesLeft = (w: World, cfg: PresentConfig) => g(w, 'clientCrashes') + g(w, 'compositorCrashes') < (cfg.maxCrashes ?? Infinity);
const clients = (w: World) => idsOf(w, 'present_client').map((c) => [c]);

/** The step table of a present design; names read as a compositor author's story. */
export function presentSteps(cfg0: PresentConfig): StepDef<PresentConfig>[] {
  const presentName = cfg0.sync === 'syncobj' ? 'wl_surface_commit' : cfg0.sync === 'implicit' ? 'xcb_present_pixmap' : 'present_request';
  const steps: StepDef<PresentConfig>[] = [
    {
      name: 'client_render', role: 'user', actor: ([c]) => String(c), params: clients,
      apply: (w, [c], cfg) => client_render(w, cfg, c as string),
      doc: 'the client submits a frame\'s rendering into a free buffer (R62 implicit: WRITE fence; syncobj: materializes the acquire point)',
    },
    {
      name: presentName, role: 'user', actor: ([c]) => String(c), params: clients,
      apply: (w, [c], cfg) => client_present(w, cfg, c as string),
      doc: 'the client presents the buffer (R137, R138; 002 §2.1); with wait-before-signal before its render (R141, R145)',
    },
    {
      name: 'gpu_render_done', role: 'gpu', actor: ([r]) => String(r),
      params: (w) => idsOf(w, 'gpu_ring').map((r) => [r]),
      apply: (w, [r]) => send(w, r as string, { type: 'GPU_RING_COMPLETE' }),
      doc: 'the oldest render job on a client\'s GPU queue finishes: its fence signals (a slow client is one whose job finishes late)',
    },
    {
      name: 'compositor_paint_now', role: 'timer', actor: () => COMPOSITOR,
      enabled: (w, _a, cfg) => { const k = ctx<DrmCrtcContext>(w, CRTC); return k.vblanks < cfg.vblanks && ctx<CompositorContext>(w, COMPOSITOR).frame <= k.vblanks; },
      apply: (w) => send(w, COMPOSITOR, { type: 'COMPOSITOR_PAINT_NOW', frame: vblankOf(w) + 1 }),
      doc: "seed 000: the 'paint now' timer ahead of the next vblank (once per vblank interval)",
    },
    {
      name: 'compositor_paint', role: 'kernel', actor: () => COMPOSITOR,
      apply: (w, _a, cfg) => compositor_paint(w, cfg),
      doc: 'seed 000: the decision just before paint, then drm_atomic_commit with IN_FENCE_FD/OUT_FENCE_PTR (R131-R134)',
    },
    {
      name: 'compositor_wait_done', role: 'kernel', actor: () => COMPOSITOR,
      enabled: (w) => stateOf(w, COMPOSITOR) === 'stalled',
      apply: (w) => {
        const all = Object.values(ctx<CompositorContext>(w, COMPOSITOR).latched);
        if (all.some((x) => acquireState(w, x) !== 'ready')) return null;
        return send(w, COMPOSITOR, { type: 'COMPOSITOR_WAIT_DONE' });
      },
      doc: 'the compositor\'s wait on the client fence returns (it signaled)',
    },
    {
      name: 'drm_crtc_vblank', role: 'timer', actor: () => CRTC,
      enabled: (w, _a, cfg) => { const k = ctx<DrmCrtcContext>(w, CRTC); return k.vblanks < cfg.vblanks || k.pending !== null; },
      apply: (w, _a, cfg) => drm_crtc_vblank(w, cfg),
      doc: 'vblank: the pending commit flips if its fences signaled (R133), the out-fence signals (R134), flip-done releases (R139)',
    },
  ];
  if (cfg0.sync === 'submit-return') {
    steps.push({
      name: 'client_signal_submit', role: 'user', actor: ([c]) => String(c),
      params: (w) => idsOf(w, 'present_client').flatMap((c) => Array.from({ length: ctx<PresentClientContext>(w, c).frames }, (_, k) => [c, k])),
      enabled: (w, [c, k]) => has(w, submitFence(c as string, k as number)) && !isSignaled(w, submitFence(c as string, k as number)) && has(w, renderFence(c as string, k as number)) && isSignaled(w, renderFence(c as string, k as number)) && !hasTag(w, c as string, 'crashed'),
      apply: (w, [c, k]) => send(w, submitFence(c as string, k as number), { type: 'DMA_FENCE_SIGNAL' }),
      doc: 'seed 002 §2.1: the producer signals the submit fence once it finished drawing',
    });
  }
  steps.push(
    {
      name: 'client_crash', role: 'fault', actor: ([c]) => String(c), params: clients,
      enabled: (w, [c], cfg) => g(w, 'clientCrashes') < cfg.clientCrashes && crashesLeft(w, cfg) && !hasTag(w, c as string, 'crashed'),
      apply: (w, [c], cfg) => {
        w = must(w, c as string, { type: 'CLIENT_CRASH' });
        if (cfg.sync === 'submit-return' && cfg.crashRecovery !== false) w = kernel_signal_owed(w, c as string); // seed 002: the kernel signals the submit fence
        return setG(w, { clientCrashes: g(w, 'clientCrashes') + 1 });
      },
      doc: 'the client process dies (seed 002 §2.1 deadlock mitigation)',
    },
    {
      name: 'compositor_crash', role: 'fault', actor: () => COMPOSITOR,
      enabled: (w, _a, cfg) => g(w, 'compositorCrashes') < cfg.compositorCrashes && crashesLeft(w, cfg),
      apply: (w) => {
        const n = send(w, COMPOSITOR, { type: 'COMPOSITOR_CRASH' });
        return n && setG(n, { compositorCrashes: g(w, 'compositorCrashes') + 1 });
      },
      doc: 'the compositor process dies',
    },
    {
      name: 'drm_file_release', role: 'kernel', actor: () => 'kernel',
      apply: (w, _a, cfg) => drm_file_release(w, cfg),
      doc: 'the kernel closes the dead compositor\'s DRM file: planes off, then (002) its return fences signalled',
    },
  );
  return steps;
}

/** Frame latency: mean vblanks from a frame's render submission to its first scanout, over shown frames (-1: none shown). */
export function frameLatency(w: World): number {
  let sum = 0, n = 0;
  for (const c of idsOf(w, 'present_client')) {
    const x = ctx<PresentClientContext>(w, c);
    x.shownAt.forEach((s, k) => { if (s >= 0 && x.renderedAt[k] >= 0) { sum += s - x.renderedAt[k]; n++; } });
  }
  return n ? sum / n : -1;
}

/** The largest render-to-scanout latency of any shown frame, in vblanks (-1: none shown). */
export function maxFrameLatency(w: World): number {
  let worst = -1;
  for (const c of idsOf(w, 'present_client')) {
    const x = ctx<PresentClientContext>(w, c);
    x.shownAt.forEach((s, k) => { if (s >= 0 && x.renderedAt[k] >= 0) worst = Math.max(worst, s - x.renderedAt[k]); });
  }
  return worst;
}

/**
 * Missed vblanks: vblanks at which nothing new was shown although some client had a newer committed
 * frame whose content was complete, or because the compositor (or KMS, R133) was waiting on a client
 * fence (lower is better; a late-binding compositor misses only frames that completed after its
 * decision).
 */
export function missedVblanks(w: World): number {
  return g(w, 'missedVblanks');
}

/** Frames shown over frames presented (a measure of skipped frames). */
export function framesShown(w: World): number {
  let n = 0;
  for (const c of idsOf(w, 'present_client')) n += ctx<PresentClientContext>(w, c).shownAt.filter((s) => s >= 0).length;
  return n;
}
