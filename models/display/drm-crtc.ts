/**
 * drm_crtc with its planes — drivers/gpu/drm/drm_atomic_uapi.c, drm_atomic_helper.c, drm_vblank.c.
 *
 * Contract (kernel-sync-semantics.md §1.15):
 * - R131 a plane's IN_FENCE_FD is set at most once per commit and must be a sync_file (-EINVAL); with
 *        DRM_MODE_ATOMIC_TEST_ONLY the commit is only validated (models/display/drm-atomic.ts).
 * - R132 prepare_fb: an explicit in-fence is combined with the framebuffer BO's KERNEL fences only;
 *        without one the BO's WRITE (implicit) fences are used (models/display/drm-atomic.ts).
 * - R133 wait_for_fences: the new framebuffer is never scanned out before every fence of the commit
 *        has signaled; this means a commit whose fences are late misses its vblank and flips later.
 * - R134 OUT_FENCE_PTR: one fence per CRTC and commit, carried by the vblank event, signaled exactly
 *        once when the commit's framebuffers are scanned out; TEST_ONLY or any failure writes fd -1 and
 *        the fence is never visible (the rules create it only for a commit this machine accepts).
 * - R135 the commit tail up to the flip-done event is a signalling section for that out-fence: the
 *        flip below takes no lock and allocates nothing.
 * - a CRTC flips at most once per vblank: one nonblocking commit may be pending; a second one is
 *   refused with -EBUSY until the pending one flipped.
 *
 * Models: the planes' scanned-out framebuffers, the one pending commit, the vblank counter.
 * Abstracted away (why that is sound): modes, CRTC state other than planes (no property reads them),
 * timestamps (vblanks are counted, not timed), blocking commits (every compositor here is nonblocking).
 *
 * Events: DRM_MODE_ATOMIC_COMMIT {planes, waiting, outFence, event} (rules -> crtc, after validation),
 *   DRM_ATOMIC_FENCE_SIGNALED {fence} (an in-fence callback), DRM_CRTC_HANDLE_VBLANK (the display),
 *   DRM_FB_RELEASE {fbs} (drm_fb_release on the master's close: planes showing those fbs go dark).
 */
import { setup, assign, enqueueActions } from 'xstate';
import { deliver } from '../world.ts';
import { withView } from '../view.ts';

export const EBUSY = -16;

interface DrmPendingCommit {
  /** R134: this commit's sequence number on the CRTC. */
  seq: number;
  /** plane -> fb this commit puts on it ('' = disable the plane). */
  planes: Record<string, string>;
  /** R133: fences of the commit (in-fences and prepare_fb's implicit/KERNEL fences) not yet signaled. */
  waiting: string[];
  /** R134: the out-fence ('' when OUT_FENCE_PTR was not given). */
  outFence: string;
  /** who gets DRM_EVENT_FLIP_COMPLETE ('' = nobody asked for the event). */
  event: string;
}

export interface DrmCrtcContext {
  /** always: drm_crtc_vblank_count. */
  vblanks: number;
  /** always: plane -> framebuffer being scanned out ('' = plane disabled). */
  planes: Record<string, string>;
  /** always: commits accepted so far (the next commit's seq is commitSeq + 1). */
  commitSeq: number;
  /** armed: the accepted commit waiting for its fences and the next vblank; null when idle. */
  pending: DrmPendingCommit | null;
  /** always: flips done; at most one per vblank. */
  flips: number;
}

type E =
  | {
      type: 'DRM_MODE_ATOMIC_COMMIT';
      planes: Record<string, string>;
      waiting: string[];
      outFence: string;
      event: string;
    }
  | { type: 'DRM_ATOMIC_FENCE_SIGNALED'; fence: string }
  | { type: 'DRM_CRTC_HANDLE_VBLANK' }
  | { type: 'DRM_FB_RELEASE'; fbs: string[] };

export const drmCrtcMachine = setup({
  types: { context: {} as DrmCrtcContext, events: {} as E, input: {} as { planes?: string[] } },
  guards: {
    'no commit pending': ({ context }) => context.pending === null,
    'a pending fence': ({ context, event }) =>
      event.type === 'DRM_ATOMIC_FENCE_SIGNALED' && !!context.pending?.waiting.includes(event.fence),
    'fences signaled': ({ context }) => context.pending !== null && context.pending.waiting.length === 0,
    'shows a released fb': ({ context, event }) =>
      event.type === 'DRM_FB_RELEASE' &&
      context.pending === null &&
      Object.values(context.planes).some((fb) => fb !== '' && event.fbs.includes(fb)),
  },
  actions: {
    deliver: (_, _p: unknown) => {},
    /** R133/R134: scan out the new framebuffers, signal the out-fence once, send the flip event. */
    flip: enqueueActions(({ context, enqueue }) => {
      const p = context.pending!;
      enqueue.assign({
        vblanks: context.vblanks + 1,
        planes: { ...context.planes, ...p.planes },
        pending: null,
        flips: context.flips + 1,
      });
      if (p.outFence) enqueue(deliver(p.outFence, { type: 'DMA_FENCE_SIGNAL' }));
      if (p.event) enqueue(deliver(p.event, { type: 'DRM_EVENT_FLIP_COMPLETE', seq: p.seq }));
    }),
  },
}).createMachine({
  id: 'drm_crtc',
  context: ({ input }) => ({
    vblanks: 0,
    planes: Object.fromEntries((input?.planes ?? ['plane0']).map((p) => [p, ''])),
    commitSeq: 0,
    pending: null,
    flips: 0,
  }),
  on: {
    DRM_MODE_ATOMIC_COMMIT: {
      guard: 'no commit pending',
      description: 'R134: one pending nonblocking commit; a second is -EBUSY (flip at most once per vblank)',
      actions: assign(({ context, event }) => ({
        commitSeq: context.commitSeq + 1,
        pending: {
          seq: context.commitSeq + 1,
          planes: event.planes,
          waiting: event.waiting,
          outFence: event.outFence,
          event: event.event,
        },
      })),
    },
    DRM_ATOMIC_FENCE_SIGNALED: {
      guard: 'a pending fence',
      description: 'R133: drm_atomic_helper_wait_for_fences makes progress',
      actions: assign({
        pending: ({ context, event }) => ({
          ...context.pending!,
          waiting: context.pending!.waiting.filter((f) => f !== event.fence),
        }),
      }),
    },
    DRM_CRTC_HANDLE_VBLANK: [
      { guard: 'fences signaled', actions: 'flip', description: 'R133-R135: flip at vblank once every fence signaled' },
      {
        actions: assign({ vblanks: ({ context }) => context.vblanks + 1 }),
        description: 'no flip this vblank (nothing pending, or a fence is late: missed)',
      },
    ],
    DRM_FB_RELEASE: {
      guard: 'shows a released fb',
      description: "drm_fb_release: planes scanning out a closed file's fbs are disabled (after any pending flip)",
      actions: assign({
        planes: ({ context, event }) =>
          Object.fromEntries(Object.entries(context.planes).map(([p, fb]) => [p, event.fbs.includes(fb) ? '' : fb])),
      }),
    },
  },
});

// A pending flip cannot complete (signal its out-fence) before each fence it waits for.
withView(drmCrtcMachine, {
  waitEdges: (id, c: DrmCrtcContext) =>
    c.pending?.outFence ? c.pending.waiting.map((f) => [c.pending!.outFence, f, `${id} flip waits (R133)`]) : [],
});
