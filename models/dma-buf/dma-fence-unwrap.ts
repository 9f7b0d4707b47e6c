/**
 * dma_fence_unwrap — drivers/dma-buf/dma-fence-unwrap.c, include/linux/dma-fence-unwrap.h.
 *
 * Contract (kernel-sync-semantics.md §1.6):
 * - R50 dma_fence_unwrap_for_each visits the leaf fences through arrays and chains.
 * - R51 dma_fence_unwrap_merge drops signaled leaves; with 0 pending leaves it returns a private stub
 *       (R17), with 1 it returns that fence, else it sorts by context, keeps the latest fence of each
 *       context (dma_fence_dedup_array) and builds an array with a fresh context and seqno 1 (R36).
 *       The result never nests containers.
 * - R52 keeping only the later fence of a context is sound only because of R2/R3 (I4).
 *
 * Pure functions over the world (no machine). Chains are unwrapped through the container registry of
 * models/dma-buf/dma-fence-api.ts (the extension point where models/dma-buf/dma-fence-chain.ts registers its kind);
 * until a
 * kind registers, its objects are leaves.
 */
import type { World } from '../world.ts';
import { ctx } from '../world.ts';
import type { DmaFenceContext } from './dma-fence.ts';
import {
  containedFences,
  dma_fence_is_container,
  dma_fence_is_signaled,
  dma_fence_allocate_private_stub,
  dma_fence_array_create,
  dma_fence_context_alloc,
} from './dma-fence-api.ts';

/** R50: the leaves of `f` in visiting order (a leaf is itself). Duplicates are kept, as the kernel does. */
export function dma_fence_unwrap(w: World, f: string): string[] {
  if (!dma_fence_is_container(w, f)) return [f];
  return containedFences(w, f).flatMap((c) => dma_fence_unwrap(w, c));
}

/** R52 dma_fence_dedup_array after the sort: by context ascending, keeping the latest seqno of each. */
export function dedupByContext(w: World, leaves: string[]): string[] {
  const best = new Map<number, string>();
  for (const f of leaves) {
    const c = ctx<DmaFenceContext>(w, f);
    const cur = best.get(c.context);
    if (cur === undefined || c.seqno > ctx<DmaFenceContext>(w, cur).seqno) best.set(c.context, f);
  }
  return [...best.entries()].sort((a, b) => a[0] - b[0]).map(([, f]) => f);
}

/**
 * R51 dma_fence_unwrap_merge(fences...): the merged fence. New objects (the stub or the array) get id
 * `name`. Returns the fence id (an existing leaf, or `name`).
 */
export function dma_fence_unwrap_merge(w: World, fences: string[], name: string): { w: World; fence: string } {
  const pending: string[] = [];
  for (const f of fences) {
    for (const leaf of dma_fence_unwrap(w, f)) {
      const r = dma_fence_is_signaled(w, leaf);
      w = r.w;
      if (!r.signaled) pending.push(leaf);
    }
  }
  if (pending.length === 0) return { w: dma_fence_allocate_private_stub(w, name), fence: name };
  const kept = dedupByContext(w, pending);
  if (kept.length === 1) return { w, fence: kept[0] };
  const a = dma_fence_context_alloc(w, 1);
  return { w: dma_fence_array_create(a.w, name, kept, a.context, 1, false).w, fence: name };
}
