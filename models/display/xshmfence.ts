/**
 * xshmfence — libxshmfence, the X11 Present extension's idle fence (xserver present/present_fence.c).
 *
 * Contract (X11 Present with DRI3; implicit sync, kernel-sync-semantics.md §1.14, R62, R132):
 * - a futex in shared memory, not a dma_fence: the kernel knows nothing of it, so no kernel
 *   promise (R20, R30) applies and no drain ever waits for it.
 * - the client resets it (xshmfence_reset) before PresentPixmap; the X server triggers it
 *   (xshmfence_trigger, with PresentIdleNotify) once the pixmap is idle: no longer scanned out and no
 *   longer composited; this means the client may write the pixmap only once it is triggered
 *   (xshmfence_await).
 * - GPU ordering does not go through it: the pixmap's rendering is ordered by the dma-buf's implicit
 *   fences (R62), which KMS and the X server honour (R132).
 *
 * Events: XSHMFENCE_RESET (client), XSHMFENCE_TRIGGER (X server).
 */
import { setup } from 'xstate';

export const xshmfenceMachine = setup({
  types: {
    context: {} as Record<string, never>,
    events: {} as { type: 'XSHMFENCE_RESET' } | { type: 'XSHMFENCE_TRIGGER' },
  },
}).createMachine({
  id: 'xshmfence',
  context: () => ({}),
  initial: 'triggered',
  states: {
    triggered: {
      tags: ['signaled'],
      on: { XSHMFENCE_RESET: { target: 'reset', description: 'the client hands the pixmap to the server' } },
    },
    reset: {
      on: {
        XSHMFENCE_TRIGGER: {
          target: 'triggered',
          description: 'PresentIdleNotify: the server no longer uses the pixmap',
        },
      },
    },
  },
});
