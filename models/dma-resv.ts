/**
 * dma_resv — drivers/dma-buf/dma-resv.c, include/linux/dma-resv.h.
 *
 * Contract (kernel-sync-semantics.md §1.7):
 * - R53 usages are ordered KERNEL < WRITE < READ < BOOKKEEP; a query for usage u returns every fence
 *       with usage <= u. KERNEL = memory management (everyone waits), WRITE/READ = implicit sync,
 *       BOOKKEEP = no implicit sync (preempt fences, explicit submissions).
 * - R54 dma_resv_usage_rw(write): a writer waits on READ (everyone), a reader waits on WRITE (writers).
 *       This looks backwards at first sight but is right: READ includes WRITE and KERNEL by R53.
 * - R55 dma_resv_reserve_fences(n) needs the lock; n == 0 is -EINVAL; slots are lost on unlock.
 * - R56 dma_resv_add_fence needs the lock and a reserved slot, cannot fail, and replaces an entry that
 *       is signaled, or has the same context with an older-or-same seqno and a usage >= the new one
 *       (so usages are promoted, never degraded); otherwise it appends.
 * - R57 dma_resv_replace_fences(ctx, repl) swaps every entry of a context.
 * - R59 dma_resv_test_signaled(u) is true iff no unsignaled fence with usage <= u remains.
 *
 * Abstracted away: RCU iteration restarts (R60: the model reads an atomic snapshot), the ww_mutex
 * back-off dance (R61: a lock is held by one named owner; -EDEADLK back-off is not modelled).
 *
 * Events: DMA_RESV_LOCK {owner}, DMA_RESV_UNLOCK, DMA_RESV_RESERVE_FENCES {n},
 *         DMA_RESV_ADD_FENCE {fence, usage, context, seqno, signaled[]}, DMA_RESV_REPLACE_FENCES {context, fence}.
 */
import { setup, assign } from 'xstate';
import type { World } from './world.ts';
import { ctx } from './world.ts';
import { isSignaled } from './dma-fence.ts';

/** R53: the order matters; a query for usage u includes everything before it. */
export const DMA_RESV_USAGE = ['KERNEL', 'WRITE', 'READ', 'BOOKKEEP'] as const;
export type DmaResvUsage = (typeof DMA_RESV_USAGE)[number];
export const usageRank = (u: DmaResvUsage): number => DMA_RESV_USAGE.indexOf(u);

/** R54 dma_resv_usage_rw: what an access must wait on. */
export function dma_resv_usage_rw(write: boolean): DmaResvUsage {
  return write ? 'READ' : 'WRITE';
}

export interface DmaResvEntry {
  fence: string;
  usage: DmaResvUsage;
  context: number;
  seqno: number;
}

export interface DmaResvContext {
  /** always: ww_mutex owner ('' = unlocked). */
  lockedBy: string;
  /** locked: slots reserved by dma_resv_reserve_fences, lost on unlock (R55). */
  reserved: number;
  /** always: the fence list. */
  fences: DmaResvEntry[];
}

type E =
  | { type: 'DMA_RESV_LOCK'; owner: string }
  | { type: 'DMA_RESV_UNLOCK' }
  | { type: 'DMA_RESV_RESERVE_FENCES'; n: number }
  | { type: 'DMA_RESV_ADD_FENCE'; fence: string; usage: DmaResvUsage; context: number; seqno: number; signaled: string[] }
  | { type: 'DMA_RESV_REPLACE_FENCES'; context: number; fence: string; fenceContext: number; seqno: number };

/** R56 on plain data: replace a signaled entry or an older same-context entry of usage >= new. */
export function addFence(list: DmaResvEntry[], e: DmaResvEntry, signaled: string[]): DmaResvEntry[] {
  const i = list.findIndex(
    (old) => signaled.includes(old.fence) ||
      (old.context === e.context && old.seqno <= e.seqno && usageRank(old.usage) >= usageRank(e.usage)),
  );
  if (i < 0) return [...list, e];
  const out = list.slice();
  out[i] = e;
  return out;
}

export const dmaResvMachine = setup({
  types: { context: {} as DmaResvContext, events: {} as E },
  guards: {
    unlocked: ({ context }) => context.lockedBy === '',
    locked: ({ context }) => context.lockedBy !== '',
    'n > 0': ({ event }) => event.type === 'DMA_RESV_RESERVE_FENCES' && event.n > 0,
    'slot reserved': ({ context }) => context.lockedBy !== '' && context.reserved > 0,
  },
}).createMachine({
  id: 'dma_resv',
  context: () => ({ lockedBy: '', reserved: 0, fences: [] }),
  on: {
    DMA_RESV_LOCK: { guard: 'unlocked', actions: assign({ lockedBy: ({ event }) => event.owner }) },
    DMA_RESV_UNLOCK: { guard: 'locked', description: 'R55: reserved slots are lost', actions: assign({ lockedBy: '', reserved: 0 }) },
    DMA_RESV_RESERVE_FENCES: {
      guard: 'locked',
      description: 'R55',
      actions: assign({ reserved: ({ context, event }) => (event.n > 0 ? context.reserved + event.n : context.reserved) }),
    },
    DMA_RESV_ADD_FENCE: {
      guard: 'slot reserved',
      description: 'R56',
      actions: assign(({ context, event }) => ({
        reserved: context.reserved - 1,
        fences: addFence(context.fences, { fence: event.fence, usage: event.usage, context: event.context, seqno: event.seqno }, event.signaled),
      })),
    },
    DMA_RESV_REPLACE_FENCES: {
      guard: 'locked',
      description: 'R57',
      actions: assign({
        fences: ({ context, event }) => context.fences.map((e) => (e.context === event.context ? { ...e, fence: event.fence, context: event.fenceContext, seqno: event.seqno } : e)),
      }),
    },
  },
});

/** Fences of `resv` with usage <= u (R53), in list order. */
export function dma_resv_fences(w: World, resv: string, u: DmaResvUsage): string[] {
  const r = usageRank(u);
  return ctx<DmaResvContext>(w, resv).fences.filter((e) => usageRank(e.usage) <= r).map((e) => e.fence);
}

/** R59 dma_resv_test_signaled. */
export function dma_resv_test_signaled(w: World, resv: string, u: DmaResvUsage): boolean {
  return dma_resv_fences(w, resv, u).every((f) => isSignaled(w, f));
}
