/**
 * Sync mode 'syncobj': wayland linux-drm-syncobj-v1 (R136-R141) on real timeline drm_syncobjs, one per
 * buffer (`<buf>.tl`, as Mesa's WSI does), acquire = 2k+1 and release = 2k+2 for frame k (R138:
 * acquire < release on one timeline), with their dma_fence_chain (models/drm-syncobj/):
 * - the acquire point is added by the render submission: the job's finished fence becomes chain node
 *   2k+1 (R82, drm_syncobj_add_point at the end of the CS ioctl);
 * - the release point is DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL at 2k+2 (R83: the stub as a new node);
 * - on wl_surface.commit the compositor arms DRM_IOCTL_SYNCOBJ_EVENTFD with WAIT_AVAILABLE on the
 *   acquire point (R87, R141: how wlroots learns that a wait-before-signal point materialized); the
 *   eventfd being readable is its notion of "materialized", the chain node's state that of "signalled";
 * - the KMS in-fence is a sync_file exported from the materialized point (HANDLE_TO_FD with
 *   EXPORT_SYNC_FILE, R74; R141: wlroots refuses to export an unmaterialized point);
 * - the naive compositor's CPU wait is DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT with WAIT_FOR_SUBMIT (R84).
 * drm_syncobj_add_point and the export collect the chain as the kernel does.
 */
import type { World } from '../world.ts';
import { has, hasTag, must, spawn } from '../world.ts';
import { eventfdMachine } from '../drm-syncobj/eventfd.ts';
import {
  drm_syncobj_create,
  drm_syncobj_add_point,
  drm_syncobj_find_fence,
  drm_syncobj_eventfd_entries,
  dma_fence_get_stub,
  freshId,
  DMA_FENCE_STUB,
} from '../drm-syncobj/drm-syncobj-api.ts';
import { sync_file_create } from '../dma-buf/sync-file-api.ts';
import { wpLinuxDrmSyncobjSurfaceMachine } from './wp-linux-drm-syncobj-surface.ts';
import { COMPOSITOR, bufId, type SyncMode } from './present-config.ts';
import { availableEventfd, parsePoint } from './present-view.ts';

const tlOf = (buf: string) => `${buf}.tl`;

/** R83 DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL on one syncobj and point: dma_fence_get_stub() added as a new point (R82). */
export function syncobj_timeline_signal(w: World, syncobj: string, p: number): World {
  w = dma_fence_get_stub(w);
  return drm_syncobj_add_point(w, syncobj, DMA_FENCE_STUB, p).w;
}

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

export const syncobjMode: SyncMode = {
  presentStep: 'wl_surface_commit',
  waitBeforeSignal: true,
  acquireHandle: (_client, buf, k) => `tl:${tlOf(buf)}@${2 * k + 1}`,
  releaseHandle: (_client, buf, k) => `tl:${tlOf(buf)}@${2 * k + 2}`,
  initClient(w, client, buffers) {
    w = spawn(w, `${client}.surface`, wpLinuxDrmSyncobjSurfaceMachine, { client, compositor: COMPOSITOR });
    // DRM_IOCTL_SYNCOBJ_CREATE (R72, no flags: NULL payload), imported by the compositor (R136).
    for (let b = 0; b < buffers; b++) w = drm_syncobj_create(w, tlOf(bufId(client, b)));
    return w;
  },
  // R82: the job's fence materializes the acquire point.
  attachRender: (w, _client, buf, fence, k) => drm_syncobj_add_point(w, tlOf(buf), fence, 2 * k + 1).w,
  present(w, _cfg, commit) {
    const s = `${commit.client}.surface`;
    const [tl, acquire] = parsePoint(commit.acquire);
    const [, release] = parsePoint(commit.release);
    w = must(w, s, { type: 'WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_SET_ACQUIRE_POINT', timeline: tl, point: acquire });
    w = must(w, s, { type: 'WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_SET_RELEASE_POINT', timeline: tl, point: release });
    w = must(w, s, { type: 'WL_SURFACE_ATTACH', buf: commit.buf, frame: commit.frame, explicitSync: true });
    w = must(w, s, { type: 'WL_SURFACE_COMMIT' });
    return hasTag(w, COMPOSITOR, 'crashed') ? w : arm_available(w, tl, acquire); // R141
  },
  /**
   * A sync_file exported from the point (HANDLE_TO_FD with EXPORT_SYNC_FILE|TIMELINE, R74:
   * drm_syncobj_find_fence with flags 0), which fails on an unmaterialized point (R78, R141: wlroots
   * never exports one); the compositor closes the fd after the atomic ioctl.
   */
  kmsInFence(w, commit) {
    const [tl, p] = parsePoint(commit.acquire);
    const r = drm_syncobj_find_fence(w, tl, p, 0);
    if (r.ret || r.fence === null) {
      const why = 'R74, R141: exported before it materialized';
      throw new Error(`HANDLE_TO_FD(EXPORT_SYNC_FILE) of ${commit.acquire}: ${r.ret} (${why})`);
    }
    const file = freshId(r.w, `${tl}@${p}.sync_file`);
    return { w: sync_file_create(r.w, file, r.fence), inFence: file, close: [file] };
  },
  release: (w, commit) => syncobj_timeline_signal(w, ...parsePoint(commit.release)), // R83
  clientCrashed: (w) => w,
  compositorFileReleased: (w) => w,
  steps: [],
};
