/**
 * dma_resv rules that no other test pinned down, found by StrykerJS (stryker.config.mjs); each test
 * states the kernel behaviour with its rule id (kernel-sync-semantics.md §1.7). The transition memo is
 * cleared before each test (see dma-fence.test.ts).
 */
import { beforeEach, describe, expect, test } from 'vitest';
import { clearTransitionMemo, ctx, send, spawn, type World } from '../../models/world.ts';
import * as R from '../../models/dma-buf/dma-resv.ts';
import * as F from '../../models/dma-buf/dma-fence-api.ts';
import { fences } from '../kernel/helpers.ts';

beforeEach(() => clearTransitionMemo());

const world = (...fs: [string, number, number][]) => spawn(fences(...fs), 'bo.resv', R.dmaResvMachine, {});
const resv = (w: World) => ctx<R.DmaResvContext>(w, 'bo.resv');
const list = (w: World) => resv(w).fences.map((e) => `${e.fence}:${e.usage}`);

describe('dma_resv rules (mutation gaps)', () => {
  test('R53: the usage order is KERNEL < WRITE < READ < BOOKKEEP', () => {
    expect(R.DMA_RESV_USAGE.map(R.usageRank)).toEqual([0, 1, 2, 3]);
    expect(R.DMA_RESV_USAGE).toEqual(['KERNEL', 'WRITE', 'READ', 'BOOKKEEP']);
  });

  test('R56: re-adding a fence of the same context and seqno replaces its entry (is_later_or_same)', () => {
    let w = world(['f', 1, 5]);
    w = R.dma_resv_add_fence_atomic(w, 'bo.resv', 'f', 'WRITE', 't').w;
    w = R.dma_resv_add_fence_atomic(w, 'bo.resv', 'f', 'WRITE', 't').w;
    expect(list(w)).toEqual(['f:WRITE']);
    // an older seqno of the context does not replace the newer entry
    expect(R.addFence(resv(w).fences, { fence: 'old', usage: 'WRITE', context: 1, seqno: 4 }, [])).toHaveLength(2);
  });

  test('R55, R56: each add consumes one reserved slot; adding past the reservation is a BUG', () => {
    let w = R.dma_resv_lock(world(['a', 1, 1], ['b', 2, 1]), 'bo.resv', 't');
    w = R.dma_resv_reserve_fences(w, 'bo.resv', 1).w;
    w = R.dma_resv_add_fence(w, 'bo.resv', 'a', 'READ').w;
    expect(resv(w).reserved).toBe(0);
    expect(() => R.dma_resv_add_fence(w, 'bo.resv', 'b', 'READ')).toThrow(/reserved slot/);
    w = R.dma_resv_reserve_fences(w, 'bo.resv', 2).w;
    w = R.dma_resv_reserve_fences(w, 'bo.resv', 1).w;
    expect(resv(w).reserved).toBe(3);
  });

  test('R55: the object itself refuses reserve(0), an add without a slot, and all but lock when unlocked', () => {
    const w = world(['a', 1, 1]);
    const add = { type: 'DMA_RESV_ADD_FENCE', fence: 'a', usage: 'READ', context: 1, seqno: 1, signaled: [] };
    expect(send(w, 'bo.resv', { type: 'DMA_RESV_UNLOCK' })).toBeNull();
    expect(send(w, 'bo.resv', { type: 'DMA_RESV_RESERVE_FENCES', n: 1 })).toBeNull();
    expect(send(w, 'bo.resv', add)).toBeNull();
    const l = R.dma_resv_lock(w, 'bo.resv', 't');
    expect(send(l, 'bo.resv', { type: 'DMA_RESV_RESERVE_FENCES', n: 0 })).toBeNull();
    expect(send(l, 'bo.resv', add)).toBeNull();
    expect(() => R.dma_resv_reserve_fences(w, 'bo.resv', 1)).toThrow(/without the lock/);
    expect(() => R.dma_resv_add_fence(w, 'bo.resv', 'a', 'READ')).toThrow(/without the lock/);
  });

  test('R61: a held resv lock is not taken again (one owner); unlock drops the owner', () => {
    const w = R.dma_resv_lock(world(), 'bo.resv', 't');
    expect(resv(w).lockedBy).toBe('t');
    expect(() => R.dma_resv_lock(w, 'bo.resv', 'u')).toThrow();
    expect(resv(R.dma_resv_unlock(w, 'bo.resv')).lockedBy).toBe('');
    expect(() => R.dma_resv_unlock(R.dma_resv_unlock(w, 'bo.resv'), 'bo.resv')).toThrow();
  });

  test('R57: replace_fences needs the lock, publishes the replacement and takes its context and seqno', () => {
    let w = world(['e1', 1, 1], ['x', 2, 1]);
    w = R.dma_resv_add_fence_atomic(w, 'bo.resv', 'e1', 'BOOKKEEP', 't').w;
    w = R.dma_resv_add_fence_atomic(w, 'bo.resv', 'x', 'READ', 't').w;
    w = F.dma_fence_allocate_private_stub(w, 'stub');
    expect(() => R.dma_resv_replace_fences(w, 'bo.resv', 1, 'stub', 'KERNEL')).toThrow(/without the lock/);
    w = R.dma_resv_replace_fences(R.dma_resv_lock(w, 'bo.resv', 't'), 'bo.resv', 1, 'stub', 'KERNEL');
    expect(resv(w).fences).toEqual([
      { fence: 'stub', usage: 'KERNEL', context: 0, seqno: 0 },
      { fence: 'x', usage: 'READ', context: 2, seqno: 1 },
    ]);
    expect(ctx(w, 'stub').published).toBe(true);
  });

  test('R56: a signaled entry is replaced in place, whatever its context and usage', () => {
    let w = world(['a', 1, 1], ['b', 2, 1], ['c', 3, 1]);
    w = R.dma_resv_add_fence_atomic(w, 'bo.resv', 'a', 'KERNEL', 't').w;
    w = R.dma_resv_add_fence_atomic(w, 'bo.resv', 'b', 'READ', 't').w;
    w = F.dma_fence_signal(w, 'b').w;
    w = R.dma_resv_add_fence_atomic(w, 'bo.resv', 'c', 'BOOKKEEP', 't').w;
    expect(list(w)).toEqual(['a:KERNEL', 'c:BOOKKEEP']);
  });

  test('R59: get_fences skips signaled fences; wait(0) is 1 only when none with usage <= u is pending', () => {
    let w = world(['k', 1, 1], ['rd', 2, 1]);
    w = R.dma_resv_add_fence_atomic(w, 'bo.resv', 'k', 'KERNEL', 't').w;
    w = R.dma_resv_add_fence_atomic(w, 'bo.resv', 'rd', 'READ', 't').w;
    expect(R.dma_resv_get_fences(w, 'bo.resv', 'BOOKKEEP').fences).toEqual(['k', 'rd']);
    expect(R.dma_resv_wait_poll(w, 'bo.resv', 'KERNEL').ret).toBe(0);
    w = F.dma_fence_signal(w, 'k').w;
    expect(R.dma_resv_get_fences(w, 'bo.resv', 'BOOKKEEP').fences).toEqual(['rd']);
    expect([R.dma_resv_wait_poll(w, 'bo.resv', 'WRITE').ret, R.dma_resv_test_signaled(w, 'bo.resv', 'READ')]).toEqual([
      1,
      false,
    ]);
  });
});
