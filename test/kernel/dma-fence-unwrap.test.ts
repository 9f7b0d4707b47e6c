/**
 * §1.6 dma_fence_unwrap / merge (R50-R52). Not modelled: merge's ENOMEM (NULL) return, and the
 * stub's timestamp (no timestamps in the model).
 */
import { describe, expect, test } from 'vitest';
import { ctx, spawn, stateOf } from '../../models/world.ts';
import type { DmaFenceContext } from '../../models/dma-buf/dma-fence.ts';
import { dmaFenceChainMachine } from '../../models/dma-buf/dma-fence-chain.ts';
import { dma_fence_unwrap, dma_fence_unwrap_merge } from '../../models/dma-buf/dma-fence-unwrap.ts';
import * as F from '../../models/dma-buf/dma-fence-api.ts';
import { fences } from './helpers.ts';
import type { DmaFenceArrayContext } from '../../models/dma-buf/dma-fence-array.ts';

describe('dma_fence_unwrap / merge (R50-R52)', () => {
  test('R50: unwrap visits the leaves through arrays and chains, in order; a plain fence is its own leaf', () => {
    let w = fences(['a', 1, 1], ['b', 2, 1], ['c', 3, 1]);
    w = F.dma_fence_array_create(w, 'arr', ['a', 'b'], 9, 1).w;
    w = spawn(w, 'n1', dmaFenceChainMachine, { fence: 'c', context: 10, seqno: 1, pending: ['c'] });
    w = spawn(w, 'n2', dmaFenceChainMachine, {
      fence: 'arr',
      prev: 'n1',
      context: 10,
      seqno: 2,
      pending: ['arr', 'n1'],
    });
    expect(dma_fence_unwrap(w, 'a')).toEqual(['a']);
    expect(dma_fence_unwrap(w, 'arr')).toEqual(['a', 'b']);
    expect(dma_fence_unwrap(w, 'n2')).toEqual(['a', 'b', 'c']);
  });

  test('R51: merge drops signaled leaves; with none pending it returns a fresh signaled private stub', () => {
    let w = fences(['a', 1, 1], ['b', 2, 1]);
    w = F.dma_fence_signal(F.dma_fence_signal(w, 'a').w, 'b').w;
    const m = dma_fence_unwrap_merge(w, ['a', 'b'], 'm');
    expect(m.fence).toBe('m');
    expect(stateOf(m.w, 'm')).toBe('signaled');
    expect(ctx<DmaFenceContext>(m.w, 'm').ops).toBe('stub');
  });

  test('R51: merge with one pending leaf returns that fence itself', () => {
    let w = fences(['a', 1, 1], ['b', 2, 1]);
    w = F.dma_fence_signal(w, 'a').w;
    const m = dma_fence_unwrap_merge(w, ['a', 'b'], 'm');
    expect(m.fence).toBe('b');
    expect(m.w.o.m).toBeUndefined();
  });

  test(
    'R51: merge of several pending leaves builds a flat array, sorted by context, with a fresh context and seqno ' +
      '1',
    () => {
      let w = fences(['x', 7, 1], ['y', 3, 1], ['z', 5, 1]);
      w = F.dma_fence_array_create(w, 'inner', ['x', 'y'], 20, 1).w;
      w = F.dma_fence_context_alloc(w, 30).w; // contexts 1..30 taken
      const m = dma_fence_unwrap_merge(w, ['inner', 'z'], 'm');
      const a = ctx<DmaFenceArrayContext>(m.w, 'm');
      expect(a.fences).toEqual(['y', 'z', 'x']);
      expect([a.context, a.seqno]).toEqual([31, 1]);
      expect(a.fences.some((f) => F.dma_fence_is_container(m.w, f))).toBe(false);
    },
  );

  test('R52: merge keeps only the later fence of a context (dedup), which I4 makes sound', () => {
    const w = fences(['p1', 4, 1], ['p2', 4, 2], ['q', 5, 1]);
    const m = dma_fence_unwrap_merge(w, ['p2', 'q', 'p1'], 'm');
    expect(ctx<DmaFenceArrayContext>(m.w, 'm').fences).toEqual(['p2', 'q']);
    const one = dma_fence_unwrap_merge(w, ['p1', 'p2'], 'm2');
    expect(one.fence).toBe('p2');
  });
});
