/**
 * A presenting client: a GL/Vulkan application that renders frames into a small swapchain of buffers
 * and presents them to the display server — seed 000 (display part), seed 002 §2.1 (Present request).
 *
 * Contract (kernel-sync-semantics.md §1.14-§1.17, I27):
 * - the client writes a buffer only when it is free: never presented, or its last commit released
 *   (R139: "after release ... the client may reuse it with no further sync"); the rules pick a free
 *   buffer from the release handles and pass it in CLIENT_RENDER / CLIENT_PRESENT.
 * - R145 wait-before-signal: with `wbs`, a frame may be presented before its render is submitted (its
 *   acquire point is then not materialized, R141); without it (implicit sync: the fence travels in
 *   the dma-buf's resv, R62, so it must exist before the present) the render comes first.
 * - a crashed client does nothing more; the kernel cleans up what it owed (seed 002 §2.1).
 *
 * Models: one frame in progress at a time (render and present, in either order with wbs), which
 * buffer holds which frame, and at which vblank each frame was rendered and first shown (the frame
 * latency the designs report). Abstracted away: the drawing itself (one GPU job per frame), resize,
 * buffer age, more than one surface per client.
 *
 * Events: CLIENT_RENDER {buf, vblank} (render submitted, e.g. DRM_IOCTL_*_CS / vkQueueSubmit),
 *   CLIENT_PRESENT {buf} (wl_surface.commit / PresentPixmap), CLIENT_FRAME_SHOWN {frame, vblank},
 *   CLIENT_CRASH.
 */
import { setup, assign } from 'xstate';

interface FrameInProgress {
  frame: number;
  buf: number;
  rendered: boolean;
  presented: boolean;
}

export interface PresentClientContext {
  /** always: frames this client presents in all. */
  frames: number;
  /** always: buffers in its swapchain. */
  buffers: number;
  /** always: R145 may present before the render is submitted. */
  wbs: boolean;
  /** always: frames finished (rendered and presented); the next frame's number. */
  next: number;
  /** drawing: the frame in progress, null between frames. */
  cur: FrameInProgress | null;
  /** always: buffer -> the last frame presented in it (-1 never), for release lookups. */
  lastFrame: number[];
  /** always: per frame, the vblank count when its render was submitted (-1 not yet). */
  renderedAt: number[];
  /** always: per frame, the vblank count when it was first scanned out (-1 never). */
  shownAt: number[];
}

export interface PresentClientInput {
  frames?: number;
  buffers?: number;
  wbs?: boolean;
}

type E =
  | { type: 'CLIENT_RENDER'; buf: number; vblank: number }
  | { type: 'CLIENT_PRESENT'; buf: number }
  | { type: 'CLIENT_FRAME_SHOWN'; frame: number; vblank: number }
  | { type: 'CLIENT_CRASH' };

const set = (a: number[], i: number, v: number) => a.map((x, j) => (j === i ? v : x));

function advance(c: PresentClientContext, cur: FrameInProgress): Partial<PresentClientContext> {
  if (!cur.rendered || !cur.presented) return { cur };
  return { cur: null, next: c.next + 1, lastFrame: set(c.lastFrame, cur.buf, cur.frame) };
}

export const presentClientMachine = setup({
  types: { context: {} as PresentClientContext, events: {} as E, input: {} as PresentClientInput },
  guards: {
    /** a new frame may start in `buf`, or the frame in progress (in that buffer) is not rendered yet. */
    'may render': ({ context: c, event }) =>
      event.type === 'CLIENT_RENDER' &&
      (c.cur ? !c.cur.rendered && c.cur.buf === event.buf : c.next < c.frames && event.buf < c.buffers),
    /** the frame in progress is rendered (or wbs), or a new frame starts presented first (wbs). */
    'may present': ({ context: c, event }) =>
      event.type === 'CLIENT_PRESENT' &&
      (c.cur
        ? !c.cur.presented && c.cur.buf === event.buf && (c.cur.rendered || c.wbs)
        : c.wbs && c.next < c.frames && event.buf < c.buffers),
    'first time shown': ({ context: c, event }) =>
      event.type === 'CLIENT_FRAME_SHOWN' && event.frame < c.frames && c.shownAt[event.frame] < 0,
  },
}).createMachine({
  id: 'present_client',
  context: ({ input }) => {
    const frames = input?.frames ?? 2,
      buffers = input?.buffers ?? 2;
    return {
      frames,
      buffers,
      wbs: input?.wbs ?? false,
      next: 0,
      cur: null,
      lastFrame: Array(buffers).fill(-1),
      renderedAt: Array(frames).fill(-1),
      shownAt: Array(frames).fill(-1),
    };
  },
  initial: 'drawing',
  states: {
    drawing: {
      on: {
        CLIENT_RENDER: {
          guard: 'may render',
          description: 'render frame `next` into a free buffer (one GPU job)',
          actions: assign(({ context: c, event }) => {
            const cur = c.cur ?? { frame: c.next, buf: event.buf, rendered: false, presented: false };
            return {
              ...advance(c, { ...cur, rendered: true }),
              renderedAt: set(c.renderedAt, cur.frame, event.vblank),
            };
          }),
        },
        CLIENT_PRESENT: {
          guard: 'may present',
          description: 'wl_surface.commit / PresentPixmap; before the render only with wbs (R145)',
          actions: assign(({ context: c, event }) =>
            advance(c, {
              ...(c.cur ?? { frame: c.next, buf: event.buf, rendered: false, presented: false }),
              presented: true,
            }),
          ),
        },
        CLIENT_FRAME_SHOWN: {
          guard: 'first time shown',
          actions: assign({ shownAt: ({ context, event }) => set(context.shownAt, event.frame, event.vblank) }),
        },
        CLIENT_CRASH: { target: 'crashed' },
      },
    },
    crashed: {
      tags: ['crashed'],
      on: {
        CLIENT_FRAME_SHOWN: {
          guard: 'first time shown',
          actions: assign({ shownAt: ({ context, event }) => set(context.shownAt, event.frame, event.vblank) }),
        },
      },
    },
  },
});
