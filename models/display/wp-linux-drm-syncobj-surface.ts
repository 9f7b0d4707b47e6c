/**
 * wp_linux_drm_syncobj_surface_v1 — wayland-protocols staging/linux-drm-syncobj/linux-drm-syncobj-v1.xml,
 * the per-surface explicit-sync state the compositor keeps for one wl_surface.
 *
 * Contract (kernel-sync-semantics.md §1.16, I27):
 * - R137 set_acquire_point / set_release_point are double-buffered: they apply at the next
 *        wl_surface.commit, to the buffer attached at that commit; setting one again in the same cycle
 *        replaces the previous value.
 * - R138 at commit: both points are set iff a non-null buffer is attached (no_buffer,
 *        no_acquire_point, no_release_point); the buffer must support explicit sync
 *        (unsupported_buffer); on the same timeline acquire < release strictly (conflicting_points).
 *        A protocol error is fatal for the client: the surface stops accepting requests.
 * - R140 destroying the object discards points set since the last commit; points already committed
 *        stay valid (the compositor's queue keeps them).
 * - R141 the acquire point need not be materialized at commit (wait-before-signal): nothing here
 *        looks at the timeline (a drm_syncobj); the compositor arms a WAIT_AVAILABLE eventfd on the
 *        point and decides readiness later (models/display/sync-syncobj.ts, present-view.ts).
 * (R136 import_timeline / get_surface errors are manager requests, not modelled: every timeline here is imported.)
 *
 * Events: WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_SET_ACQUIRE_POINT {timeline, point},
 *   WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_SET_RELEASE_POINT {timeline, point}, WL_SURFACE_ATTACH {buf, frame,
 *   explicitSync}, WL_SURFACE_COMMIT, WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_DESTROY.
 */
import { setup, assign, enqueueActions } from 'xstate';
import { deliver } from '../world.ts';
import type { SurfaceCommit } from './compositor.ts';

export interface TimelinePoint {
  timeline: string;
  point: number;
}

export interface WpLinuxDrmSyncobjSurfaceContext {
  /** always: the client owning the wl_surface, and the compositor its commits go to. */
  client: string;
  compositor: string;
  /** active: pending state for the next commit (R137). */
  acquire: TimelinePoint | null;
  release: TimelinePoint | null;
  /** active: the pending wl_surface.attach ('' = none), its frame label, whether it supports explicit sync. */
  buffer: string;
  frame: number;
  explicitSync: boolean;
  /** always: commits applied. */
  commits: number;
  /** error: the protocol error raised (R138). */
  error: string;
}

type E =
  | { type: 'WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_SET_ACQUIRE_POINT'; timeline: string; point: number }
  | { type: 'WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_SET_RELEASE_POINT'; timeline: string; point: number }
  | { type: 'WL_SURFACE_ATTACH'; buf: string; frame: number; explicitSync: boolean }
  | { type: 'WL_SURFACE_COMMIT' }
  | { type: 'WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_DESTROY' };

/** R138 on plain data: the protocol error this commit raises, or ''. */
function commitError(c: WpLinuxDrmSyncobjSurfaceContext): string {
  if (!c.buffer) return c.acquire || c.release ? 'no_buffer' : '';
  if (!c.explicitSync) return 'unsupported_buffer';
  if (!c.acquire) return 'no_acquire_point';
  if (!c.release) return 'no_release_point';
  if (c.acquire.timeline === c.release.timeline && c.acquire.point >= c.release.point) return 'conflicting_points';
  return '';
}

const pointHandle = (p: TimelinePoint) => `tl:${p.timeline}@${p.point}`;

const cleared = { acquire: null, release: null, buffer: '', frame: -1, explicitSync: false };

export const wpLinuxDrmSyncobjSurfaceMachine = setup({
  types: {
    context: {} as WpLinuxDrmSyncobjSurfaceContext,
    events: {} as E,
    input: {} as { client?: string; compositor?: string },
  },
  guards: {
    'commit is valid': ({ context }) => commitError(context) === '',
  },
  actions: {
    deliver: (_, _p: unknown) => {},
    /** R137/R138: apply the pending state to the attached buffer and hand the commit to the compositor. */
    apply: enqueueActions(({ context: c, enqueue }) => {
      if (c.buffer) {
        const commit: SurfaceCommit = {
          client: c.client,
          buf: c.buffer,
          frame: c.frame,
          acquire: pointHandle(c.acquire!),
          release: pointHandle(c.release!),
        };
        enqueue(deliver(c.compositor, { type: 'WL_SURFACE_COMMIT', commit }));
      }
      enqueue.assign({ ...cleared, commits: c.commits + 1 });
    }),
  },
}).createMachine({
  id: 'wp_linux_drm_syncobj_surface_v1',
  context: ({ input }) => ({
    client: input?.client ?? '',
    compositor: input?.compositor ?? 'compositor',
    ...cleared,
    commits: 0,
    error: '',
  }),
  initial: 'active',
  states: {
    active: {
      on: {
        WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_SET_ACQUIRE_POINT: {
          description: 'R137',
          actions: assign({ acquire: ({ event }) => ({ timeline: event.timeline, point: event.point }) }),
        },
        WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_SET_RELEASE_POINT: {
          description: 'R137',
          actions: assign({ release: ({ event }) => ({ timeline: event.timeline, point: event.point }) }),
        },
        WL_SURFACE_ATTACH: {
          actions: assign({
            buffer: ({ event }) => event.buf,
            frame: ({ event }) => event.frame,
            explicitSync: ({ event }) => event.explicitSync,
          }),
        },
        WL_SURFACE_COMMIT: [
          { guard: 'commit is valid', actions: 'apply', description: 'R138 checks pass' },
          {
            target: 'error',
            description: 'R138: a protocol error',
            actions: assign({ error: ({ context }) => commitError(context) }),
          },
        ],
        WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_DESTROY: {
          target: 'destroyed',
          description: 'R140: uncommitted points are discarded',
          actions: assign(cleared),
        },
      },
    },
    error: { tags: ['protocol-error'], type: 'final' },
    destroyed: { type: 'final' },
  },
});
