/**
 * dma_fence rules that no other test pinned down, found by StrykerJS (stryker.config.mjs): each test
 * states the kernel behaviour with its rule id (kernel-sync-semantics.md §1.1).
 * The transition memo is cleared before each test so that a transition computed while the modules
 * loaded cannot stand in for the one under test.
 */
import { beforeEach, describe, expect, test } from 'vitest';
import { clearTransitionMemo, ctx, emptyWorld, send, spawn, stateOf, type World } from '../../models/world.ts';
import {
  defineFenceKind,
  dma_fence_test_user_bit,
  dmaFenceBaseContext,
  dmaFenceErrno,
  fenceOpsOf,
  dmaFenceMachine,
  isLater,
  validFenceError,
  EINVAL,
  ENOENT,
  ETIME,
  ECANCELED,
  ESRCH,
  EDEADLK,
  ENODATA,
  ENOMEM,
  EOPNOTSUPP,
  EIO,
  MAX_ERRNO,
  type DmaFenceContext,
} from '../../models/dma-buf/dma-fence.ts';
import * as F from '../../models/dma-buf/dma-fence-api.ts';
import { got, recorder } from '../kernel/helpers.ts';
import { isFence, viewOf } from '../../models/view.ts';

beforeEach(() => clearTransitionMemo());

function world(...ids: string[]): World {
  let w = spawn(emptyWorld, 'r', recorder, {});
  w = spawn(w, 'r2', recorder, {});
  for (const id of ids) w = spawn(w, id, dmaFenceMachine, { context: 1, seqno: 1 });
  return w;
}

describe('dma_fence rules (mutation gaps)', () => {
  test('errno values are the kernel uapi ones (include/uapi/asm-generic/errno-base.h, errno.h)', () => {
    expect({ EINVAL, ENOENT, ETIME, ECANCELED, ESRCH, EDEADLK, ENODATA, ENOMEM, EOPNOTSUPP, EIO, MAX_ERRNO }).toEqual({
      EINVAL: -22,
      ENOENT: -2,
      ETIME: -62,
      ECANCELED: -125,
      ESRCH: -3,
      EDEADLK: -35,
      ENODATA: -61,
      ENOMEM: -12,
      EOPNOTSUPP: -95,
      EIO: -5,
      MAX_ERRNO: 4095,
    });
  });

  test('R6: the valid errors are exactly -MAX_ERRNO..-1: 0 and -(MAX_ERRNO + 1) are refused', () => {
    expect([validFenceError(-1), validFenceError(-4095), validFenceError(0), validFenceError(-4096)]).toEqual([
      true,
      true,
      false,
      false,
    ]);
    const w = world('f');
    // the fence itself refuses an out-of-range error, whoever sends it (the API WARNs before sending)
    for (const error of [0, 1, -4096]) expect(send(w, 'f', { type: 'DMA_FENCE_SET_ERROR', error })).toBeNull();
    const ok = send(w, 'f', { type: 'DMA_FENCE_SET_ERROR', error: -4095 });
    expect(ok && ctx<DmaFenceContext>(ok, 'f').error).toBe(-4095);
  });

  test('R11: remove_callback removes only the named callback; an unknown one is refused and changes nothing', () => {
    let w = world('f');
    w = F.dma_fence_add_callback(w, 'f', { to: 'r', ev: { type: 'CB_R' } }).w;
    w = F.dma_fence_add_callback(w, 'f', { to: 'r2', ev: { type: 'CB_R2' } }).w;
    expect(send(w, 'f', { type: 'DMA_FENCE_REMOVE_CALLBACK', to: 'nobody' })).toBeNull();
    expect(F.dma_fence_remove_callback(w, 'f', 'nobody').ret).toBe(0);
    const rm = F.dma_fence_remove_callback(w, 'f', 'r');
    expect(rm.ret).toBe(1);
    expect(ctx<DmaFenceContext>(rm.w, 'f').cbs.map((c) => c.to)).toEqual(['r2']);
    const s = F.dma_fence_signal(rm.w, 'f').w;
    expect([got(s, 'r'), got(s, 'r2').map((e) => e.type)]).toEqual([[], ['CB_R2']]);
  });

  test('R4, R6, R10, R11: the errno of each call on an unsignaled and on a signaled fence', () => {
    const c = dmaFenceBaseContext({ context: 1, seqno: 1 });
    const queued = { ...c, cbs: [{ to: 'r', ev: { type: 'CB' } }] };
    const sig = { type: 'DMA_FENCE_SIGNAL' } as const;
    const add = { type: 'DMA_FENCE_ADD_CALLBACK', cb: { to: 'r', ev: { type: 'CB' } } } as const;
    const setErr = (error: number) => ({ type: 'DMA_FENCE_SET_ERROR', error }) as const;
    const rm = { type: 'DMA_FENCE_REMOVE_CALLBACK', to: 'r' } as const;
    expect([dmaFenceErrno(c, false, sig), dmaFenceErrno(c, true, sig)]).toEqual([0, EINVAL]);
    expect([dmaFenceErrno(c, false, add), dmaFenceErrno(c, true, add)]).toEqual([0, ENOENT]);
    expect([dmaFenceErrno(c, false, setErr(-5)), dmaFenceErrno(c, false, setErr(0))]).toEqual([0, EINVAL]);
    expect(dmaFenceErrno(c, true, setErr(-5))).toBe(EINVAL);
    const other = { ...c, cbs: [{ to: 'r2', ev: { type: 'CB' } }] };
    expect([dmaFenceErrno(queued, false, rm), dmaFenceErrno(other, false, rm)]).toEqual([1, 0]);
    expect(dmaFenceErrno(c, false, { type: 'DMA_FENCE_ENABLE_SW_SIGNALING' })).toBe(0);
  });

  test('R3: a fence is not later than one with the same seqno on its context', () => {
    const a = dmaFenceBaseContext({ context: 3, seqno: 7 });
    expect([isLater(a, { ...a }), isLater({ ...a, seqno: 8 }, a)]).toEqual([false, true]);
  });

  test('R1, R30: a plain fence is a hardware fence signalled by the kernel, owned by nobody, unpublished', () => {
    const c = ctx<DmaFenceContext>(world('f'), 'f');
    expect([c.ops, c.signaller, c.owner, c.published]).toEqual(['hw', 'kernel', '', false]);
  });

  test('R17: a private stub is signaled with no error and no ENABLE_SIGNAL work pending', () => {
    const w = F.dma_fence_allocate_private_stub(emptyWorld, 's');
    const c = ctx<DmaFenceContext>(w, 's');
    expect([stateOf(w, 's'), c.error, c.onEnable, c.cbs]).toEqual(['signaled', 0, null, []]);
  });
});

/** A test kind built by defineFenceKind with every op it takes (as dma_fence_array and the chain use them). */
interface LatchContext extends DmaFenceContext {
  armed: boolean;
  hits: number;
  waiting: string[];
}
type LatchEvent = { type: 'LATCH_ARM' } | { type: 'LATCH_HIT'; n: number } | { type: 'LATCH_POKE' };
const latchMachine = defineFenceKind<LatchContext, LatchEvent, { ready?: boolean }>({
  kind: 'test_latch',
  context: (input) => ({
    ...dmaFenceBaseContext(undefined, { ops: 'latch', signaller: 'user', owner: 'o', context: 5, seqno: 9 }),
    armed: false,
    hits: input?.ready ? 3 : 0,
    waiting: ['x'],
  }),
  enable_signaling: (c) => [{ to: 'r2', ev: { type: 'LATCH_ENABLED', hits: c.hits } }],
  signaled: (c) => c.hits >= 3,
  complete: (c) => ({ error: c.armed ? 0 : -5 }),
  detach: { waiting: [] },
  guards: { armed: (c) => c.armed, 'big hit': (_c, e) => e.type === 'LATCH_HIT' && e.n > 1 },
  unsignaled: {
    LATCH_ARM: [{ update: () => ({ armed: true }), description: 'arm' }],
    LATCH_HIT: [
      { guard: 'big hit', update: (c) => ({ hits: c.hits + 3 }), signal: true },
      { guard: 'armed', update: (c) => ({ hits: c.hits + 1 }) },
    ],
  },
  whenSignaled: { LATCH_POKE: [{ update: (c) => ({ hits: c.hits + 10 }) }] },
  contained: () => ['inner'],
  waitEdges: (id) => [[id, 'inner']] as never,
});

describe('defineFenceKind: a kind is the base contract plus its ops (dma_fence_ops)', () => {
  const latch = (ready = false) => spawn(world(), 'l', latchMachine, { ready });
  const c = (w: World) => ctx<LatchContext>(w, 'l');

  test('the kind, its context from ops.context, its view and its ops travel with the machine (R19)', () => {
    const w = latch();
    expect(latchMachine.id).toBe('test_latch');
    expect(c(w)).toMatchObject({ ops: 'latch', signaller: 'user', owner: 'o', context: 5, seqno: 9, armed: false });
    expect(fenceOpsOf(w.o.l)?.kind).toBe('test_latch');
    expect(fenceOpsOf(w.o.l)?.contained?.(w, 'l')).toEqual(['inner']);
    expect(fenceOpsOf(w.o.r)).toBeUndefined(); // the recorder is no fence
    expect(fenceOpsOf(world('f').o.f)).toEqual({ kind: 'dma_fence' }); // a leaf: no contained op
    expect(isFence(w.o.l)).toBe(true);
    expect(viewOf(w.o.l)?.waitEdges?.('l', c(w), w, 'unsignaled')).toEqual([['l', 'inner']]);
  });

  test(
    'R8: ops->enable_signaling runs once, on the first enable or the ' + "first add_callback, with the fence's context",
    () => {
      let w = latch();
      w = send(w, 'l', { type: 'DMA_FENCE_ENABLE_SW_SIGNALING' })!;
      expect(send(w, 'l', { type: 'DMA_FENCE_ENABLE_SW_SIGNALING' })).toBeNull();
      w = F.dma_fence_add_callback(w, 'l', { to: 'r', ev: { type: 'CB' } }).w;
      expect(got(w, 'r2')).toEqual([{ type: 'LATCH_ENABLED', hits: 0 }]);
      let v = latch();
      v = F.dma_fence_add_callback(v, 'l', { to: 'r', ev: { type: 'CB' } }).w;
      v = F.dma_fence_add_callback(v, 'l', { to: 'r', ev: { type: 'CB2' } }).w;
      expect([got(v, 'r2').length, c(v).enableSignal, c(v).cbs.length]).toEqual([1, true, 2]);
    },
  );

  test(
    "a kind's guarded transitions: first enabled candidate wins; a " + "signalling one runs complete, then R4's signal",
    () => {
      let w = latch();
      expect(send(w, 'l', { type: 'LATCH_HIT', n: 1 })).toBeNull(); // neither guard holds
      w = send(w, 'l', { type: 'LATCH_ARM' })!;
      w = send(w, 'l', { type: 'LATCH_HIT', n: 1 })!;
      expect([stateOf(w, 'l'), c(w).hits]).toEqual(['unsignaled', 1]);
      w = F.dma_fence_add_callback(w, 'l', { to: 'r', ev: { type: 'CB' } }).w;
      w = send(w, 'l', { type: 'LATCH_HIT', n: 2 })!;
      // complete (armed: error 0) ran before the signal delivered it; detach cleared the kind's fields
      expect([stateOf(w, 'l'), c(w).hits, c(w).error, c(w).waiting, c(w).cbs]).toEqual(['signaled', 4, 0, [], []]);
      expect(got(w, 'r')).toEqual([{ type: 'CB', fenceError: 0 }]);
      w = send(w, 'l', { type: 'LATCH_POKE' })!; // whenSignaled handlers run once signaled
      expect([stateOf(w, 'l'), c(w).hits]).toEqual(['signaled', 14]);
      expect(send(w, 'l', { type: 'LATCH_ARM' })).toBeNull(); // unsignaled-only events are refused
      expect(send(latch(), 'l', { type: 'LATCH_POKE' })).toBeNull();
    },
  );

  test('R9: ops->signaled holding at creation signals at once, through complete (unarmed: the error)', () => {
    const w = latch(true);
    expect([stateOf(w, 'l'), c(w).error, c(w).waiting]).toEqual(['signaled', -5, []]);
  });
});

describe('dma_fence base transitions (R4-R11, R26)', () => {
  test('R26: a fence is published once, signaled or not; user bits are set once each (H6)', () => {
    let w = world('f');
    w = send(w, 'f', { type: 'DMA_FENCE_PUBLISH', via: 'x' })!;
    expect(ctx<DmaFenceContext>(w, 'f').published).toBe(true);
    expect(send(w, 'f', { type: 'DMA_FENCE_PUBLISH' })).toBeNull();
    w = send(w, 'f', { type: 'DMA_FENCE_SET_USER_BIT', bit: 'A' })!;
    expect(send(w, 'f', { type: 'DMA_FENCE_SET_USER_BIT', bit: 'A' })).toBeNull();
    w = send(w, 'f', { type: 'DMA_FENCE_SET_USER_BIT', bit: 'B' })!;
    expect(ctx<DmaFenceContext>(w, 'f').userBits).toEqual(['A', 'B']);
    expect([dma_fence_test_user_bit(ctx(w, 'f'), 'B'), dma_fence_test_user_bit(ctx(w, 'f'), 'C')]).toEqual([
      true,
      false,
    ]);
    expect(dma_fence_test_user_bit(ctx(world('g'), 'g'), 'A')).toBe(false);
    let s = F.dma_fence_signal(world('g'), 'g').w;
    s = send(s, 'g', { type: 'DMA_FENCE_PUBLISH' })!;
    s = send(s, 'g', { type: 'DMA_FENCE_SET_USER_BIT', bit: 'A' })!;
    expect(send(s, 'g', { type: 'DMA_FENCE_PUBLISH' })).toBeNull();
    expect(send(s, 'g', { type: 'DMA_FENCE_SET_USER_BIT', bit: 'A' })).toBeNull();
    expect([ctx<DmaFenceContext>(s, 'g').published, ctx<DmaFenceContext>(s, 'g').userBits]).toEqual([true, ['A']]);
  });

  test(
    'R4, R6: the callbacks run once, in order, with the error set ' + 'before the signal; a lazy onEnable runs once',
    () => {
      let w = spawn(world(), 'f', dmaFenceMachine, {
        context: 1,
        seqno: 1,
        onEnable: { to: 'r2', ev: { type: 'GO' } },
      });
      expect(ctx<DmaFenceContext>(w, 'f').onEnable).toEqual({ to: 'r2', ev: { type: 'GO' } });
      w = F.dma_fence_add_callback(w, 'f', { to: 'r', ev: { type: 'A' } }).w;
      w = F.dma_fence_add_callback(w, 'f', { to: 'r', ev: { type: 'B' } }).w;
      w = send(w, 'f', { type: 'DMA_FENCE_ENABLE_SW_SIGNALING' }) ?? w;
      w = send(w, 'f', { type: 'DMA_FENCE_SET_ERROR', error: -62 })!;
      w = F.dma_fence_signal(w, 'f').w;
      expect(got(w, 'r')).toEqual([
        { type: 'A', fenceError: -62 },
        { type: 'B', fenceError: -62 },
      ]);
      expect(got(w, 'r2')).toEqual([{ type: 'GO' }]);
      expect([ctx<DmaFenceContext>(w, 'f').cbs, ctx<DmaFenceContext>(w, 'f').onEnable]).toEqual([[], null]);
      expect(send(w, 'f', { type: 'DMA_FENCE_SET_ERROR', error: -5 })).toBeNull();
      expect(send(w, 'f', { type: 'DMA_FENCE_SIGNAL' })).toBeNull();
    },
  );

  test('R1: base context defaults come from the kind, and the input overrides them', () => {
    const d = { ops: 'k', signaller: 'user', owner: 'o', context: 3, seqno: 4, error: -5 } as const;
    expect(dmaFenceBaseContext(undefined, d)).toMatchObject({ ...d, published: false, enableSignal: false });
    const i = { ops: 'i', signaller: 'kernel', owner: 'p', context: 6, seqno: 7, error: -9, published: true } as const;
    expect(dmaFenceBaseContext(i, d)).toMatchObject(i);
    expect(dmaFenceBaseContext({ onEnable: { to: 'x', ev: { type: 'E' } } }).onEnable).toEqual({
      to: 'x',
      ev: { type: 'E' },
    });
    expect(dmaFenceBaseContext({ signaled: true, onEnable: { to: 'x', ev: { type: 'E' } } })).toMatchObject({
      onEnable: null,
      enableSignal: true,
    });
  });
});

// Built at import, as every kind is: a kind built inside a test would count defineFenceKind's whole config as
// reached by that test alone (StrykerJS perTest coverage), hiding it from the tests that check it.
const bare = defineFenceKind<DmaFenceContext>({ kind: 'test_bare', context: () => dmaFenceBaseContext(undefined) });

describe(
  'dma_fence defaults and errnos, on inputs no earlier test ' + 'spawned (initial snapshots are cached by input)',
  () => {
    test(
      'R1, R30: with neither input nor kind defaults a fence is a ' + 'kernel-signalled hardware fence owned by nobody',
      () => {
        const w = spawn(emptyWorld, 'f', dmaFenceMachine, { context: 4242, seqno: 4243 });
        const c = ctx<DmaFenceContext>(w, 'f');
        expect([c.ops, c.signaller, c.owner]).toEqual(['hw', 'kernel', '']);
        expect(dmaFenceBaseContext(undefined)).toMatchObject({ ops: 'hw', signaller: 'kernel', owner: '' });
      },
    );

    test('R9: a kind without ops->signaled signals only when told (only the SIGNALED flag counts)', () => {
      let w = spawn(world(), 'b', bare, {});
      expect(stateOf(w, 'b')).toBe('unsignaled');
      w = F.dma_fence_signal(w, 'b').w;
      expect(stateOf(w, 'b')).toBe('signaled');
    });

    test('R11: remove_callback returns 1 when the named callback is one of several queued', () => {
      const c = dmaFenceBaseContext({ context: 1, seqno: 1 });
      const two = {
        ...c,
        cbs: [
          { to: 'r', ev: { type: 'CB' } },
          { to: 'r2', ev: { type: 'CB' } },
        ],
      };
      expect(dmaFenceErrno(two, false, { type: 'DMA_FENCE_REMOVE_CALLBACK', to: 'r2' })).toBe(1);
    });
  },
);
