/**
 * §1.1 dma_fence, tested from the rules (kernel-sync-semantics.md R1-R19).
 * Not modelled, and why:
 * - R15 release with pending callbacks: no refcounts in the model (nothing is ever freed);
 * - R16 RCU lifetime and the "detached-driver" names: no driver data or names are modelled;
 * - R18 dma_fence_timestamp: no timestamps (no property orders by time);
 * - R3's 32-bit wrap-around: seqnos are unbounded integers (SEQNO64 semantics).
 */
import { describe, expect, test } from 'vitest';
import { emptyWorld, spawn, send, stateOf, ctx, type World } from '../../models/world.ts';
import {
  dmaFenceMachine,
  dmaFenceErrno,
  isLater,
  EINVAL,
  ENOENT,
  ETIME,
  type DmaFenceContext,
} from '../../models/dma-buf/dma-fence.ts';
import * as F from '../../models/dma-buf/dma-fence-api.ts';
import { openDevice, startWait, join, at, advance, blockingCall, update } from '../../models/uapi/device.ts';

/** A recorder object: accepts any event and remembers it (a callback target). */
import { setup, assign } from 'xstate';
const recorder = setup({ types: { context: {} as { got: unknown[] } } }).createMachine({
  id: 'test_recorder',
  context: { got: [] },
  on: { '*': { actions: assign({ got: ({ context, event }) => [...context.got, event] }) } },
});
const got = (w: World, id = 'r') => ctx<{ got: { type: string; fenceError?: number }[] }>(w, id).got;

function world(...fences: [string, Record<string, unknown>?][]): World {
  let w = spawn(emptyWorld, 'r', recorder, {});
  w = spawn(w, 'r2', recorder, {});
  for (const [id, input] of fences)
    w = spawn(w, id, dmaFenceMachine, { context: 1, seqno: 1, ...(input ?? {}) } as any);
  return w;
}

describe('dma_fence (R1-R19)', () => {
  test('R1: dma_fence_init leaves the fence unsignaled with error 0 and its context and seqno fixed', () => {
    const w = world(['f', { context: 5, seqno: 9 }]);
    expect(stateOf(w, 'f')).toBe('unsignaled');
    const c = ctx<DmaFenceContext>(w, 'f');
    expect([c.error, c.context, c.seqno, c.enableSignal, c.cbs]).toEqual([0, 5, 9, false, []]);
  });

  test('R2: dma_fence_context_alloc hands out fresh contexts from 1; n == 0 WARNs and allocates nothing', () => {
    let w = emptyWorld;
    const a = F.dma_fence_context_alloc(w, 2);
    w = a.w;
    const b = F.dma_fence_context_alloc(w, 1);
    w = b.w;
    expect([a.context, b.context]).toEqual([1, 3]);
    const z = F.dma_fence_context_alloc(w, 0);
    expect(z.warn).toMatch(/R2/);
    expect(F.dma_fence_context_alloc(z.w, 1).context).toBe(4);
  });

  test('R3: dma_fence_is_later orders by seqno on one context; different contexts are never later', () => {
    const w = world(['a', { context: 1, seqno: 1 }], ['b', { context: 1, seqno: 2 }], ['c', { context: 2, seqno: 9 }]);
    const c = (id: string) => ctx<DmaFenceContext>(w, id);
    expect(isLater(c('b'), c('a'))).toBe(true);
    expect(isLater(c('a'), c('b'))).toBe(false);
    expect(isLater(c('c'), c('a'))).toBe(false);
  });

  test(
    'R4: dma_fence_signal runs every callback exactly once, in order, with the error; a repeat is -EINVAL and ' +
      'runs nothing',
    () => {
      let w = world(['f']);
      w = F.dma_fence_add_callback(w, 'f', { to: 'r', ev: { type: 'CB1' } }).w;
      w = F.dma_fence_add_callback(w, 'f', { to: 'r', ev: { type: 'CB2' } }).w;
      w = F.dma_fence_set_error(w, 'f', ETIME).w;
      const s = F.dma_fence_signal(w, 'f');
      expect(s.ret).toBe(0);
      expect(got(s.w).map((e) => [e.type, e.fenceError])).toEqual([
        ['CB1', ETIME],
        ['CB2', ETIME],
      ]);
      const again = F.dma_fence_signal(s.w, 'f');
      expect(again.ret).toBe(EINVAL);
      expect(got(again.w)).toHaveLength(2);
      expect(ctx<DmaFenceContext>(again.w, 'f').cbs).toEqual([]);
    },
  );

  test('R5: no event brings a signaled fence back to unsignaled', () => {
    let w = F.dma_fence_signal(world(['f']), 'f').w;
    for (const ev of [
      { type: 'DMA_FENCE_SIGNAL' },
      { type: 'DMA_FENCE_ENABLE_SW_SIGNALING' },
      { type: 'DMA_FENCE_SET_ERROR', error: -5 },
      { type: 'DMA_FENCE_ADD_CALLBACK', cb: { to: 'r', ev: { type: 'X' } } },
      { type: 'DMA_FENCE_REMOVE_CALLBACK', to: 'r' },
    ]) {
      const n = send(w, 'f', ev as any);
      if (n) w = n;
      expect(stateOf(w, 'f')).toBe('signaled');
    }
  });

  test(
    'R6: dma_fence_set_error only while unsignaled and with -MAX_ERRNO <= e < 0; otherwise a WARN and no ' + 'change',
    () => {
      let w = world(['f']);
      expect(F.dma_fence_set_error(w, 'f', 5).warn).toMatch(/out of range/);
      expect(F.dma_fence_set_error(w, 'f', -5000).warn).toMatch(/out of range/);
      w = F.dma_fence_set_error(w, 'f', -5).w;
      w = F.dma_fence_signal(w, 'f').w;
      const late = F.dma_fence_set_error(w, 'f', -62);
      expect(late.warn).toMatch(/signaled/);
      expect(ctx<DmaFenceContext>(late.w, 'f').error).toBe(-5);
      expect(dmaFenceErrno(ctx(w, 'f'), true, { type: 'DMA_FENCE_SET_ERROR', error: -62 })).toBe(EINVAL);
    },
  );

  test('R7: dma_fence_get_status is 0 while unsignaled, 1 when signaled cleanly, else the error', () => {
    let w = world(['ok'], ['bad']);
    expect(F.dma_fence_get_status(w, 'ok').ret).toBe(0);
    w = F.dma_fence_signal(w, 'ok').w;
    w = F.dma_fence_set_error(w, 'bad', -125).w;
    expect(F.dma_fence_get_status(w, 'bad').ret).toBe(0);
    w = F.dma_fence_signal(w, 'bad').w;
    expect([F.dma_fence_get_status(w, 'ok').ret, F.dma_fence_get_status(w, 'bad').ret]).toEqual([1, -125]);
  });

  test('R8: the first enable_signaling sets ENABLE_SIGNAL and calls ops->enable_signaling exactly once', () => {
    let w = world(['f', { onEnable: { to: 'r', ev: { type: 'ENABLE_SIGNALING' } } }]);
    w = F.dma_fence_enable_sw_signaling(w, 'f');
    w = F.dma_fence_enable_sw_signaling(w, 'f');
    w = F.dma_fence_add_callback(w, 'f', { to: 'r2', ev: { type: 'CB' } }).w;
    expect(ctx<DmaFenceContext>(w, 'f').enableSignal).toBe(true);
    expect(got(w).map((e) => e.type)).toEqual(['ENABLE_SIGNALING']);
  });

  test('R9: dma_fence_is_signaled does not enable signaling: a lazy fence nobody waits on stays unsignaled', () => {
    const w = world(['lazy', { onEnable: { to: 'r', ev: { type: 'ENABLE_SIGNALING' } } }]);
    const r = F.dma_fence_is_signaled(w, 'lazy');
    expect(r.signaled).toBe(false);
    expect(ctx<DmaFenceContext>(r.w, 'lazy').enableSignal).toBe(false);
    expect(got(r.w)).toEqual([]);
  });

  test('R10: add_callback on a signaled fence returns -ENOENT and never calls back', () => {
    let w = F.dma_fence_signal(world(['f']), 'f').w;
    const r = F.dma_fence_add_callback(w, 'f', { to: 'r', ev: { type: 'CB' } });
    expect(r.ret).toBe(ENOENT);
    w = F.dma_fence_signal(r.w, 'f').w;
    expect(got(w)).toEqual([]);
  });

  test(
    'R10: add_callback on an unsignaled fence enables signaling, queues the callback and returns 0; a fence that ' +
      'signals during enable returns -ENOENT',
    () => {
      const r = F.dma_fence_add_callback(world(['f']), 'f', { to: 'r', ev: { type: 'CB' } });
      expect(r.ret).toBe(0);
      expect(ctx<DmaFenceContext>(r.w, 'f').enableSignal).toBe(true);
      // an array whose children are all signaled signals inside enable_signaling (R40): -ENOENT, no callback
      let w = F.dma_fence_signal(world(['c']), 'c').w;
      w = F.dma_fence_array_create(w, 'a', ['c'], 9, 1).w;
      // (created with a signaled child it is not signaled yet: signaling was never enabled, R41)
      expect(stateOf(w, 'a')).toBe('unsignaled');
      const e = F.dma_fence_add_callback(w, 'a', { to: 'r', ev: { type: 'CB' } });
      expect(e.ret).toBe(ENOENT);
      expect(stateOf(e.w, 'a')).toBe('signaled');
      expect(got(e.w)).toEqual([]);
    },
  );

  test('R11: remove_callback returns 1 while the callback is queued (and it never runs), 0 once it ran', () => {
    let w = F.dma_fence_add_callback(world(['f', {}], ['g', {}]), 'f', { to: 'r', ev: { type: 'CB' } }).w;
    const rm = F.dma_fence_remove_callback(w, 'f', 'r');
    expect(rm.ret).toBe(1);
    expect(got(F.dma_fence_signal(rm.w, 'f').w)).toEqual([]);
    w = F.dma_fence_add_callback(w, 'g', { to: 'r', ev: { type: 'CB' } }).w;
    w = F.dma_fence_signal(w, 'g').w;
    expect(F.dma_fence_remove_callback(w, 'g', 'r').ret).toBe(0);
  });

  test(
    'R12: dma_fence_wait_timeout: t < 0 is -EINVAL; t == 0 polls (1 signaled, 0 not) after enabling ' + 'signaling',
    () => {
      let w = world(['f', { onEnable: { to: 'r', ev: { type: 'ENABLE_SIGNALING' } } }]);
      expect(F.dma_fence_wait_poll(w, 'f', -1).ret).toBe(EINVAL);
      const p = F.dma_fence_wait_poll(w, 'f', 0);
      expect(p.ret).toBe(0);
      expect(got(p.w).map((e) => e.type)).toEqual(['ENABLE_SIGNALING']);
      w = F.dma_fence_signal(p.w, 'f').w;
      expect(F.dma_fence_wait_poll(w, 'f', 0).ret).toBe(1);
    },
  );

  test('R12: a finite wait returns -ETIME unless the fence signals before the deadline', () => {
    const dev = openDevice(world(['f'], ['g']));
    const waitOn = (f: string, t: number) =>
      blockingCall(dev, `wait ${f}`, (d) => (F.dma_fence_is_signaled(d.w, f).signaled ? 0 : undefined), t, ETIME);
    at(dev, 5, (d) => update(d, F.dma_fence_signal(d.w, 'f').w));
    expect(waitOn('f', 10)).toBe(0);
    expect(dev.now).toBe(5);
    at(dev, 30, (d) => update(d, F.dma_fence_signal(d.w, 'g').w));
    expect(waitOn('g', 10)).toBe(ETIME);
    expect(dev.now).toBe(15);
  });

  test(
    'R13: dma_fence_wait (no timeout) in another thread returns 0 once the fence signals, and never on its ' + 'own',
    () => {
      const dev = openDevice(world(['f']));
      const t = startWait(
        dev,
        'dma_fence_wait',
        (d) => (F.dma_fence_is_signaled(d.w, 'f').signaled ? 0 : undefined),
        -1,
        ETIME,
      );
      advance(dev, 1_000_000);
      expect(t.state).toBe('blocked');
      expect(() => join(dev, t)).toThrow(/blocks forever/);
      update(dev, F.dma_fence_signal(dev.w, 'f').w);
      expect(join(dev, t)).toBe(0);
    },
  );

  test(
    'R14: dma_fence_wait_any_timeout: no fences or t < 0 is -EINVAL; t == 0 returns 1 and the first signaled ' +
      'index, else 0',
    () => {
      let w = world(['a'], ['b'], ['c']);
      expect(F.dma_fence_wait_any_poll(w, []).ret).toBe(EINVAL);
      expect(F.dma_fence_wait_any_poll(w, ['a'], -1).ret).toBe(EINVAL);
      expect(F.dma_fence_wait_any_poll(w, ['a', 'b', 'c']).ret).toBe(0);
      w = F.dma_fence_signal(w, 'c').w;
      w = F.dma_fence_signal(w, 'b').w;
      const r = F.dma_fence_wait_any_poll(w, ['a', 'b', 'c']);
      expect([r.ret, r.idx]).toEqual([1, 1]);
    },
  );

  test('R17: dma_fence_allocate_private_stub is a fresh fence, already signaled, on context 0', () => {
    const w = F.dma_fence_allocate_private_stub(emptyWorld, 's');
    expect(stateOf(w, 's')).toBe('signaled');
    expect(F.dma_fence_get_status(w, 's').ret).toBe(1);
    expect([ctx<DmaFenceContext>(w, 's').context, ctx<DmaFenceContext>(w, 's').seqno]).toEqual([0, 0]);
  });

  test('R19: dma_fence_is_container is true for arrays and chains, false for plain fences', () => {
    let w = world(['f']);
    w = F.dma_fence_array_create(w, 'a', ['f'], 5, 1).w;
    expect([F.dma_fence_is_container(w, 'a'), F.dma_fence_is_array(w, 'a'), F.dma_fence_is_container(w, 'f')]).toEqual([
      true,
      true,
      false,
    ]);
    w = spawn(w, 'ch', await_chain(), { fence: 'f', context: 6, seqno: 1, pending: ['f'] });
    expect(F.dma_fence_is_container(w, 'ch')).toBe(true);
    expect(F.containedFences(w, 'ch')).toEqual(['f']);
  });
});

import { dmaFenceChainMachine } from '../../models/dma-buf/dma-fence-chain.ts';
function await_chain() {
  return dmaFenceChainMachine;
}
