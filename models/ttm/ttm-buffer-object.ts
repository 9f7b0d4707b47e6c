/**
 * ttm_buffer_object — drivers/gpu/drm/ttm/ttm_bo.c, ttm_bo_util.c (a GEM BO with a placement).
 *
 * Contract (kernel-sync-semantics.md §1.7, I18, I19, H5, H9):
 * - R53 a move is kernel memory management: its fence enters the BO's resv as KERNEL, and everyone
 *       must wait on it before touching the BO (I19, second clause).
 * - I19 a BO's backing store moves only after every fence of its resv up to BOOKKEEP has signaled,
 *       or the move depends on all of them (ttm_bo_wait_ctx waits on DMA_RESV_USAGE_BOOKKEEP). This
 *       means enabling a lazy BOOKKEEP fence (preempt, eviction: R108, R114) is how eviction asks a
 *       long-running context to get off the hardware.
 * - H5  whoever needs the BO resident (a job, a context, a CPU fault) waits on the move: that edge is
 *       what closes a cycle when the move itself waits on a fence that waits on the waiter.
 *
 * Models: placement (VRAM, GTT, SYSTEM), one move at a time: `waiting` (the move is queued behind the
 * resv fences; the old copy is still valid and may be used), `moving` (the copy engine is copying; no
 * access), `freed` (the backing store is gone). `neededBy` records who waits for the move (ghost for
 * the wait-for graph, H5). `pinnedFor` is TTM validation + push under one reservation: a BO brought in
 * for a context is not chosen as a victim before that context ran (reference-world-rw-umf.md `pin`).
 * Abstracted away (why that is sound): sizes (VRAM capacity is counted in BOs, one slot each; every
 * hazard here needs only "full"), LRU order (the explorer tries every victim), pipelined gutting and
 * ghost objects (a moved-out BO is simply at its new placement), multihop moves.
 *
 * Events: TTM_BO_MOVE {to, fence, deps, neededBy}, TTM_BO_DEP_SIGNALED {fence} (resv fence callback),
 *   TTM_BO_MOVE_DONE (copy engine), TTM_BO_PIN {for}, TTM_BO_UNPIN, TTM_BO_FREE, TTM_BO_NEEDED_BY {by} (one
 *   more node waits for the queued move: a job that syncs on the move fence, H5).
 */
import { setup, assign, enqueueActions } from 'xstate';
import { deliver } from '../world.ts';
import { withView, type Edge } from '../view.ts';

const TTM_PL = ['VRAM', 'GTT', 'SYSTEM'] as const;
export type TtmPlacement = (typeof TTM_PL)[number];

export interface TtmBoContext {
  /** always: the BO's reservation object id. */
  resv: string;
  /** always: where the valid copy lives (until a move completes). */
  placement: TtmPlacement;
  /** idle: the context this BO was validated for, not yet run ('' = evictable). */
  pinnedFor: string;
  /** waiting, moving: where the move goes. */
  target: TtmPlacement | '';
  /** waiting, moving: the move fence (in resv as KERNEL, R53). */
  moveFence: string;
  /** waiting: unsignaled fences the move still waits on (I19). */
  deps: string[];
  /** waiting, moving: ghost: nodes that wait for this move to finish (a job, a context, a CPU fault: H5). */
  neededBy: string[];
}

type E =
  | { type: 'TTM_BO_MOVE'; to: TtmPlacement; fence: string; deps: string[]; neededBy: string[] }
  | { type: 'TTM_BO_DEP_SIGNALED'; fence: string }
  | { type: 'TTM_BO_MOVE_DONE' }
  | { type: 'TTM_BO_PIN'; for: string }
  | { type: 'TTM_BO_UNPIN' }
  | { type: 'TTM_BO_FREE' }
  | { type: 'TTM_BO_NEEDED_BY'; by: string };

export const ttmBoMachine = setup({
  types: { context: {} as TtmBoContext, events: {} as E, input: {} as { resv?: string; placement?: TtmPlacement } },
  guards: {
    'no pending deps': ({ context }) => context.deps.length === 0,
    'is a pending dep': ({ context, event }) =>
      event.type === 'TTM_BO_DEP_SIGNALED' && context.deps.includes(event.fence),
    'to another placement': ({ context, event }) => event.type === 'TTM_BO_MOVE' && event.to !== context.placement,
    'a new waiter': ({ context, event }) => event.type === 'TTM_BO_NEEDED_BY' && !context.neededBy.includes(event.by),
  },
  actions: {
    deliver: (_, _p: unknown) => {},
    addWaiter: assign(({ context, event }) =>
      event.type === 'TTM_BO_NEEDED_BY' ? { neededBy: [...context.neededBy, event.by] } : {},
    ),
    /** The copy finished: the new placement is valid and the move fence signals. */
    landed: enqueueActions(({ context, enqueue }) => {
      enqueue(deliver(context.moveFence, { type: 'DMA_FENCE_SIGNAL' }));
      // validated for its first waiter: not a victim until that waiter ran (TTM_BO_UNPIN)
      // a move always has a target; '' never reaches here
      const placement = context.target === '' ? context.placement : context.target;
      enqueue.assign({
        placement,
        target: '',
        moveFence: '',
        neededBy: [],
        pinnedFor: context.target === 'VRAM' ? (context.neededBy[0] ?? '') : '',
      });
    }),
  },
}).createMachine({
  id: 'ttm_buffer_object',
  context: ({ input }) => ({
    resv: input?.resv ?? '',
    placement: input?.placement ?? 'SYSTEM',
    pinnedFor: '',
    target: '',
    moveFence: '',
    deps: [],
    neededBy: [],
  }),
  initial: 'idle',
  states: {
    idle: {
      on: {
        TTM_BO_MOVE: {
          guard: 'to another placement',
          target: 'waiting',
          description:
            'R53, I19: ttm_bo_handle_move_mem; the move fence goes into the resv as KERNEL and waits on every resv ' +
            'fence',
          actions: assign(({ event }) => ({
            target: event.to,
            moveFence: event.fence,
            deps: event.deps,
            neededBy: event.neededBy,
            pinnedFor: '',
          })),
        },
        TTM_BO_PIN: {
          description: 'validated for a context under its reservation (not a victim until it ran)',
          actions: assign({ pinnedFor: ({ event }) => event.for }),
        },
        TTM_BO_UNPIN: { actions: assign({ pinnedFor: '' }) },
        TTM_BO_FREE: { target: 'freed', description: 'ttm_bo_release: the backing store is returned' },
      },
    },
    waiting: {
      description: 'the move waits on the resv fences; the old copy is still valid',
      always: { guard: 'no pending deps', target: 'moving' },
      on: {
        TTM_BO_DEP_SIGNALED: {
          guard: 'is a pending dep',
          description: 'I19',
          actions: assign({ deps: ({ context, event }) => context.deps.filter((d) => d !== event.fence) }),
        },
        TTM_BO_NEEDED_BY: { guard: 'a new waiter', actions: 'addWaiter' },
      },
    },
    moving: {
      tags: ['moving'],
      description: 'the copy engine is copying: no GPU or CPU access (no-access-while-moving)',
      on: {
        TTM_BO_MOVE_DONE: { target: 'idle', actions: 'landed' },
        TTM_BO_NEEDED_BY: { guard: 'a new waiter', actions: 'addWaiter' },
      },
    },
    freed: { tags: ['freed'], type: 'final' },
  },
});

/** Does this BO occupy (or is it about to occupy) a VRAM slot? */
export function inVram(c: TtmBoContext): boolean {
  return c.placement === 'VRAM' || c.target === 'VRAM';
}

// H5, I19: the move waits on its deps; whoever needs the BO waits on the move. An idle or freed BO has
// neither (a move leaves `waiting` with no deps, and `landed` clears neededBy), so its edges are empty.
withView(ttmBoMachine, {
  waitEdges: (id, c: TtmBoContext) => {
    const out: Edge[] = c.deps.map((d): Edge => [c.moveFence, d, `${id}'s move waits on ${d} (I19)`]);
    for (const n of c.neededBy) out.push([n, c.moveFence, `${n} needs ${id} in ${c.target} (H5)`]);
    return out;
  },
});
