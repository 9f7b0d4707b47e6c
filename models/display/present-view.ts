/**
 * What the present path reads, pure: the readiness of a commit's acquire handle, whether its release
 * handle signalled, which commits the display still uses and which renders still write a buffer. The
 * compositor's decision (latch-policy.ts), the present steps and the display properties all read
 * through these, so a handle means the same thing everywhere.
 *
 * Handles (compositor.ts SurfaceCommit): 'tl:<drm_syncobj>@<point>' a timeline point (syncobj mode);
 * '' the buffer's implicit fences (implicit mode: `<buf>.resv`); otherwise an object id: a dma_fence
 * (submit-return) or an xshmfence (implicit release).
 */
import type { World } from '../world.ts';
import { ctx, has, hasTag, idsOf, kindOf } from '../world.ts';
import { sync_file_get_fence } from '../dma-buf/sync-file-api.ts';
import { isSignaled, type DmaFenceContext } from '../dma-buf/dma-fence.ts';
import { dma_resv_test_signaled } from '../dma-buf/dma-resv.ts';
import { drm_syncobj_point_fence, DMA_FENCE_STUB } from '../drm-syncobj/drm-syncobj-api.ts';
import type { EventfdContext } from '../drm-syncobj/eventfd.ts';
import type { CompositorContext, SurfaceCommit } from './compositor.ts';
import type { DrmCrtcContext } from './drm-crtc.ts';
import type { PresentClientContext } from './present-client.ts';
import { COMPOSITOR, CRTC, renderFence } from './present-config.ts';

/** 'tl:S@p' -> [S, p]. */
export function parsePoint(h: string): [syncobj: string, point: number] {
  const at = h.lastIndexOf('@');
  return [h.slice(3, at), Number(h.slice(at + 1))];
}

/**
 * R81/R84: has point p of the syncobj signalled? Materialized (find_seqno succeeds on the head) and the
 * fence that represents it, a chain node, signalled: by R45 that is "every point up to p signalled".
 * A garbage-collected point is the (signalled) stub (R78). Pure: no GC (R46: GC never changes
 * signalled-ness).
 */
export function syncobj_point_signaled(w: World, syncobj: string, p: number): boolean {
  const f = drm_syncobj_point_fence(w, syncobj, p);
  return f !== null && (f === DMA_FENCE_STUB || isSignaled(w, f));
}

/** The eventfd the compositor armed (R87, WAIT_AVAILABLE) for an acquire point. */
export const availableEventfd = (syncobj: string, p: number) => `${syncobj}@${p}.available`;

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
  const f = kindOf(w, s.acquire) === 'sync_file' ? sync_file_get_fence(w, s.acquire) : s.acquire;
  if (!f || !isSignaled(w, f)) return 'pending';
  return ctx<DmaFenceContext>(w, f).error ? 'error' : 'ready';
}

/** Has this commit's release been signaled? (R139 release point, xshmfence trigger, 002 return fence.) */
export function releaseSignaled(w: World, release: string): boolean {
  if (release.startsWith('tl:')) return syncobj_point_signaled(w, ...parsePoint(release));
  if (kindOf(w, release) === 'sync_file') {
    const f = sync_file_get_fence(w, release); // fenced_release: the fence it carries
    return f !== null && isSignaled(w, f);
  }
  return hasTag(w, release, 'signaled');
}

/** The client a fence belongs to (its owner is the client or one of its jobs), or null. */
export function fenceClient(w: World, f: string): string | null {
  if (!has(w, f)) return null;
  const o = ctx<DmaFenceContext>(w, f).owner;
  return idsOf(w, 'present_client').find((c) => o === c || o.startsWith(`${c}.`)) ?? null;
}

/** Frames whose render into buffer b of `client` is still executing on the GPU (a write in flight). */
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
