/**
 * sw_sync — drivers/dma-buf/sw_sync.c, sync_debug.h: a software timeline for testing (IGT sw_sync).
 *
 * Contract (what the kernel does; not numbered in kernel-sync-semantics.md, cited by function):
 * - sync_timeline_create: a timeline with its own fence context (R2) and value 0.
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

export interface SwSyncPt {
  fence: string;
  seqno: number;
}

export interface SwSyncTimelineContext {
  /** always: R2 the timeline's fence context. */
  context: number;
  /** always: the timeline value; pts with seqno <= value are signaled. */
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
    'pt pending': ({ context, event }) => event.type === 'SW_SYNC_PT_CREATE' && event.seqno > context.value,
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
              pts: [...context.pts, { fence: event.fence, seqno: event.seqno }].sort((a, b) => a.seqno - b.seqno),
            })),
          },
          {
            description: 'sync_pt_create: value already reached, the pt is born signaled',
            actions: assign({ created: ({ context }) => context.created + 1 }),
          },
        ],
        SW_SYNC_INC: {
          description: 'sync_timeline_signal: value += inc; signal every pt with seqno <= value, in order',
          actions: enqueueActions(({ context, event, enqueue }) => {
            const value = context.value + event.inc;
            const done = context.pts.filter((p) => p.seqno <= value);
            enqueue.assign({ value, pts: context.pts.filter((p) => p.seqno > value) });
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
