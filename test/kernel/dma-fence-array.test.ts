/**
 * §1.4 dma_fence_array (R36-R42). Not modelled: R36's ENOMEM (allocation never fails in the model)
 * and the split alloc/init (allocation has no state here).
 */
import { describe, expect, test } from 'vitest';
import { ctx, stateOf, send } from '../../models/world.ts';
import * as view from '../../models/view.ts';
import { ENOENT, ETIME, ECANCELED } from '../../models/dma-buf/dma-fence.ts';
import { PENDING_ERROR, type DmaFenceArrayContext } from '../../models/dma-buf/dma-fence-array.ts';
import * as F from '../../models/dma-buf/dma-fence-api.ts';
import { fences, got } from './helpers.ts';
import findCycleMod from '../../properties/acyclic-waits.ts';

const arr = (w: any, id = 'a') => ctx<DmaFenceArrayContext>(w, id);

describe('dma_fence_array (R36-R42)', () => {
  test('R36: num_pending starts at n, or at 1 with signal_on_any; the children are kept in order', () => {
    let w = fences(['f1', 1, 1], ['f2', 2, 1], ['f3', 3, 1]);
    w = F.dma_fence_array_create(w, 'all', ['f1', 'f2', 'f3'], 9, 1, false).w;
    w = F.dma_fence_array_create(w, 'any', ['f1', 'f2', 'f3'], 10, 1, true).w;
    expect([arr(w, 'all').numPending, arr(w, 'any').numPending]).toEqual([3, 1]);
    expect(arr(w, 'all').fences).toEqual(['f1', 'f2', 'f3']);
    expect([arr(w, 'all').context, arr(w, 'all').seqno]).toEqual([9, 1]);
  });

  test(
    'R37: without signal_on_any the array signals only after every child, and its callbacks run after the last ' +
      "child's",
    () => {
      let w = fences(['f1', 1, 1], ['f2', 2, 1]);
      w = F.dma_fence_array_create(w, 'a', ['f1', 'f2'], 9, 1).w;
      w = F.dma_fence_add_callback(w, 'a', { to: 'r', ev: { type: 'ARRAY_DONE' } }).w;
      w = F.dma_fence_signal(w, 'f2').w;
      expect(stateOf(w, 'a')).toBe('unsignaled');
      w = F.dma_fence_signal(w, 'f1').w;
      expect(stateOf(w, 'a')).toBe('signaled');
      expect(got(w).map((e) => e.type)).toEqual(['ARRAY_DONE']);
    },
  );

  test('R37: with signal_on_any the first child to signal signals the array', () => {
    let w = fences(['f1', 1, 1], ['f2', 2, 1]);
    w = F.dma_fence_array_create(w, 'a', ['f1', 'f2'], 9, 1, true).w;
    w = F.dma_fence_enable_sw_signaling(w, 'a');
    w = F.dma_fence_signal(w, 'f2').w;
    expect(stateOf(w, 'a')).toBe('signaled');
    expect(stateOf(w, 'f1')).toBe('unsignaled');
    w = F.dma_fence_signal(w, 'f1').w; // the late child callback is harmless
    expect(stateOf(w, 'a')).toBe('signaled');
  });

  test(
    "R38: the array's error is the first child error latched; PENDING_ERROR until then; cleared to 0 if no child " +
      'failed',
    () => {
      let w = fences(['f1', 1, 1], ['f2', 2, 1], ['f3', 3, 1], ['g1', 4, 1]);
      w = F.dma_fence_array_create(w, 'a', ['f1', 'f2', 'f3'], 9, 1).w;
      w = F.dma_fence_array_create(w, 'ok', ['g1'], 10, 1).w;
      w = F.dma_fence_enable_sw_signaling(F.dma_fence_enable_sw_signaling(w, 'a'), 'ok');
      expect(arr(w).error).toBe(PENDING_ERROR);
      w = F.dma_fence_signal(w, 'f1').w;
      w = F.dma_fence_set_error(w, 'f3', ECANCELED).w;
      w = F.dma_fence_signal(w, 'f3').w;
      w = F.dma_fence_set_error(w, 'f2', ETIME).w;
      w = F.dma_fence_signal(w, 'f2').w;
      expect(F.dma_fence_get_status(w, 'a').ret).toBe(ECANCELED);
      w = F.dma_fence_signal(w, 'g1').w;
      expect(F.dma_fence_get_status(w, 'ok').ret).toBe(1);
    },
  );

  test('R39: creating an array with a container child WARNs (callers must flatten)', () => {
    let w = fences(['f1', 1, 1], ['f2', 2, 1]);
    w = F.dma_fence_array_create(w, 'inner', ['f1'], 9, 1).w;
    const r = F.dma_fence_array_create(w, 'outer', ['inner', 'f2'], 10, 1);
    expect(r.warn).toMatch(/container child inner.*R39/);
    expect(F.dma_fence_array_create(w, 'flat', ['f1', 'f2'], 11, 1).warn).toBeUndefined();
  });

  test(
    'R40: enable_signaling registers one callback per pending child and counts already-signaled children at ' + 'once',
    () => {
      let w = fences(['f1', 1, 1], ['f2', 2, 1], ['f3', 3, 1]);
      w = F.dma_fence_signal(w, 'f1').w;
      w = F.dma_fence_array_create(w, 'a', ['f1', 'f2', 'f3'], 9, 1).w;
      w = F.dma_fence_enable_sw_signaling(w, 'a');
      expect(arr(w).numPending).toBe(2);
      expect(arr(w).waiting).toEqual(['f2', 'f3']);
      expect(ctx<any>(w, 'f2').cbs.map((c: any) => c.to)).toEqual(['a']);
      // all children already signaled: enable_signaling returns false and the array signals at once
      let v = fences(['g', 1, 1]);
      v = F.dma_fence_signal(v, 'g').w;
      v = F.dma_fence_array_create(v, 'b', ['g'], 9, 1).w;
      expect(F.dma_fence_add_callback(v, 'b', { to: 'r', ev: { type: 'X' } }).ret).toBe(ENOENT);
    },
  );

  test(
    'R41: before enabling, signaled() scans the children and signals the array, clearing PENDING_ERROR without ' +
      'latching child errors',
    () => {
      let w = fences(['f1', 1, 1]);
      w = F.dma_fence_array_create(w, 'a', ['f1'], 9, 1).w;
      w = F.dma_fence_set_error(w, 'f1', ETIME).w;
      w = F.dma_fence_signal(w, 'f1').w;
      const r = F.dma_fence_is_signaled(w, 'a');
      expect(r.signaled).toBe(true);
      expect(arr(r.w).enableSignal).toBe(false);
      // the kernel's scan path does not latch: the child's -ETIME is lost (dma_fence_array_signaled)
      expect(F.dma_fence_get_status(r.w, 'a').ret).toBe(1);
    },
  );

  test('R41: after enabling, signaled() is num_pending <= 0', () => {
    let w = fences(['f1', 1, 1], ['f2', 2, 1]);
    w = F.dma_fence_array_create(w, 'a', ['f1', 'f2'], 9, 1).w;
    w = F.dma_fence_enable_sw_signaling(w, 'a');
    w = F.dma_fence_signal(w, 'f1').w;
    expect(F.dma_fence_is_signaled(w, 'a').signaled).toBe(false);
    w = F.dma_fence_signal(w, 'f2').w;
    expect(F.dma_fence_is_signaled(w, 'a').signaled).toBe(true);
  });

  test('R42: dma_fence_match_context is true iff every child is on the context', () => {
    let w = fences(['f1', 4, 1], ['f2', 4, 2], ['g', 5, 1]);
    w = F.dma_fence_array_create(w, 'same', ['f1', 'f2'], 9, 1).w;
    w = F.dma_fence_array_create(w, 'mixed', ['f1', 'g'], 10, 1).w;
    expect([F.dma_fence_match_context(w, 'same', 4), F.dma_fence_match_context(w, 'mixed', 4)]).toEqual([true, false]);
  });

  test('R37/I7: an unsignaled array has wait-for edges to its unsignaled children only', () => {
    let w = fences(['f1', 1, 1], ['f2', 2, 1]);
    w = F.dma_fence_array_create(w, 'a', ['f1', 'f2'], 9, 1).w;
    w = F.dma_fence_signal(w, 'f1').w;
    expect(findCycleMod.state!(w, {})).toBeNull();
    expect(
      view
        .waitEdges(w)
        .filter((e: string[]) => e[0] === 'a')
        .map((e: string[]) => e[1]),
    ).toEqual(['f1', 'f2']);
  });

  test(
    'R40: an array enabled by a model that does not settle it is settled by the kernel step ' +
      'dma_fence_array_settle',
    () => {
      let w = fences(['f1', 1, 1]);
      w = F.dma_fence_signal(w, 'f1').w;
      w = F.dma_fence_array_create(w, 'a', ['f1'], 9, 1).w;
      const raw = send(w, 'a', { type: 'DMA_FENCE_ADD_CALLBACK', cb: { to: 'r', ev: { type: 'X' } } })!;
      expect(stateOf(raw, 'a')).toBe('unsignaled');
      const [step] = F.dmaFenceArraySteps();
      expect(step.enabled!(raw, [], {})).toBe(true);
      const s = step.apply(raw, [], {})!;
      expect(stateOf(s, 'a')).toBe('signaled');
      expect(got(s).map((e) => e.type)).toEqual(['X']);
      expect(step.enabled!(s, [], {})).toBe(false);
    },
  );
});
