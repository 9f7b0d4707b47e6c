/**
 * dma_fence rules that no other test pinned down, found by StrykerJS (stryker.config.mjs): each test
 * states the kernel behaviour with its rule id (kernel-sync-semantics.md §1.1).
 * The transition memo is cleared before each test so that a transition computed while the modules
 * loaded cannot stand in for the one under test.
 */
import { beforeEach, describe, expect, test } from 'vitest';
import { clearTransitionMemo, ctx, emptyWorld, send, spawn, stateOf, type World } from '../../models/world.ts';
import {
  dmaFenceBaseContext,
  dmaFenceErrno,
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
