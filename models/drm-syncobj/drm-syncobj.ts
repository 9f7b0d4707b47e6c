/**
 * drm_syncobj — drivers/gpu/drm/drm_syncobj.c, include/uapi/drm/drm.h. One kind for binary and
 * timeline use: the kernel makes no distinction, only the ioctls do (R81).
 *
 * Contract (kernel-sync-semantics.md §1.9, §1.10):
 * - R70 a syncobj is a nullable pointer to a fence (the payload); every operation acts on the fence
 *       current at the time of the call; this means enqueued work that waits on it resolves it then.
 * - R71 drm_syncobj_replace_fence swaps the pointer (NULL = reset) and re-evaluates waiters and
 *       eventfd entries if it changed; fences already captured elsewhere are unaffected (I17).
 * - R72 CREATE with SIGNALED installs a fresh signaled private stub; without it the payload is NULL.
 * - R77 SIGNAL installs a fresh signaled stub; R76 RESET installs NULL.
 * - R80 opaque fds share the object (refcount); sync_file export and import are snapshots.
 * - R81 timeline: the payload is the head of a dma_fence_chain; point p is materialized iff
 *       find_seqno(head, p) succeeds; point 0 means binary semantics.
 * - R82 drm_syncobj_add_point installs a new chain node as the head, wakes waiters and eventfd
 *       entries, and garbage-collects once; this means it cannot fail, and an unordered point
 *       (prev->seqno >= p) is only logged ("You are adding an unorder point to timeline!").
 * - R87 an eventfd entry fires once: when its point materializes (WAIT_AVAILABLE) or signals.
 * The checks in the kernel's order, find_seqno, wait evaluation and GC read other objects, so they
 * live in models/drm-syncobj/drm-syncobj-api.ts; this machine is the object's own state.
 *
 * Models: the payload pointer, the kref (handles and fds), armed eventfd entries, and the two things
 * the object itself records that I14 is about: the last point added and the unordered-point log.
 * Abstracted away (why that is sound): the spinlock (each event is one atomic kernel operation);
 * wait-for-submit waiters (blocked threads live in the uAPI device and re-check after every step,
 * which is what syncobj_wait_syncobj_func does under the lock, R78/R79); the idr of handles (the
 * per-file handle table is the device's; only the reference it holds is here).
 *
 * Events (caller -> syncobj):
 *   DRM_SYNCOBJ_GET                         handle or fd created -> syncobj (kref_get)
 *   DRM_SYNCOBJ_PUT                         handle destroyed or fd closed -> syncobj (kref_put)
 *   DRM_SYNCOBJ_REPLACE_FENCE {fence}       drm_syncobj_replace_fence (R71; '' = NULL)
 *   DRM_SYNCOBJ_ADD_POINT {chain, point, unordered}  drm_syncobj_add_point (R82)
 *   DRM_SYNCOBJ_ADD_EVENTFD {eventfd, point, available}  drm_syncobj_add_eventfd (R87)
 *   DRM_SYNCOBJ_EVENTFD_TAKE {eventfd}      syncobj_eventfd_entry_func: list_del_init of a resolved entry
 */
import { setup, assign } from 'xstate';

/** DRM_SYNCOBJ_* uAPI flags (include/uapi/drm/drm.h). */
export const DRM_SYNCOBJ_CREATE_SIGNALED = 1 << 0;
export const DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL = 1 << 0;
export const DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT = 1 << 1;
export const DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE = 1 << 2;
export const DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE = 1 << 3;
export const DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE = 1 << 0;
export const DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_TIMELINE = 1 << 1;
export const DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE = 1 << 0;
export const DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_TIMELINE = 1 << 1;
export const DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED = 1 << 0;

export interface DrmSyncobjEventfdEntry {
  /** the eventfd object to signal. */
  eventfd: string;
  point: number;
  /** DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE: fire on materialization rather than on signal. */
  available: boolean;
}

export interface DrmSyncobjContext {
  /** always: kref held by handles and fds (R73, R80); 0 in `freed`. */
  refcount: number;
  /** alive: the payload, a dma_fence or a dma_fence_chain head; '' = NULL (R70). */
  fence: string;
  /** alive: binary replaces and resets so far (R71); a QUERY may only go back across one (I14). */
  replaced: number;
  /** alive: the point the last drm_syncobj_add_point was asked for (R82); 0 before any. */
  lastPoint: number;
  /** alive: R82 "You are adding an unorder point to timeline!" messages logged so far. */
  unordered: number;
  /** alive: eventfd entries not yet resolved to a fence (R87). */
  eventfds: DrmSyncobjEventfdEntry[];
}

type E =
  | { type: 'DRM_SYNCOBJ_GET' }
  | { type: 'DRM_SYNCOBJ_PUT' }
  | { type: 'DRM_SYNCOBJ_REPLACE_FENCE'; fence: string }
  | { type: 'DRM_SYNCOBJ_ADD_POINT'; chain: string; point: number; unordered: boolean }
  | { type: 'DRM_SYNCOBJ_ADD_EVENTFD'; eventfd: string; point: number; available: boolean }
  | { type: 'DRM_SYNCOBJ_EVENTFD_TAKE'; eventfd: string };

function build() {
  return setup({
    types: { context: {} as DrmSyncobjContext, events: {} as E, input: {} as { fence?: string } },
    guards: {
      'last reference': ({ context }) => context.refcount === 1,
      'entry armed': ({ context, event }) =>
        event.type === 'DRM_SYNCOBJ_EVENTFD_TAKE' && context.eventfds.some((e) => e.eventfd === event.eventfd),
    },
  }).createMachine({
    id: 'drm_syncobj',
    context: ({ input }) => ({
      refcount: 1,
      fence: input?.fence ?? '',
      replaced: 0,
      lastPoint: 0,
      unordered: 0,
      eventfds: [],
    }),
    initial: 'alive',
    states: {
      alive: {
        on: {
          DRM_SYNCOBJ_GET: {
            description: 'R80: a new handle or fd shares the object',
            actions: assign({ refcount: ({ context }) => context.refcount + 1 }),
          },
          DRM_SYNCOBJ_PUT: [
            {
              guard: 'last reference',
              target: 'freed',
              description: 'drm_syncobj_free: replace_fence(NULL), free eventfd entries',
              actions: assign({ refcount: 0, fence: '', eventfds: [] }),
            },
            {
              description: 'R73: drop one reference',
              actions: assign({ refcount: ({ context }) => context.refcount - 1 }),
            },
          ],
          DRM_SYNCOBJ_REPLACE_FENCE: {
            description: 'R71 (NULL = reset, R76); R72/R77 install a signaled stub this way',
            actions: assign({ fence: ({ event }) => event.fence, replaced: ({ context }) => context.replaced + 1 }),
          },
          DRM_SYNCOBJ_ADD_POINT: {
            description: 'R82: the chain node becomes the head; an unordered point is only logged',
            actions: assign({
              fence: ({ event }) => event.chain,
              lastPoint: ({ event }) => event.point,
              unordered: ({ context, event }) => context.unordered + (event.unordered ? 1 : 0),
            }),
          },
          DRM_SYNCOBJ_ADD_EVENTFD: {
            description: 'R87: arm an entry',
            actions: assign({
              eventfds: ({ context, event }) => [
                ...context.eventfds,
                { eventfd: event.eventfd, point: event.point, available: event.available },
              ],
            }),
          },
          DRM_SYNCOBJ_EVENTFD_TAKE: {
            guard: 'entry armed',
            description: "R87: the entry resolved to a fence (fired, or moved to that fence's callback)",
            actions: assign({
              eventfds: ({ context, event }) => context.eventfds.filter((e) => e.eventfd !== event.eventfd),
            }),
          },
        },
      },
      freed: { type: 'final', tags: ['freed'] },
    },
  });
}

let machine: ReturnType<typeof build> | undefined;

/**
 * The drm_syncobj machine, one object for every syncobj (memoized). Built on first use rather than at
 * import so that what its config says runs inside a test: StrykerJS then sees which tests reach it
 * and switches its mutants on (issue 14.7).
 */
export function drmSyncobjMachine(): ReturnType<typeof build> {
  machine ??= build();
  return machine;
}
