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
 * - R57 dma_resv_replace_fences(ctx, repl, usage) swaps every entry of a context for repl with that
 *       usage (legal only if the original operation no longer touches the resource once repl signals).
 * - R58 dma_resv_get_singleton(u): NULL, the single unsignaled fence, or a new array (fresh context,
 *       seqno 1) of them; that array must not be added back to a resv (R56 WARNs on containers).
 * - R59 dma_resv_test_signaled(u) is true iff no unsignaled fence with usage <= u remains;
 *       dma_resv_wait_timeout(u, 0) polls: 1 if so, 0 if not.
 * The world-level calls at the bottom return what the kernel returns (0 or a negative errno).
 *
 * Abstracted away: RCU iteration restarts (R60: the model reads an atomic snapshot), the ww_mutex
 * back-off dance (R61: a lock is held by one named owner; -EDEADLK back-off is not modelled).
 *
 * Events: DMA_RESV_LOCK {owner}, DMA_RESV_UNLOCK, DMA_RESV_RESERVE_FENCES {n},
 *         DMA_RESV_ADD_FENCE {fence, usage, context, seqno, signaled[]}, DMA_RESV_REPLACE_FENCES {context, fence}.
 */
import { setup, assign } from 'xstate';
import type { World } from '../world.ts';
import { ctx, must, send, hasTag } from '../world.ts';
import { isSignaled, EINVAL, type DmaFenceContext } from './dma-fence.ts';
import {
  dma_fence_is_container,
  dma_fence_is_signaled,
  dma_fence_array_create,
  dma_fence_context_alloc,
  dma_fence_publish,
  type KRet,
} from './dma-fence-api.ts';

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
  | {
      type: 'DMA_RESV_ADD_FENCE';
      fence: string;
      usage: DmaResvUsage;
      context: number;
      seqno: number;
      signaled: string[];
    }
  | {
      type: 'DMA_RESV_REPLACE_FENCES';
      context: number;
      fence: string;
      fenceContext: number;
      seqno: number;
      usage?: DmaResvUsage;
    };

/** R56 on plain data: replace a signaled entry or an older same-context entry of usage >= new. */
export function addFence(list: DmaResvEntry[], e: DmaResvEntry, signaled: string[]): DmaResvEntry[] {
  const i = list.findIndex(
    (old) =>
      signaled.includes(old.fence) ||
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
    'locked and n > 0': ({ context, event }) =>
      context.lockedBy !== '' && event.type === 'DMA_RESV_RESERVE_FENCES' && event.n > 0,
    'slot reserved': ({ context }) => context.lockedBy !== '' && context.reserved > 0,
  },
}).createMachine({
  id: 'dma_resv',
  context: () => ({ lockedBy: '', reserved: 0, fences: [] }),
  on: {
    DMA_RESV_LOCK: { guard: 'unlocked', actions: assign({ lockedBy: ({ event }) => event.owner }) },
    DMA_RESV_UNLOCK: {
      guard: 'locked',
      description: 'R55: reserved slots are lost',
      actions: assign({ lockedBy: '', reserved: 0 }),
    },
    DMA_RESV_RESERVE_FENCES: {
      guard: 'locked and n > 0',
      description: 'R55: n == 0 is refused (-EINVAL)',
      actions: assign({ reserved: ({ context, event }) => context.reserved + event.n }),
    },
    DMA_RESV_ADD_FENCE: {
      guard: 'slot reserved',
      description: 'R56',
      actions: assign(({ context, event }) => ({
        reserved: context.reserved - 1,
        fences: addFence(
          context.fences,
          { fence: event.fence, usage: event.usage, context: event.context, seqno: event.seqno },
          event.signaled,
        ),
      })),
    },
    DMA_RESV_REPLACE_FENCES: {
      guard: 'locked',
      description: 'R57: every entry of the context becomes repl (with the given usage, if any)',
      actions: assign({
        fences: ({ context, event }) =>
          context.fences.map((e) =>
            e.context === event.context
              ? {
                  ...e,
                  fence: event.fence,
                  context: event.fenceContext,
                  seqno: event.seqno,
                  usage: event.usage ?? e.usage,
                }
              : e,
          ),
      }),
    },
  },
});

/** Fences of `resv` with usage <= u (R53), in list order. */
export function dma_resv_fences(w: World, resv: string, u: DmaResvUsage): string[] {
  const r = usageRank(u);
  return ctx<DmaResvContext>(w, resv)
    .fences.filter((e) => usageRank(e.usage) <= r)
    .map((e) => e.fence);
}

/** R59 dma_resv_test_signaled. */
export function dma_resv_test_signaled(w: World, resv: string, u: DmaResvUsage): boolean {
  return dma_resv_fences(w, resv, u).every((f) => isSignaled(w, f));
}

// ---------------------------------------------------------------------------------------------------
// World-level dma_resv calls (one kernel function each). Misuse the kernel asserts on (no lock held,
// no slot reserved: lockdep splat or BUG_ON) throws: that is a model or design bug, not an outcome.
// ---------------------------------------------------------------------------------------------------

/** Unsignaled fences with usage <= u, in list order (dma_resv_for_each_fence_unlocked skips signaled ones). */
export function dma_resv_get_fences(w: World, resv: string, u: DmaResvUsage): { w: World; fences: string[] } {
  const out: string[] = [];
  for (const f of dma_resv_fences(w, resv, u)) {
    const r = dma_fence_is_signaled(w, f);
    w = r.w;
    if (!r.signaled) out.push(f);
  }
  return { w, fences: out };
}

/** dma_resv_lock (R61; the ww back-off is not modelled): a lock already held is a design bug and throws. */
export function dma_resv_lock(w: World, resv: string, owner: string): World {
  return must(w, resv, { type: 'DMA_RESV_LOCK', owner });
}

export function dma_resv_unlock(w: World, resv: string): World {
  return must(w, resv, { type: 'DMA_RESV_UNLOCK' });
}

/** R55 dma_resv_reserve_fences: needs the lock (asserted); n == 0 WARNs and returns -EINVAL. */
export function dma_resv_reserve_fences(w: World, resv: string, n: number): KRet {
  if (ctx<DmaResvContext>(w, resv).lockedBy === '')
    throw new Error(`dma_resv_reserve_fences(${resv}) without the lock (R55)`);
  if (n <= 0) return { w, ret: EINVAL, warn: 'dma_resv_reserve_fences(0) (R55)' };
  return { w: must(w, resv, { type: 'DMA_RESV_RESERVE_FENCES', n }), ret: 0 };
}

/**
 * The what-if of seed 004 ("it will probably work anyway thanks to implicit sync"; issue 12.2): a world
 * whose global WITHOUT_IMPLICIT_SYNC is set adds every WRITE or READ fence as BOOKKEEP, so no implicit
 * wait (R54) and no EXPORT_SYNC_FILE finds it, while memory management (KERNEL, and eviction waiting on
 * BOOKKEEP) is unchanged. Set only by the `--without implicit-sync` design transform.
 */
export const WITHOUT_IMPLICIT_SYNC = 'what-if:without-implicit-sync';

/** The usage a fence is added with: WRITE/READ become BOOKKEEP in the world without implicit sync. */
export function implicitUsage(w: World, usage: DmaResvUsage): DmaResvUsage {
  return w.g[WITHOUT_IMPLICIT_SYNC] === true && (usage === 'WRITE' || usage === 'READ') ? 'BOOKKEEP' : usage;
}

/**
 * R56 dma_resv_add_fence: needs the lock and a reserved slot (BUG_ON: throws); a container WARNs and is
 * added anyway, as the kernel does. Cannot fail. The fence is published (R26: readers are RCU-only).
 */
export function dma_resv_add_fence(w: World, resv: string, fence: string, usage: DmaResvUsage): KRet {
  const r = ctx<DmaResvContext>(w, resv);
  if (r.lockedBy === '' || r.reserved <= 0)
    throw new Error(`dma_resv_add_fence(${resv}, ${fence}) without the lock or a reserved slot (R55, R56)`);
  const warn = dma_fence_is_container(w, fence) ? `dma_resv_add_fence: container ${fence} (R56)` : undefined;
  const f = ctx<DmaFenceContext>(w, fence);
  const signaled = r.fences.map((e) => e.fence).filter((id) => hasTag(w, id, 'signaled'));
  const u = implicitUsage(w, usage);
  w = must(w, resv, { type: 'DMA_RESV_ADD_FENCE', fence, usage: u, context: f.context, seqno: f.seqno, signaled });
  return { w: dma_fence_publish(w, fence, resv), ret: 0, warn };
}

/** R57 dma_resv_replace_fences(ctx, repl, usage): needs the lock (asserted). */
export function dma_resv_replace_fences(
  w: World,
  resv: string,
  context: number,
  repl: string,
  usage: DmaResvUsage,
): World {
  if (ctx<DmaResvContext>(w, resv).lockedBy === '')
    throw new Error(`dma_resv_replace_fences(${resv}) without the lock (R57)`);
  const f = ctx<DmaFenceContext>(w, repl);
  const n = send(w, resv, {
    type: 'DMA_RESV_REPLACE_FENCES',
    context,
    fence: repl,
    fenceContext: f.context,
    seqno: f.seqno,
    usage: implicitUsage(w, usage),
  });
  return n ? dma_fence_publish(n, repl, resv) : w;
}

/**
 * R58 dma_resv_get_singleton(u): fence null (nothing unsignaled), the one fence, or a new array `name`
 * with a fresh context and seqno 1. Returns 0 (-ENOMEM is not modelled).
 */
export function dma_resv_get_singleton(
  w: World,
  resv: string,
  u: DmaResvUsage,
  name: string,
): KRet & { fence: string | null } {
  const g = dma_resv_get_fences(w, resv, u);
  w = g.w;
  if (g.fences.length === 0) return { w, ret: 0, fence: null };
  if (g.fences.length === 1) return { w, ret: 0, fence: g.fences[0] };
  const a = dma_fence_context_alloc(w, 1);
  return { w: dma_fence_array_create(a.w, name, g.fences, a.context, 1, false).w, ret: 0, fence: name };
}

/** R59 dma_resv_wait_timeout(u, t == 0): 1 if every fence with usage <= u is signaled, else 0. */
export function dma_resv_wait_poll(w: World, resv: string, u: DmaResvUsage): KRet {
  const g = dma_resv_get_fences(w, resv, u);
  return { w: g.w, ret: g.fences.length === 0 ? 1 : 0 };
}

/** Lock, reserve, add, unlock as one atomic kernel operation (what an ioctl does under the lock). */
export function dma_resv_add_fence_atomic(
  w: World,
  resv: string,
  fence: string,
  usage: DmaResvUsage,
  owner: string,
): KRet {
  w = dma_resv_lock(w, resv, owner);
  w = dma_resv_reserve_fences(w, resv, 1).w;
  const r = dma_resv_add_fence(w, resv, fence, usage);
  return { w: dma_resv_unlock(r.w, resv), ret: 0, warn: r.warn };
}
