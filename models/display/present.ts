/**
 * Presenting frames: clients -> display server -> KMS, the steps every present-* design shares (seed 000
 * display part; seed 002 §2.1; R62, R129, R131-R141, R145).
 *
 * Data flows forward (client renders, presents; the compositor latches; KMS flips) and timing flows
 * backward (vblank -> 'paint now' -> the compositor's decision). The designs differ only through the
 * two named extension points of PresentConfig (models/display/present-config.ts), resolved here and
 * nowhere else:
 * - `sync`: how the fences travel, one file each: sync-implicit.ts (R62, R129, R132, xshmfence),
 *   sync-syncobj.ts (linux-drm-syncobj-v1 timeline points, R74, R81-R87, R136-R141),
 *   sync-submit-return.ts (seed 002's submit and return fences, the kernel's crash cleanup);
 * - `policy`: the compositor's decision at paint, latch-policy.ts (naive, transaction, late-binding).
 * Each step is an exact enabling condition and an effect that succeeds wherever it holds; a step whose
 * effect is one event to one object is enabled exactly when that object accepts it (`accepts`), so the
 * guard stays in the machine.
 */
import type { World } from '../world.ts';
import { accepts, ctx, idsOf, hasTag, kindOf, must, setG, spawn, stateOf, tell } from '../world.ts';
import { defineStep, stepTable, type StepTable } from '../design.ts';
import { dmaFenceMachine } from '../dma-buf/dma-fence.ts';
import { gpuRingMachine } from '../gpu/gpu-ring.ts';
import { sync_file_get_fence, sync_file_release } from '../dma-buf/sync-file-api.ts';
import { drmCrtcMachine, type DrmCrtcContext } from './drm-crtc.ts';
import { drm_mode_atomic_ioctl, drm_crtc_handle_vblank, drm_fb_release, type PlaneUpdate } from './drm-atomic.ts';
import { compositorMachine, type CompositorContext, type SurfaceCommit } from './compositor.ts';
import { presentClientMachine, type PresentClientContext } from './present-client.ts';
import {
  COMPOSITOR,
  CRTC,
  bufId,
  clientId,
  clientIndex,
  planeOf,
  renderFence,
  renderJob,
  ringOf,
  COMPOSITOR_RING,
  PRIMARY_PLANE,
  compositorBuf,
  type PresentConfig,
  type SyncMode,
  type SyncModeName,
} from './present-config.ts';
import { acquireState, fenceClient, releaseSignaled } from './present-view.ts';
import { latchPolicies } from './latch-policy.ts';
import { implicitMode } from './sync-implicit.ts';
import { syncobjMode } from './sync-syncobj.ts';
import { submitReturnMode } from './sync-submit-return.ts';
import { hwcSyncMode, syncFileSyncMode } from './sync-sync-file.ts';

export type { PresentConfig } from './present-config.ts';

const syncModes: Record<SyncModeName, SyncMode> = {
  implicit: implicitMode,
  syncobj: syncobjMode,
  'submit-return': submitReturnMode,
  'sync-file': syncFileSyncMode,
  hwc: hwcSyncMode,
};
const modeOf = (cfg: PresentConfig) => syncModes[cfg.sync];

/** The release handle of frame k in `buf` under cfg's sync mode (release-after-last-use reads it). */
export const presentReleaseHandle = (cfg: PresentConfig, client: string, buf: string, k: number): string =>
  modeOf(cfg).releaseHandle(client, buf, k);

// ---- world ---------------------------------------------------------------------------------------

export function initPresent(cfg: PresentConfig): World {
  const mode = modeOf(cfg);
  const clients = Array.from({ length: cfg.clients }, (_, i) => clientId(i));
  let w: World = { o: {}, g: {} };
  const gpu = cfg.composition === 'gpu';
  w = spawn(w, CRTC, drmCrtcMachine, { planes: gpu ? [PRIMARY_PLANE] : clients.map(planeOf) });
  w = spawn(w, COMPOSITOR, compositorMachine, {});
  if (gpu) w = spawn(w, COMPOSITOR_RING, gpuRingMachine, {});
  for (const c of clients) {
    const wbs = cfg.wbs && mode.waitBeforeSignal;
    w = spawn(w, c, presentClientMachine, { frames: cfg.frames, buffers: cfg.buffers, wbs });
    for (let q = 0; q < cfg.queues; q++) w = spawn(w, ringOf(c, q), gpuRingMachine, {});
    w = mode.initClient(w, c, cfg.buffers);
  }
  return w;
}

const vblankOf = (w: World) => ctx<DrmCrtcContext>(w, CRTC).vblanks;
/** A numeric design global (crash budgets, the missed-vblank count), 0 when unset. */
function count(w: World, k: string): number {
  const v = w.g[k];
  return typeof v === 'number' ? v : 0;
}

// ---- the client ----------------------------------------------------------------------------------

/** A buffer the client may write: not the frame in progress, and its last commit released (R139). */
function bufferFree(w: World, mode: SyncMode, client: string, b: number): boolean {
  const c = ctx<PresentClientContext>(w, client);
  if (c.cur && c.cur.buf === b) return false;
  const k = c.lastFrame[b];
  return k < 0 || releaseSignaled(w, mode.releaseHandle(client, bufId(client, b), k));
}

/**
 * The buffer and frame the client's next render or present uses: the frame in progress, else frame
 * `next` in the lowest free buffer; null when no buffer is free. Pure: both the enabling condition and
 * the effect of client_render and of the present request read it.
 */
function nextFrame(w: World, cfg: PresentConfig, client: string): { b: number; k: number } | null {
  const c = ctx<PresentClientContext>(w, client);
  if (c.cur) return { b: c.cur.buf, k: c.cur.frame };
  for (let b = 0; b < c.buffers; b++) if (bufferFree(w, modeOf(cfg), client, b)) return { b, k: c.next };
  return null;
}

const renderEv = (w: World, b: number) => ({ type: 'CLIENT_RENDER', buf: b, vblank: vblankOf(w) });
const presentEv = (b: number) => ({ type: 'CLIENT_PRESENT', buf: b });

/** Enabling condition of client_render: a buffer to render into, and the client accepts it (R145). */
function client_render_enabled(w: World, cfg: PresentConfig, client: string): boolean {
  const f = nextFrame(w, cfg, client);
  return f !== null && accepts(w, client, renderEv(w, f.b));
}

/** The client submits the render of its current (or next) frame: one GPU job writing the buffer. */
function client_render(w: World, cfg: PresentConfig, client: string): World {
  const f = nextFrame(w, cfg, client);
  if (!f) throw new Error(`client_render(${client}): no free buffer (called where not enabled)`);
  const { b, k } = f;
  w = must(w, client, renderEv(w, b));
  const fence = renderFence(client, k);
  const job = renderJob(client, k);
  // one fence context per GPU queue (drm_sched_entity_init allocates one per entity): frames on two queues
  // may finish out of order, which one context would forbid (I4)
  const context = 100 + 16 * clientIndex(client) + (k % cfg.queues);
  w = spawn(w, fence, dmaFenceMachine, { context, seqno: k + 1, ops: 'render', owner: job });
  w = must(w, ringOf(client, k % cfg.queues), { type: 'GPU_RING_EMIT', fence });
  const buf = bufId(client, b);
  // Ghost record for hazard-free (models/userspace/buffer-sharing.ts AccessRecord): the job writes `buf` and
  // the GPU waits on nothing (the client waited for the buffer's release on the CPU).
  // hazard-free orders records by queue (the ring the job runs on), not by client: two queues are unordered
  w = setG(w, {
    [`access:${job}`]: { proc: client, queue: ringOf(client, k % cfg.queues), seq: k, acc: [[buf, 'w']], deps: [] },
  });
  return modeOf(cfg).attachRender(w, client, buf, fence, k);
}

/** Enabling condition of the present request: a buffer, and the client accepts it (R145: wbs or rendered). */
function client_present_enabled(w: World, cfg: PresentConfig, client: string): boolean {
  const f = nextFrame(w, cfg, client);
  return f !== null && accepts(w, client, presentEv(f.b));
}

/** The client presents its current (or, wait-before-signal, next) frame through its sync mode. */
function client_present(w: World, cfg: PresentConfig, client: string): World {
  const f = nextFrame(w, cfg, client);
  if (!f) throw new Error(`present(${client}): no free buffer (called where not enabled)`);
  const mode = modeOf(cfg);
  w = must(w, client, presentEv(f.b));
  const buf = bufId(client, f.b);
  const acquire = mode.acquireHandle(client, buf, f.k),
    release = mode.releaseHandle(client, buf, f.k);
  const commit: SurfaceCommit = { client, buf, frame: f.k, acquire, release };
  return mode.present(w, cfg, commit);
}

// ---- the compositor ------------------------------------------------------------------------------

/** R139: release the commits the compositor no longer uses. */
function release_commits(w: World, mode: SyncMode): World {
  const rel = ctx<CompositorContext>(w, COMPOSITOR).toRelease;
  if (!rel.length) return w;
  for (const s of rel) w = mode.release(w, s);
  return must(w, COMPOSITOR, { type: 'COMPOSITOR_RELEASED' });
}

/**
 * GPU composition (present-gpu-composition): one GPU job of the compositor's samples every surface's
 * current buffer (the newly latched commit, else the one on screen) and writes the compositor buffer
 * that is not scanned out (two buffers; the compositor paints only after the previous flip, so one is
 * free). The job waits on the acquire fences on the GPU (EGL_ANDROID_native_fence_sync-style in-fences),
 * and is recorded as an access like a client's render (hazard-free sees the sampling). KMS then scans
 * the compositor buffer out with the job's fence as IN_FENCE_FD (R131, R133). The client commits stay
 * in the compositor's hands until a later composition no longer samples them: released at the flip-done
 * that replaced them, after the composite job that sampled them last (one ring, in order).
 */
function compose(w: World, mode: SyncMode): { w: World; plane: PlaneUpdate } {
  const c = ctx<CompositorContext>(w, COMPOSITOR);
  const sources = { ...c.onScreen, ...c.latched };
  const n = count(w, 'composites');
  const job = `${COMPOSITOR}.j${n}`;
  const fence = `${job}.finished`;
  const shown = new Set(Object.values(ctx<DrmCrtcContext>(w, CRTC).planes));
  const target = shown.has(compositorBuf(0)) ? compositorBuf(1) : compositorBuf(0);
  const deps: string[] = [];
  for (const s of Object.values(sources)) {
    const x = mode.kmsInFence(w, s); // the acquire fence as an fd the GL/Vulkan renderer imports
    w = x.w;
    const f = x.inFence && kindOf(w, x.inFence) === 'sync_file' ? sync_file_get_fence(w, x.inFence) : x.inFence;
    if (f) deps.push(f);
    for (const fd of x.close) w = sync_file_release(w, fd);
  }
  w = spawn(w, fence, dmaFenceMachine, { context: 99, seqno: n + 1, ops: 'render', owner: job, published: true });
  w = must(w, COMPOSITOR_RING, { type: 'GPU_RING_EMIT', fence });
  const acc = [...Object.values(sources).map((s): [string, 'r'] => [s.buf, 'r']), [target, 'w']];
  w = setG(w, { [`access:${job}`]: { proc: COMPOSITOR, acc, deps }, composites: n + 1 });
  return { w, plane: { plane: PRIMARY_PLANE, fb: target, inFence: fence } };
}

/** Enabling condition of compositor_paint: the 'paint now' signal came and the paint has not run. */
const compositor_paint_enabled = (w: World) => stateOf(w, COMPOSITOR) === 'painting';

/**
 * compositor_paint: the latch policy decides per surface; an unready latched commit is a CPU wait
 * (only the naive policy latches one); else drm_atomic_commit with IN_FENCE_FD/OUT_FENCE_PTR
 * (R131-R134); then release what is no longer used (R139).
 */
function compositor_paint(w: World, cfg: PresentConfig): World {
  const mode = modeOf(cfg);
  const policy = latchPolicies[cfg.policy];
  for (const client of idsOf(w, 'present_client')) {
    for (let round = 0; round < 2; round++) {
      const { n, use } = policy.decide(w, ctx<CompositorContext>(w, COMPOSITOR).queue[client] ?? []);
      if (n > 0) w = must(w, COMPOSITOR, { type: 'COMPOSITOR_LATCH', client, n, use });
    }
  }
  const latched = Object.values(ctx<CompositorContext>(w, COMPOSITOR).latched);
  // kms-fence: a materialized but unsignalled acquire is KMS's to wait on (R133), not a CPU wait.
  const late = latched.find((s) => {
    const r = acquireState(w, s);
    return r !== 'ready' && !(policy.kmsWaits && r === 'pending');
  });
  if (late) {
    w = must(w, COMPOSITOR, { type: 'COMPOSITOR_STALL', client: late.client, on: late.acquire || `${late.buf}.resv` });
  } else if (latched.length) {
    const planes: PlaneUpdate[] = [];
    const close: string[] = [];
    if (cfg.composition === 'gpu') {
      const c = compose(w, mode);
      w = c.w;
      planes.push(c.plane);
    }
    for (const s of cfg.composition === 'gpu' ? [] : latched) {
      const x = mode.kmsInFence(w, s);
      w = x.w;
      close.push(...x.close);
      // present-forgotten-in-fence: the fd is exported (and closed) but never set as IN_FENCE_FD (R131).
      planes.push({ plane: planeOf(s.client), fb: s.buf, inFence: cfg.kmsInFence === false ? '' : x.inFence });
    }
    const r = drm_mode_atomic_ioctl(w, { crtc: CRTC, outFence: true, event: COMPOSITOR, planes });
    if (r.ret !== 0) throw new Error(`compositor's atomic commit failed: ${r.ret}`);
    w = r.w;
    for (const f of close) w = sync_file_release(w, f); // close(in_fence_fd): KMS holds its own reference (R131)
    // HWC2 presentDisplay: the replaced buffers' release fences now, signalling at this flip (R134)
    if (mode.releaseAtCommit) {
      const shown = ctx<CompositorContext>(w, COMPOSITOR).onScreen;
      for (const s of latched) if (shown[s.client]) w = mode.release(w, shown[s.client]);
    }
    w = must(w, COMPOSITOR, { type: 'COMPOSITOR_COMMITTED' });
  } else {
    w = must(w, COMPOSITOR, { type: 'COMPOSITOR_NOTHING_NEW' });
  }
  return release_commits(w, mode);
}

// ---- KMS -----------------------------------------------------------------------------------------

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
function missedVblank(before: World, after: World): boolean {
  const kb = ctx<DrmCrtcContext>(before, CRTC),
    ka = ctx<DrmCrtcContext>(after, CRTC);
  if (ka.flips !== kb.flips || ka.vblanks === kb.vblanks || hasTag(before, COMPOSITOR, 'crashed')) return false;
  const c = ctx<CompositorContext>(before, COMPOSITOR);
  const st = stateOf(before, COMPOSITOR);
  if (st === 'stalled' || (c.waited && (st === 'painting' || c.waited.frame === ka.vblanks))) return true;
  if (kb.pending?.waiting.some((f) => fenceClient(before, f) !== null)) return true;
  if (c.frame !== ka.vblanks || st === 'painting') return false;
  for (const [client, q] of Object.entries(c.queue)) {
    const shown = c.onScreen[client]?.frame ?? -1;
    const held = c.latched[client] ? [...q, c.latched[client]] : q;
    if (held.some((s) => s.frame > shown && acquireState(before, s) === 'ready')) return true;
  }
  return false;
}

/** The vblank: the pending commit flips if its fences signaled; flip-done releases what it replaced. */
function drm_crtc_vblank(w: World, cfg: PresentConfig): World {
  const w0 = w;
  const before = ctx<DrmCrtcContext>(w, CRTC).flips;
  w = drm_crtc_handle_vblank(w, CRTC);
  // ghost for the missed-vblanks metric: vblanks with a newer ready frame or a client wait and no flip
  if (missedVblank(w0, w)) w = setG(w, { missedVblanks: count(w, 'missedVblanks') + 1 });
  const k = ctx<DrmCrtcContext>(w, CRTC);
  if (k.flips === before || hasTag(w, COMPOSITOR, 'crashed')) return w;
  for (const s of Object.values(ctx<CompositorContext>(w, COMPOSITOR).onScreen)) {
    w = tell(w, s.client, { type: 'CLIENT_FRAME_SHOWN', frame: s.frame, vblank: k.vblanks });
  }
  return release_commits(w, modeOf(cfg));
}

/** Enabling condition of drm_file_release: the compositor died, its file is still open, no flip pending. */
function drm_file_release_enabled(w: World): boolean {
  return hasTag(w, COMPOSITOR, 'crashed') && !w.g.compositorReleased && ctx<DrmCrtcContext>(w, CRTC).pending === null;
}

/** drm_file_release of the crashed compositor: its planes go dark, then its sync mode's cleanup (seed 002). */
function drm_file_release(w: World, cfg: PresentConfig): World {
  const fbs = idsOf(w, 'present_client').flatMap((c) => Array.from({ length: cfg.buffers }, (_, b) => bufId(c, b)));
  if (cfg.composition === 'gpu') fbs.push(compositorBuf(0), compositorBuf(1));
  w = drm_fb_release(w, CRTC, fbs);
  w = modeOf(cfg).compositorFileReleased(w, cfg);
  return setG(w, { compositorReleased: true });
}

// ---- steps ---------------------------------------------------------------------------------------

type ClientArgs = [client: string];
const clients = (w: World): ClientArgs[] => idsOf(w, 'present_client').map((c): ClientArgs => [c]);
const crashesLeft = (w: World, cfg: PresentConfig) =>
  count(w, 'clientCrashes') + count(w, 'compositorCrashes') < (cfg.maxCrashes ?? Infinity);

const client_render_step = defineStep<PresentConfig, ClientArgs>({
  name: 'client_render',
  role: 'user',
  actor: ([c]) => c,
  params: clients,
  enabled: (w, [c], cfg) => client_render_enabled(w, cfg, c),
  apply: (w, [c], cfg) => client_render(w, cfg, c),
  doc:
    "the client submits a frame's rendering into a free buffer (R62 implicit: WRITE fence; syncobj: materializes the " +
    'acquire point)',
});

/** The present request, keyed by its name in the sync mode (wl_surface_commit, xcb_present_pixmap, present_request). */
const presentStep = (name: string) =>
  defineStep<PresentConfig, ClientArgs>({
    name,
    role: 'user',
    actor: ([c]) => c,
    params: clients,
    enabled: (w, [c], cfg) => client_present_enabled(w, cfg, c),
    apply: (w, [c], cfg) => client_present(w, cfg, c),
    doc:
      'the client presents the buffer (R137, R138; 002 §2.1); with wait-before-signal before its render (R141, ' +
      'R145)',
  });

const GPU_RING_COMPLETE = { type: 'GPU_RING_COMPLETE' } as const;
const gpu_render_done = defineStep<PresentConfig, [ring: string]>({
  name: 'gpu_render_done',
  role: 'gpu',
  actor: ([r]) => r,
  params: (w) => idsOf(w, 'gpu_ring').map((r): [string] => [r]),
  enabled: (w, [r]) => accepts(w, r, GPU_RING_COMPLETE),
  apply: (w, [r]) => must(w, r, GPU_RING_COMPLETE),
  doc:
    "the oldest render job on a client's GPU queue finishes: its fence signals (a slow client is one whose job " +
    'finishes late)',
});

const paintNowEv = (w: World) => ({ type: 'COMPOSITOR_PAINT_NOW', frame: vblankOf(w) + 1 });
const compositor_paint_now = defineStep<PresentConfig>({
  name: 'compositor_paint_now',
  role: 'timer',
  actor: () => COMPOSITOR,
  enabled: (w, _a, cfg) => {
    const k = ctx<DrmCrtcContext>(w, CRTC);
    const due = k.vblanks < cfg.vblanks && ctx<CompositorContext>(w, COMPOSITOR).frame <= k.vblanks;
    return due && accepts(w, COMPOSITOR, paintNowEv(w));
  },
  apply: (w) => must(w, COMPOSITOR, paintNowEv(w)),
  doc: "seed 000: the 'paint now' timer ahead of the next vblank (once per vblank interval)",
});

const compositor_paint_step = defineStep<PresentConfig>({
  name: 'compositor_paint',
  role: 'kernel',
  actor: () => COMPOSITOR,
  enabled: compositor_paint_enabled,
  apply: (w, _a, cfg) => compositor_paint(w, cfg),
  doc: 'seed 000: the decision just before paint, then drm_atomic_commit with IN_FENCE_FD/OUT_FENCE_PTR (R131-R134)',
});

const WAIT_DONE = { type: 'COMPOSITOR_WAIT_DONE' } as const;
const compositor_wait_done = defineStep<PresentConfig>({
  name: 'compositor_wait_done',
  role: 'kernel',
  actor: () => COMPOSITOR,
  enabled: (w) =>
    accepts(w, COMPOSITOR, WAIT_DONE) &&
    Object.values(ctx<CompositorContext>(w, COMPOSITOR).latched).every((x) => acquireState(w, x) === 'ready'),
  apply: (w) => must(w, COMPOSITOR, WAIT_DONE),
  doc: "the compositor's wait on the client fence returns (it signaled)",
});

const drm_crtc_vblank_step = defineStep<PresentConfig>({
  name: 'drm_crtc_vblank',
  role: 'timer',
  actor: () => CRTC,
  enabled: (w, _a, cfg) => {
    const k = ctx<DrmCrtcContext>(w, CRTC);
    // Past the run's vblanks only the flip of a pending commit is left, once its fences signalled (R133):
    // vblanks that a held flip would skip are not counted without bound.
    return k.vblanks < cfg.vblanks || (k.pending !== null && k.pending.waiting.length === 0);
  },
  apply: (w, _a, cfg) => drm_crtc_vblank(w, cfg),
  doc:
    'vblank: the pending commit flips if its fences signaled (R133), the out-fence signals (R134), flip-done ' +
    'releases (R139)',
});

const CLIENT_CRASH = { type: 'CLIENT_CRASH' } as const;
const client_crash = defineStep<PresentConfig, ClientArgs>({
  name: 'client_crash',
  role: 'fault',
  actor: ([c]) => c,
  params: clients,
  enabled: (w, [c], cfg) =>
    count(w, 'clientCrashes') < cfg.clientCrashes && crashesLeft(w, cfg) && accepts(w, c, CLIENT_CRASH),
  apply: (w, [c], cfg) => {
    w = modeOf(cfg).clientCrashed(must(w, c, CLIENT_CRASH), cfg, c);
    return setG(w, { clientCrashes: count(w, 'clientCrashes') + 1 });
  },
  doc: 'the client process dies (seed 002 §2.1 deadlock mitigation)',
});

const COMPOSITOR_CRASH = { type: 'COMPOSITOR_CRASH' } as const;
const compositor_crash = defineStep<PresentConfig>({
  name: 'compositor_crash',
  role: 'fault',
  actor: () => COMPOSITOR,
  enabled: (w, _a, cfg) =>
    count(w, 'compositorCrashes') < cfg.compositorCrashes &&
    crashesLeft(w, cfg) &&
    accepts(w, COMPOSITOR, COMPOSITOR_CRASH),
  apply: (w) => setG(must(w, COMPOSITOR, COMPOSITOR_CRASH), { compositorCrashes: count(w, 'compositorCrashes') + 1 }),
  doc: 'the compositor process dies',
});

const drm_file_release_step = defineStep<PresentConfig>({
  name: 'drm_file_release',
  role: 'kernel',
  actor: () => 'kernel',
  enabled: drm_file_release_enabled,
  apply: (w, _a, cfg) => drm_file_release(w, cfg),
  doc: "the kernel closes the dead compositor's DRM file: planes off, then (002) its return fences signalled",
});

/**
 * The step table of a present design, in the order the explorers try them; the sync mode of `cfg0`
 * names the present request and adds its own steps after the vblank. Names read as a compositor
 * author's story.
 */
export function presentSteps(cfg0: PresentConfig): StepTable<PresentConfig> {
  const mode = modeOf(cfg0);
  return stepTable<PresentConfig>(
    [client_render_step, presentStep(mode.presentStep), gpu_render_done],
    [compositor_paint_now, compositor_paint_step, compositor_wait_done, drm_crtc_vblank_step],
    mode.steps,
    [client_crash, compositor_crash, drm_file_release_step],
  );
}

// ---- metrics -------------------------------------------------------------------------------------

/** Frame latency: mean vblanks from a frame's render submission to its first scanout, over shown frames (-1: none). */
function frameLatency(w: World): number {
  let sum = 0,
    n = 0;
  for (const c of idsOf(w, 'present_client')) {
    const x = ctx<PresentClientContext>(w, c);
    x.shownAt.forEach((s, k) => {
      if (s >= 0 && x.renderedAt[k] >= 0) {
        sum += s - x.renderedAt[k];
        n++;
      }
    });
  }
  return n ? sum / n : -1;
}

/** The largest render-to-scanout latency of any shown frame, in vblanks (-1: none shown). */
export function maxFrameLatency(w: World): number {
  let worst = -1;
  for (const c of idsOf(w, 'present_client')) {
    const x = ctx<PresentClientContext>(w, c);
    x.shownAt.forEach((s, k) => {
      if (s >= 0 && x.renderedAt[k] >= 0) worst = Math.max(worst, s - x.renderedAt[k]);
    });
  }
  return worst;
}

/**
 * Missed vblanks: vblanks at which nothing new was shown although some client had a newer committed
 * frame whose content was complete, or because the compositor (or KMS, R133) was waiting on a client
 * fence (lower is better; a late-binding compositor misses only frames that completed after its
 * decision). A count over the run's history, so kept as a design global by drm_crtc_vblank.
 */
export function missedVblanks(w: World): number {
  return count(w, 'missedVblanks');
}

/** Frames shown over frames presented (a measure of skipped frames). */
function framesShown(w: World): number {
  let n = 0;
  for (const c of idsOf(w, 'present_client')) n += ctx<PresentClientContext>(w, c).shownAt.filter((s) => s >= 0).length;
  return n;
}

/** The numbers every present design reports (Design.metrics). */
export const presentMetrics = {
  'frame-latency-vblanks': frameLatency,
  'max-frame-latency-vblanks': maxFrameLatency,
  'frames-shown': framesShown,
  'missed-vblanks': missedVblanks,
};
