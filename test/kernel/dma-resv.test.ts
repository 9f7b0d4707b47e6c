/**
 * §1.7 dma_resv (R53-R59, R62). Not modelled, and why:
 * - R60 RCU iterator restarts: the model reads one atomic snapshot of the list;
 * - R61 ww_mutex -EDEADLK back-off: a lock has one named owner, no acquire contexts;
 * - R63 dma_buf_move_notify: dynamic importers are issue 4 (memory management);
 * - ENOMEM from reserve_fences and get_singleton: allocation never fails in the model.
 * R62 (implicit-sync drivers add READ/WRITE) is checked through the designs (test/kernel/designs.test.ts).
 */
import { describe, expect, test } from 'vitest';
import { ctx, spawn, stateOf } from '../../models/world.ts';
import { EINVAL } from '../../models/dma-buf/dma-fence.ts';
import * as R from '../../models/dma-buf/dma-resv.ts';
import * as F from '../../models/dma-buf/dma-fence-api.ts';
import type { DmaFenceArrayContext } from '../../models/dma-buf/dma-fence-array.ts';
import { fences } from './helpers.ts';

const world = (...fs: [string, number, number][]) => spawn(fences(...fs), 'bo.resv', R.dmaResvMachine, {});
const add = (w: any, f: string, u: R.DmaResvUsage) => R.dma_resv_add_fence_atomic(w, 'bo.resv', f, u, 't').w;
const list = (w: any) => ctx<R.DmaResvContext>(w, 'bo.resv').fences.map((e) => `${e.fence}:${e.usage}`);

describe('dma_resv (R53-R59)', () => {
  test('R53: a query for usage u returns every fence with usage <= u (KERNEL < WRITE < READ < BOOKKEEP)', () => {
    let w = world(['k', 1, 1], ['wr', 2, 1], ['rd', 3, 1], ['bk', 4, 1]);
    for (const [f, u] of [
      ['k', 'KERNEL'],
      ['wr', 'WRITE'],
      ['rd', 'READ'],
      ['bk', 'BOOKKEEP'],
    ] as const)
      w = add(w, f, u);
    expect(R.dma_resv_fences(w, 'bo.resv', 'KERNEL')).toEqual(['k']);
    expect(R.dma_resv_fences(w, 'bo.resv', 'WRITE')).toEqual(['k', 'wr']);
    expect(R.dma_resv_fences(w, 'bo.resv', 'READ')).toEqual(['k', 'wr', 'rd']);
    expect(R.dma_resv_fences(w, 'bo.resv', 'BOOKKEEP')).toEqual(['k', 'wr', 'rd', 'bk']);
  });

  test('R54: dma_resv_usage_rw: a writer waits on READ (everyone), a reader on WRITE (writers only)', () => {
    expect([R.dma_resv_usage_rw(true), R.dma_resv_usage_rw(false)]).toEqual(['READ', 'WRITE']);
  });

  test(
    'R55: dma_resv_reserve_fences needs the lock and n > 0 (n == 0 WARNs, -EINVAL); reserved slots are lost on ' +
      'unlock',
    () => {
      let w = world();
      expect(() => R.dma_resv_reserve_fences(w, 'bo.resv', 1)).toThrow(/without the lock/);
      w = R.dma_resv_lock(w, 'bo.resv', 't');
      const z = R.dma_resv_reserve_fences(w, 'bo.resv', 0);
      expect([z.ret, z.warn]).toEqual([EINVAL, 'dma_resv_reserve_fences(0) (R55)']);
      w = R.dma_resv_reserve_fences(w, 'bo.resv', 2).w;
      expect(ctx<R.DmaResvContext>(w, 'bo.resv').reserved).toBe(2);
      w = R.dma_resv_unlock(w, 'bo.resv');
      expect(ctx<R.DmaResvContext>(w, 'bo.resv').reserved).toBe(0);
    },
  );

  test(
    'R56: dma_resv_add_fence without a reserved slot is a BUG; with one it cannot fail and publishes the ' + 'fence',
    () => {
      let w = R.dma_resv_lock(world(['f', 1, 1]), 'bo.resv', 't');
      expect(() => R.dma_resv_add_fence(w, 'bo.resv', 'f', 'READ')).toThrow(/reserved slot/);
      w = R.dma_resv_reserve_fences(w, 'bo.resv', 1).w;
      w = R.dma_resv_add_fence(w, 'bo.resv', 'f', 'READ').w;
      expect(list(w)).toEqual(['f:READ']);
      expect(ctx<any>(w, 'f').published).toBe(true);
    },
  );

  test(
    'R56: a same-context later fence replaces an entry only if the usage is promoted or kept, never ' + 'degraded',
    () => {
      let w = world(['w1', 1, 1], ['r2', 1, 2], ['w3', 1, 3], ['b4', 1, 4]);
      w = add(w, 'w1', 'WRITE');
      w = add(w, 'r2', 'READ'); // WRITE entry is not replaced by a READ of the same context: both stay
      expect(list(w)).toEqual(['w1:WRITE', 'r2:READ']);
      w = add(w, 'w3', 'WRITE'); // promotes/replaces the first entry with usage >= WRITE
      expect(list(w)).toEqual(['w3:WRITE', 'r2:READ']);
      w = add(w, 'b4', 'BOOKKEEP');
      expect(list(w)).toEqual(['w3:WRITE', 'r2:READ', 'b4:BOOKKEEP']);
    },
  );

  test('R56: a signaled entry is replaced by any new fence; a container WARNs and is added anyway', () => {
    let w = world(['old', 1, 1], ['new', 2, 1], ['c', 3, 1]);
    w = add(w, 'old', 'READ');
    w = F.dma_fence_signal(w, 'old').w;
    w = add(w, 'new', 'WRITE');
    expect(list(w)).toEqual(['new:WRITE']);
    w = F.dma_fence_array_create(w, 'arr', ['c'], 9, 1).w;
    const r = R.dma_resv_add_fence_atomic(w, 'bo.resv', 'arr', 'READ', 't');
    expect(r.warn).toMatch(/container arr/);
    expect(list(r.w)).toEqual(['new:WRITE', 'arr:READ']);
  });

  test('R57: dma_resv_replace_fences swaps every entry of a context for the replacement, with the given usage', () => {
    let w = world(['e1', 1, 1], ['x', 2, 1], ['e2', 1, 2]);
    w = add(w, 'e1', 'BOOKKEEP');
    w = add(w, 'x', 'READ');
    w = F.dma_fence_allocate_private_stub(w, 'stub');
    w = R.dma_resv_lock(w, 'bo.resv', 't');
    w = R.dma_resv_replace_fences(w, 'bo.resv', 1, 'stub', 'BOOKKEEP');
    expect(list(R.dma_resv_unlock(w, 'bo.resv'))).toEqual(['stub:BOOKKEEP', 'x:READ']);
  });

  test(
    'R58: dma_resv_get_singleton: NULL, the single unsignaled fence, or a new array (fresh context, seqno ' + '1)',
    () => {
      let w = world(['a', 1, 1], ['b', 2, 1], ['c', 3, 1]);
      expect(R.dma_resv_get_singleton(w, 'bo.resv', 'READ', 's').fence).toBeNull();
      w = add(w, 'a', 'WRITE');
      w = add(w, 'b', 'READ');
      w = add(w, 'c', 'BOOKKEEP');
      expect(R.dma_resv_get_singleton(w, 'bo.resv', 'WRITE', 's').fence).toBe('a');
      const s = R.dma_resv_get_singleton(w, 'bo.resv', 'READ', 's');
      expect(s.fence).toBe('s');
      expect(ctx<DmaFenceArrayContext>(s.w, 's').fences).toEqual(['a', 'b']);
      expect(ctx<DmaFenceArrayContext>(s.w, 's').seqno).toBe(1);
      w = F.dma_fence_signal(w, 'a').w;
      expect(R.dma_resv_get_singleton(w, 'bo.resv', 'READ', 's').fence).toBe('b');
    },
  );

  test(
    'R59: dma_resv_test_signaled and wait_timeout(0) are per usage: true iff no unsignaled fence with usage <= ' + 'u',
    () => {
      let w = world(['wr', 1, 1], ['rd', 2, 1]);
      w = add(w, 'wr', 'WRITE');
      w = add(w, 'rd', 'READ');
      w = F.dma_fence_signal(w, 'wr').w;
      expect([R.dma_resv_test_signaled(w, 'bo.resv', 'WRITE'), R.dma_resv_test_signaled(w, 'bo.resv', 'READ')]).toEqual(
        [true, false],
      );
      expect([R.dma_resv_wait_poll(w, 'bo.resv', 'WRITE').ret, R.dma_resv_wait_poll(w, 'bo.resv', 'READ').ret]).toEqual(
        [1, 0],
      );
      w = F.dma_fence_signal(w, 'rd').w;
      expect(R.dma_resv_wait_poll(w, 'bo.resv', 'BOOKKEEP').ret).toBe(1);
      expect(stateOf(w, 'bo.resv')).toBeDefined();
    },
  );
});
