/**
 * Sync modes 'sync-file' and 'hwc': per-commit sync_files, no timelines and no wait-before-signal (a
 * sync_file holds a fence that exists, R64), no implicit sync (R140-like: the buffers carry no resv).
 * - 'sync-file': Wayland zwp_linux_explicit_synchronization_v1 (seed 004): set_acquire_fence(fd) with a
 *   sync_file of the render fence before wl_surface.commit; get_release gives a per-commit
 *   zwp_linux_buffer_release_v1, answered with fenced_release(fd) once the compositor no longer uses
 *   the buffer (here: at the flip-done that replaced it, with that flip's out-fence, R134).
 * - 'hwc': Android hwcomposer (seed 001): BufferQueue::queueBuffer carries the acquire fence; HWC2
 *   presentDisplay returns the retire/present fence (the CRTC out-fence, R134) and, for each layer's
 *   previous buffer, a release fence that signals once the display stopped reading it: the same
 *   out-fence, returned at commit time, before the flip (`releaseAtCommit`). The client waits on it
 *   before writing the buffer (dequeueBuffer's fence).
 * The KMS in-fence is the acquire sync_file itself (R131).
 */
import type { World } from '../world.ts';
import { ctx, has, tell } from '../world.ts';
import { sync_file_create } from '../dma-buf/sync-file-api.ts';
import { dma_fence_get_stub, DMA_FENCE_STUB } from '../drm-syncobj/drm-syncobj-api.ts';
import type { DrmCrtcContext } from './drm-crtc.ts';
import { COMPOSITOR, CRTC, renderFence, type SyncMode } from './present-config.ts';

/** The newest CRTC out-fence (R134): a flip's, once it happened; the stub before the first commit. */
function latestOutFence(w: World): { w: World; fence: string } {
  const seq = ctx<DrmCrtcContext>(w, CRTC).commitSeq;
  if (seq > 0 && has(w, `${CRTC}.out${seq}`)) return { w, fence: `${CRTC}.out${seq}` };
  return { w: dma_fence_get_stub(w), fence: DMA_FENCE_STUB };
}

/** fenced_release / HWC2 release fence: a sync_file of the newest out-fence, created once per commit. */
function fencedRelease(w: World, release: string): World {
  if (has(w, release)) return w;
  const r = latestOutFence(w);
  return sync_file_create(r.w, release, r.fence);
}

function syncFileMode(presentStep: string, releaseAtCommit: boolean): SyncMode {
  return {
    presentStep,
    waitBeforeSignal: false,
    releaseAtCommit,
    acquireHandle: (client, _buf, k) => `${client}.f${k}.acquire`,
    releaseHandle: (client, _buf, k) => `${client}.f${k}.release`,
    initClient: (w) => w,
    attachRender: (w) => w,
    present(w, _cfg, commit) {
      // the render's out sync_file (EGL_ANDROID_native_fence_sync / vkGetSemaphoreFdKHR, R64)
      w = sync_file_create(w, commit.acquire, renderFence(commit.client, commit.frame));
      return tell(w, COMPOSITOR, { type: 'WL_SURFACE_COMMIT', commit });
    },
    kmsInFence: (w, commit) => ({ w, inFence: commit.acquire, close: [] }),
    release: (w, commit) => fencedRelease(w, commit.release),
    clientCrashed: (w) => w,
    compositorFileReleased: (w) => w,
    steps: [],
  };
}

export const syncFileSyncMode = syncFileMode('wl_surface_commit', false);
export const hwcSyncMode = syncFileMode('queueBuffer', true);
