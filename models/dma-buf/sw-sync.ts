/**
 * sw_sync — drivers/dma-buf/sw_sync.c, sync_debug.h: a software timeline for testing (IGT sw_sync).
 *
 * Contract (what the kernel does; not numbered in kernel-sync-semantics.md, cited by function):
 * - sync_timeline_create: a timeline with its own fence context (R2) and value 0.
 * - The value is a 32-bit counter ("a 32bit counter to coordinate synchronization"): it wraps, and
 *       its pts are plain (not SEQNO64) fences, so "seqno <= value" is R3's signed 32-bit difference
 *       (timeline_fence_signaled = !__dma_fence_is_later(seqno, value)); SW_SYNC_IOC_INC adds a u32 in
 *       steps of at most INT_MAX (sw_sync_ioctl_inc), so no step jumps over half the ring.
 * - sync_pt_create(value): a fence on the timeline's context with seqno = value. It is born signaled
 *       if value <= the timeline's value (timeline_fence_signaled); a pt with the same seqno that is
 *       still pending is returned instead of a new one.
 * - sync_timeline_signal(inc): value += inc, then every pending pt with seqno <= value signals, in
 *       seqno order (so I4 holds on the timeline's context).
 * - sw_sync_debugfs_release (close): every pt still pending gets -ENOENT and signals.
 * Only userspace advances a timeline: its fences are signaller 'user' (R30: exactly the kind of fence
 * a design must not let the kernel wait on; finite-time counts them against it).
 *
 * Events:
 *   SW_SYNC_PT_CREATE {fence, seqno}   ioctl -> timeline: track a pending pt (the rule spawns it)
 *   SW_SYNC_INC {inc}                  SW_SYNC_IOC_INC -> timeline
 *   SW_SYNC_RELEASE                    close of the timeline fd
 */
import { setup, assign, enqueueActions } from 'xstate';
import { deliver } from '../world.ts';
import { withView } from '../view.ts';
import { ENOENT } from './dma-fence.ts';
import { __dma_fence_is_later } from './dma-fence-api.ts';

const INT_MAX = 0x7fffffff;

/** timeline_fence_signaled: R3 on 32 bits, so a pt is reached once the wrapped value passes it. */
export const swSyncPtSignaled = (seqno: number, value: number): boolean => !__dma_fence_is_later(seqno, value, false);

export interface SwSyncPt {
  fence: string;
  seqno: number;
}

export interface SwSyncTimelineContext {
  /** always: R2 the timeline's fence context. */
  context: number;
  /** always: the timeline value, a u32; pts with seqno <= value (R3, 32-bit) are signaled. */
  value: number;
  /** always: pts created so far (names the next pt object). */
  created: number;
  /** open: pending pts, by ascending seqno. */
  pts: SwSyncPt[];
}

type E =
  | { type: 'SW_SYNC_PT_CREATE'; fence: string; seqno: number }
  | { type: 'SW_SYNC_INC'; inc: number }
  | { type: 'SW_SYNC_RELEASE' };

export const swSyncTimelineMachine = setup({
  types: { context: {} as SwSyncTimelineContext, events: {} as E, input: {} as { context?: number } },
  guards: {
    /** sync_pt_create: only a pt above the value is pending. */
    'pt pending': ({ context, event }) =>
      event.type === 'SW_SYNC_PT_CREATE' && !swSyncPtSignaled(event.seqno, context.value),
  },
  actions: {
    deliver: (_, _p: unknown) => {},
  },
}).createMachine({
  id: 'sw_sync_timeline',
  context: ({ input }) => ({ context: input?.context ?? 0, value: 0, created: 0, pts: [] }),
  initial: 'open',
  states: {
    open: {
      on: {
        SW_SYNC_PT_CREATE: [
          {
            guard: 'pt pending',
            description: 'sync_pt_create: a pending pt, kept in seqno order',
            actions: assign(({ context, event }) => ({
              created: context.created + 1,
              // The rb-tree's order: cmp = value - other->seqno as an int (pending pts lie within 2^31).
              pts: [...context.pts, { fence: event.fence, seqno: event.seqno }].sort(
                (a, b) => ((a.seqno - context.value) | 0) - ((b.seqno - context.value) | 0),
              ),
            })),
          },
          {
            description: 'sync_pt_create: value already reached, the pt is born signaled',
            actions: assign({ created: ({ context }) => context.created + 1 }),
          },
        ],
        SW_SYNC_INC: {
          description: 'sync_timeline_signal: value += inc (u32, in INT_MAX steps); signal every pt reached, in order',
          actions: enqueueActions(({ context, event, enqueue }) => {
            let { value, pts } = context;
            const done: SwSyncPt[] = [];
            for (let left = event.inc >>> 0; ; left -= INT_MAX) {
              value = (value + Math.min(left, INT_MAX)) >>> 0;
              done.push(...pts.filter((p) => swSyncPtSignaled(p.seqno, value)));
              pts = pts.filter((p) => !swSyncPtSignaled(p.seqno, value));
              if (left <= INT_MAX) break;
            }
            enqueue.assign({ value, pts });
            for (const p of done) enqueue(deliver(p.fence, { type: 'DMA_FENCE_SIGNAL' }));
          }),
        },
        SW_SYNC_RELEASE: {
          target: 'closed',
          description: 'sw_sync_debugfs_release: every pending pt signals with -ENOENT',
          actions: enqueueActions(({ context, enqueue }) => {
            enqueue.assign({ pts: [] });
            for (const p of context.pts) {
              enqueue(deliver(p.fence, { type: 'DMA_FENCE_SET_ERROR', error: ENOENT }));
              enqueue(deliver(p.fence, { type: 'DMA_FENCE_SIGNAL' }));
            }
          }),
        },
      },
    },
    closed: { tags: ['closed'] },
  },
});

withView(swSyncTimelineMachine, {});
