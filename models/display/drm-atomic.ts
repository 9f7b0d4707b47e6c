/**
 * The KMS atomic ioctl with IN_FENCE_FD and OUT_FENCE_PTR, as one atomic world operation
 * (drm_mode_atomic_ioctl -> drm_atomic_set_property -> drm_atomic_check_only / nonblocking commit):
 * R131 in-fence validation, R132 prepare_fb's choice of implicit fences, R133 the wait before the
 * flip (drm_atomic_helper_wait_for_fences in the nonblocking commit tail: the flip is held until every
 * plane fence signalled), R134 the out-fence that exists only for a commit that succeeded.
 *
 * Scanout is a read access (issue 11.3, I26): each plane a commit puts a framebuffer on is recorded as
 * a ghost job `<crtc>.<plane>.j<seq>` in the same form as GPU jobs (models/userspace/buffer-sharing.ts
 * AccessRecord: `access:<job>` = {proc, acc, deps}), so hazard-free sees display reads. Its `proc` is
 * the plane (scanouts of one plane are ordered: one replaces the previous), its deps the fences the
 * commit tail waits on for that plane (R132, R133). Its `.finished` fence stands for the end of that
 * scanout: it signals when a later flip replaces the plane's framebuffer (the replacing commit's
 * flip-done, R134) or when drm_fb_release turns the plane off. Never published: nothing waits on it.
 */
import type { World } from '../world.ts';
import { accepts, ctx, has, must, setG, spawn, tell, idsOf, kindOf } from '../world.ts';
import { dmaFenceMachine, isSignaled, EINVAL } from '../dma-buf/dma-fence.ts';
import { isFence } from '../view.ts';
import { dma_resv_fences } from '../dma-buf/dma-resv.ts';
import { sync_file_get_fence } from '../dma-buf/sync-file-api.ts';
import type { DrmCrtcContext } from './drm-crtc.ts';
import { EBUSY } from './drm-crtc.ts';

export interface PlaneUpdate {
  plane: string;
  /** framebuffer ('' = disable the plane); its BO's resv, if any, is `${fb}.resv`. */
  fb: string;
  /**
   * IN_FENCE_FD: an open sync_file object (R131: sync_file_get_fence), '' = -1. Designs that do not
   * model the fd may pass the sync_file's fence id directly.
   */
  inFence?: string;
}

export interface AtomicRequest {
  crtc: string;
  planes: PlaneUpdate[];
  /** DRM_MODE_ATOMIC_TEST_ONLY. */
  testOnly?: boolean;
  /** OUT_FENCE_PTR given. */
  outFence?: boolean;
  /** DRM_MODE_PAGE_FLIP_EVENT target ('' = none). */
  event?: string;
}

export interface AtomicResult {
  w: World;
  /** 0 or -errno. */
  ret: number;
  /** the fence the out-fence fd refers to; null = the fd was written as -1 (R134). */
  outFence: string | null;
}

/** R132 drm_gem_plane_helper_prepare_fb: explicit in-fence + KERNEL fences, else the WRITE fences. */
export function drm_gem_plane_helper_prepare_fb(w: World, fb: string, inFence: string): string[] {
  const resv = `${fb}.resv`;
  if (!has(w, resv)) return inFence ? [inFence] : [];
  // Explicit fencing overrules implicit fencing (R132 comment); memory management (KERNEL) never is.
  return inFence ? [inFence, ...dma_resv_fences(w, resv, 'KERNEL')] : dma_resv_fences(w, resv, 'WRITE');
}

/** Fence context of a CRTC's out-fences (R134: one timeline per CRTC). */
function crtcFenceContext(w: World, crtc: string): number {
  return 2000 + idsOf(w, 'drm_crtc').indexOf(crtc);
}

/** What a validated commit will do: its resolved planes, the fences it waits on, its out-fence and the CRTC event. */
interface AtomicPlan {
  fences: string[];
  /** plane -> [fb, the fences the commit tail waits on for it] (R132), for the scanout records. */
  scan: Record<string, [fb: string, fences: string[]]>;
  seq: number;
  outFence: string;
  ev: {
    type: 'DRM_MODE_ATOMIC_COMMIT';
    planes: Record<string, string>;
    waiting: string[];
    outFence: string;
    event: string;
  };
}

/**
 * drm_atomic_check_only, pure: 0 and the plan, or -errno. R131: IN_FENCE_FD is set once per plane
 * state and must be a sync_file (its fence is what KMS waits on); R132 prepare_fb picks the fences;
 * the CRTC itself refuses a second pending commit (-EBUSY, its guard 'no commit pending').
 */
function drm_atomic_check(w: World, req: AtomicRequest): { ret: number; plan: AtomicPlan | null } {
  const fail = (ret: number) => ({ ret, plan: null });
  const seen = new Set<string>();
  const planes: PlaneUpdate[] = [];
  for (const p of req.planes) {
    let inFence = p.inFence ?? '';
    if (inFence && kindOf(w, inFence) === 'sync_file') inFence = sync_file_get_fence(w, inFence) ?? '\0closed';
    if (inFence && (!has(w, inFence) || !isFence(w.o[inFence]))) return fail(EINVAL);
    if (seen.has(p.plane)) return fail(EINVAL);
    seen.add(p.plane);
    planes.push({ ...p, inFence });
  }
  const c = ctx<DrmCrtcContext>(w, req.crtc);
  for (const p of planes) if (!(p.plane in c.planes)) return fail(EINVAL);
  const scan: AtomicPlan['scan'] = {};
  for (const p of planes) if (p.fb) scan[p.plane] = [p.fb, drm_gem_plane_helper_prepare_fb(w, p.fb, p.inFence ?? '')];
  const fences = [...new Set(Object.values(scan).flatMap(([, f]) => f))];
  const waiting = fences.filter((f) => !isSignaled(w, f));
  const seq = c.commitSeq + 1;
  const outFence = req.outFence ? `${req.crtc}.out${seq}` : '';
  const ev = {
    type: 'DRM_MODE_ATOMIC_COMMIT' as const,
    planes: Object.fromEntries(req.planes.map((p) => [p.plane, p.fb])),
    waiting,
    outFence,
    event: req.event ?? '',
  };
  if (!accepts(w, req.crtc, ev)) return fail(EBUSY);
  return { ret: 0, plan: { fences, scan, seq, outFence, ev } };
}

/**
 * drm_atomic_nonblocking_commit of a checked plan: R134 the out-fence exists from here on, R133 the
 * commit waits for its fences through callbacks.
 */
function drm_atomic_commit(w: World, crtc: string, plan: AtomicPlan): World {
  const { fences, scan, seq, outFence, ev } = plan;
  if (outFence) {
    w = spawn(w, outFence, dmaFenceMachine, {
      context: crtcFenceContext(w, crtc),
      seqno: seq,
      ops: 'kms.out',
      owner: crtc,
      published: true,
    });
  }
  w = must(w, crtc, ev);
  for (const f of fences) w = tell(w, f, { type: 'DMA_FENCE_PUBLISH', via: `${crtc} commit ${seq}` });
  // R133: drm_atomic_helper_wait_for_fences, as callbacks into the commit.
  const cb = (f: string) => ({ to: crtc, ev: { type: 'DRM_ATOMIC_FENCE_SIGNALED', fence: f } });
  for (const f of ev.waiting) w = tell(w, f, { type: 'DMA_FENCE_ADD_CALLBACK', cb: cb(f) });
  return record_scanout(w, crtc, seq, scan);
}

/** The ghost scanout job of `plane` in commit `seq` of `crtc` (its end fence is `${job}.finished`). */
export const scanoutJob = (crtc: string, plane: string, seq: number) => `${crtc}.${plane}.j${seq}`;

/** Fence context of one plane's scanout ends: one timeline per plane, in commit order. */
function scanoutFenceContext(w: World, crtc: string, plane: string): number {
  return (
    3000 + 64 * idsOf(w, 'drm_crtc').indexOf(crtc) + Object.keys(ctx<DrmCrtcContext>(w, crtc).planes).indexOf(plane)
  );
}

/** Ghost: the commit's planes become read accesses of their framebuffers, ordered after the fences KMS waits on. */
function record_scanout(w: World, crtc: string, seq: number, scan: AtomicPlan['scan']): World {
  for (const [plane, [fb, deps]] of Object.entries(scan)) {
    const job = scanoutJob(crtc, plane, seq);
    w = spawn(w, `${job}.finished`, dmaFenceMachine, {
      context: scanoutFenceContext(w, crtc, plane),
      seqno: seq,
      ops: 'kms.scanout',
      owner: crtc,
    });
    w = setG(w, { [`access:${job}`]: { proc: `${crtc}.${plane}`, acc: [[fb, 'r']], deps: [...new Set(deps)] } });
  }
  return w;
}

/** Ghost: the scanout of `plane` that a flip at commit `seq` (or a plane turned off, seq = Infinity) ends. */
function end_scanout(w: World, crtc: string, plane: string, seq: number): World {
  for (let s = Math.min(seq, ctx<DrmCrtcContext>(w, crtc).commitSeq + 1) - 1; s > 0; s--) {
    const f = `${scanoutJob(crtc, plane, s)}.finished`;
    if (has(w, f)) return isSignaled(w, f) ? w : must(w, f, { type: 'DMA_FENCE_SIGNAL' });
  }
  return w;
}

/** DRM_IOCTL_MODE_ATOMIC, nonblocking. Failure or TEST_ONLY leaves the world unchanged and publishes nothing. */
export function drm_mode_atomic_ioctl(w: World, req: AtomicRequest): AtomicResult {
  const { ret, plan } = drm_atomic_check(w, req);
  // R131/R134: on failure, or validated only, the out-fence fd is written as -1
  if (plan === null || req.testOnly) return { w, ret, outFence: null };
  return { w: drm_atomic_commit(w, req.crtc, plan), ret: 0, outFence: plan.outFence || null };
}

/** The vblank interrupt: drm_crtc_handle_vblank -> the pending commit flips if its fences signaled. */
export function drm_crtc_handle_vblank(w: World, crtc: string): World {
  const pending = ctx<DrmCrtcContext>(w, crtc).pending;
  w = must(w, crtc, { type: 'DRM_CRTC_HANDLE_VBLANK' });
  // R134: the flip replaced these planes' framebuffers; their previous scanouts are over.
  if (pending && ctx<DrmCrtcContext>(w, crtc).pending === null)
    for (const plane of Object.keys(pending.planes)) w = end_scanout(w, crtc, plane, pending.seq);
  return w;
}

/** drm_fb_release on the master's close: planes showing these fbs go dark, their scanouts end. */
export function drm_fb_release(w: World, crtc: string, fbs: string[]): World {
  const planes = ctx<DrmCrtcContext>(w, crtc).planes;
  const off = Object.keys(planes).filter((p) => planes[p] !== '' && fbs.includes(planes[p]));
  w = tell(w, crtc, { type: 'DRM_FB_RELEASE', fbs });
  for (const plane of off)
    if (ctx<DrmCrtcContext>(w, crtc).planes[plane] === '') w = end_scanout(w, crtc, plane, Infinity);
  return w;
}
