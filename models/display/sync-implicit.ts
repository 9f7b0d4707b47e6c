/**
 * Sync mode 'implicit': X11 PresentPixmap (and old Wayland) with implicit sync. The render fence
 * travels in the dma-buf's resv as WRITE (R62), so the render comes before the present (no
 * wait-before-signal, R145); readiness is poll(EPOLLIN) on the dma-buf (R129); KMS gets no in-fence
 * and prepare_fb takes the WRITE fences (R132); the release is the pixmap's xshmfence idle fence,
 * triggered with PresentIdleNotify (models/display/xshmfence.ts).
 */
import { must, spawn, tell } from '../world.ts';
import { dmaResvMachine } from '../dma-buf/dma-resv.ts';
import { dma_resv_add_fence_locked } from '../drm-sched/implicit-sync.ts';
import { xshmfenceMachine } from './xshmfence.ts';
import { COMPOSITOR, bufId, type SyncMode } from './present-config.ts';

export const implicitMode: SyncMode = {
  presentStep: 'xcb_present_pixmap',
  waitBeforeSignal: false,
  acquireHandle: () => '',
  releaseHandle: (_client, buf) => `${buf}.idle`,
  initClient(w, client, buffers) {
    for (let b = 0; b < buffers; b++) {
      w = spawn(w, `${bufId(client, b)}.resv`, dmaResvMachine, {});
      w = spawn(w, `${bufId(client, b)}.idle`, xshmfenceMachine, {});
    }
    return w;
  },
  // R62: the job's fence is the buffer's WRITE fence.
  attachRender: (w, client, buf, fence) => dma_resv_add_fence_locked(w, buf, fence, 'WRITE', client),
  present(w, _cfg, commit) {
    w = must(w, commit.release, { type: 'XSHMFENCE_RESET' }); // xshmfence_reset before PresentPixmap
    return tell(w, COMPOSITOR, { type: 'PRESENT_PIXMAP', commit });
  },
  kmsInFence: (w) => ({ w, inFence: '', close: [] }), // R132: prepare_fb uses the WRITE fences
  release: (w, commit) => must(w, commit.release, { type: 'XSHMFENCE_TRIGGER' }), // PresentIdleNotify
  clientCrashed: (w) => w,
  compositorFileReleased: (w) => w,
  steps: [],
};
