/**
 * A display server (Wayland compositor or X server with Present) driven by vblank — seed 000, display
 * part: "data flows forwards, timing flows backwards"; a 'paint now' signal ahead of vblank; a
 * late-binding decision just before paint for wait-before-signal clients.
 *
 * Contract (kernel-sync-semantics.md §1.15, §1.16; I26, I27):
 * - R137 a surface commit is double-buffered state: the compositor queues commits per surface in
 *        wl_surface.commit order and applies them at its own pace.
 * - R139 the compositor must not sample a buffer before its acquire point signaled; this means the
 *        choice of buffer happens at paint, from the fence states the rules read (this machine never
 *        reads another object): the rules send COMPOSITOR_LATCH with the choice.
 * - R139 the compositor signals a commit's release once it no longer uses that buffer: a commit
 *        leaves the compositor's hands through `toRelease` (superseded before display, or flipped
 *        away from), and only the rules release it, in the same atomic step.
 * - the compositor waits on a client's fence only in the `stalled` state (a CPU wait, e.g.
 *   DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT with WAIT_FOR_SUBMIT, R84); it records the frame it did so in
 *   `waited`.
 *
 * Role: the compositor's own steps are not client steps: they run with userspace clients stopped (the
 * drain lets 'kernel', 'gpu' and 'timer' steps run), so "clients stopped or crashed" never stops
 * the display pipeline unless the compositor chose to wait on a client.
 * Models: per-surface commit queues, the latched, on-screen and to-be-released commits, one paint per
 * vblank interval. Abstracted away (why that is sound): composition by GPU (buffers go to planes
 * directly; a GPU composite only adds one more kernel fence), damage, input, subsurfaces.
 *
 * Events: WL_SURFACE_COMMIT / PRESENT_PIXMAP {commit}, COMPOSITOR_PAINT_NOW {frame}, COMPOSITOR_LATCH
 *   {client, n, use}, COMPOSITOR_STALL {client, on}, COMPOSITOR_WAIT_DONE, COMPOSITOR_COMMITTED,
 *   COMPOSITOR_NOTHING_NEW, DRM_EVENT_FLIP_COMPLETE {seq}, COMPOSITOR_RELEASED, COMPOSITOR_CRASH.
 */
import { setup, assign } from 'xstate';
import { withView, type Edge } from '../view.ts';
import { drm_syncobj_point_fence } from '../drm-syncobj/drm-syncobj-api.ts';

/**
 * One wl_surface.commit (or PresentPixmap) of a buffer. Handles are read by models/display/present-view.ts.
 * A type, not an interface, so that it is plain JSON and travels in an event as it is.
 */
export type SurfaceCommit = {
  client: string;
  buf: string;
  frame: number;
  /**
   * readiness: 'tl:<drm_syncobj>@<point>' (a timeline point), a fence id (submit fence), '' = the buffer's implicit
   * fences.
   */
  acquire: string;
  /** release: 'tl:<drm_syncobj>@<point>', an xshmfence id, or a return fence id. */
  release: string;
};

export interface Wait {
  client: string;
  /** the handle waited on (an acquire handle). */
  on: string;
  frame: number;
}

export interface CompositorContext {
  /** always: the vblank the current (or last) paint is for. */
  frame: number;
  /** always: committed, not yet latched, per client in commit order (R137). */
  queue: Record<string, SurfaceCommit[]>;
  /** painting..flipping: chosen at paint, in the pending KMS commit once committed. */
  latched: Record<string, SurfaceCommit>;
  /** always: on a plane since the last flip. */
  onScreen: Record<string, SurfaceCommit>;
  /** always: commits no longer used (R139); the rules release them and send COMPOSITOR_RELEASED. */
  toRelease: SurfaceCommit[];
  /** stalled: the client fence being waited on. */
  stall: Wait | null;
  /** the wait of the current frame, if any (cleared at paint-now). */
  waited: Wait | null;
}

type E =
  | { type: 'WL_SURFACE_COMMIT'; commit: SurfaceCommit }
  | { type: 'PRESENT_PIXMAP'; commit: SurfaceCommit }
  | { type: 'COMPOSITOR_PAINT_NOW'; frame: number }
  | { type: 'COMPOSITOR_LATCH'; client: string; n: number; use: boolean }
  | { type: 'COMPOSITOR_STALL'; client: string; on: string }
  | { type: 'COMPOSITOR_WAIT_DONE' }
  | { type: 'COMPOSITOR_COMMITTED' }
  | { type: 'COMPOSITOR_NOTHING_NEW' }
  | { type: 'DRM_EVENT_FLIP_COMPLETE'; seq: number }
  | { type: 'COMPOSITOR_RELEASED' }
  | { type: 'COMPOSITOR_CRASH' };

/** COMPOSITOR_LATCH on plain data: take n queued commits; the last becomes latched if `use`, the rest are released. */
function latch(c: CompositorContext, client: string, n: number, use: boolean): Partial<CompositorContext> {
  const q = c.queue[client] ?? [];
  const taken = q.slice(0, n);
  const rel = [...c.toRelease];
  const latched = { ...c.latched };
  const keep = use ? taken.pop() : undefined;
  rel.push(...taken);
  if (keep) {
    if (latched[client]) rel.push(latched[client]);
    latched[client] = keep;
  }
  return { queue: { ...c.queue, [client]: q.slice(n) }, latched, toRelease: rel };
}

/** DRM_EVENT_FLIP_COMPLETE on plain data: latched commits are on screen, what they replaced is released. */
function flipped(c: CompositorContext): Partial<CompositorContext> {
  const onScreen = { ...c.onScreen };
  const rel = [...c.toRelease];
  for (const [client, s] of Object.entries(c.latched)) {
    if (onScreen[client]) rel.push(onScreen[client]);
    onScreen[client] = s;
  }
  return { onScreen, latched: {}, toRelease: rel };
}

export const compositorMachine = setup({
  types: { context: {} as CompositorContext, events: {} as E },
  guards: {
    'has a queued commit': ({ context, event }) =>
      event.type === 'COMPOSITOR_LATCH' && event.n > 0 && event.n <= (context.queue[event.client]?.length ?? 0),
    'has something to release': ({ context }) => context.toRelease.length > 0,
  },
  actions: {
    /** R137: queue the commit for its surface. */
    'queue commit': assign(({ context, event }) => {
      if (event.type !== 'WL_SURFACE_COMMIT' && event.type !== 'PRESENT_PIXMAP') return {};
      const s = event.commit;
      return { queue: { ...context.queue, [s.client]: [...(context.queue[s.client] ?? []), s] } };
    }),
  },
}).createMachine({
  id: 'compositor',
  context: () => ({ frame: 0, queue: {}, latched: {}, onScreen: {}, toRelease: [], stall: null, waited: null }),
  initial: 'idle',
  on: {
    WL_SURFACE_COMMIT: { actions: 'queue commit', description: 'R137: queue the commit for its surface' },
    PRESENT_PIXMAP: { actions: 'queue commit', description: 'X11 Present: queue the pixmap' },
    COMPOSITOR_RELEASED: {
      guard: 'has something to release',
      actions: assign({ toRelease: [] }),
      description: 'R139: the rules released them',
    },
    COMPOSITOR_CRASH: { target: '.crashed' },
  },
  states: {
    idle: {
      on: {
        COMPOSITOR_PAINT_NOW: {
          target: 'painting',
          description: "seed 000: the 'paint now' signal ahead of vblank",
          actions: assign({ frame: ({ event }) => event.frame, waited: null }),
        },
      },
    },
    painting: {
      on: {
        COMPOSITOR_LATCH: {
          guard: 'has a queued commit',
          description: 'seed 000: the late-binding decision',
          actions: assign(({ context, event }) => latch(context, event.client, event.n, event.use)),
        },
        COMPOSITOR_STALL: {
          target: 'stalled',
          description: 'a CPU wait on a client fence at paint',
          actions: assign(({ context, event }) => {
            const w = { client: event.client, on: event.on, frame: context.frame };
            return { stall: w, waited: w };
          }),
        },
        COMPOSITOR_COMMITTED: { target: 'flipping', description: 'the latched buffers are in a KMS commit' },
        COMPOSITOR_NOTHING_NEW: { target: 'idle', description: 'nothing new to show: keep the previous buffers' },
      },
    },
    stalled: {
      tags: ['blocked'],
      on: { COMPOSITOR_WAIT_DONE: { target: 'painting', actions: assign({ stall: null }) } },
    },
    flipping: {
      on: {
        DRM_EVENT_FLIP_COMPLETE: {
          target: 'idle',
          description: 'R134 flip done: what was replaced is released (R139)',
          actions: assign(({ context }) => flipped(context)),
        },
      },
    },
    crashed: { tags: ['crashed'], type: 'final' },
  },
});

// A stalled compositor cannot paint (or release anything) before the fence it waits on. A wait on a
// timeline point (TIMELINE_WAIT with WAIT_FOR_SUBMIT, R84) is on the chain node that represents it
// once the point materialized (R81); before that it waits on no fence at all, only on userspace.
withView(compositorMachine, {
  waitEdges: (id, c: CompositorContext, w): Edge[] => {
    if (!c.stall) return [];
    if (!c.stall.on.startsWith('tl:')) return [[id, c.stall.on, `${id} waits at paint`]];
    const at = c.stall.on.lastIndexOf('@');
    const syncobj = c.stall.on.slice(3, at);
    const f = w.o[syncobj] ? drm_syncobj_point_fence(w, syncobj, Number(c.stall.on.slice(at + 1))) : null;
    return f && w.o[f] ? [[id, f, `${id} waits at paint on ${c.stall.on} (R84)`]] : [];
  },
});
