/**
 * ttm_buffer_object rules that no other test pinned down, found by StrykerJS (test/mutation/focused.stryker.mjs):
 * each test states the TTM behaviour it checks (ttm_bo.c; kernel-sync-semantics.md R53, I19, H5).
 * The transition memo is cleared before each test so that a transition computed while the modules
 * loaded cannot stand in for the one under test.
 */
import { beforeEach, describe, expect, test } from 'vitest';
import { clearTransitionMemo, ctx, emptyWorld, must, send, spawn, stateOf, type World } from '../../models/world.ts';
import { waitEdges } from '../../models/view.ts';
import { dmaFenceMachine, isSignaled } from '../../models/dma-buf/dma-fence.ts';
import { inVram, ttmBoMachine, type TtmBoContext } from '../../models/ttm/ttm-buffer-object.ts';

beforeEach(() => clearTransitionMemo());

/** An idle BO carries no move bookkeeping: two idle BOs at one placement are one state (fingerprint). */
const IDLE = { target: '', moveFence: '', deps: [], neededBy: [] };

function world(placement: 'VRAM' | 'GTT' | 'SYSTEM' = 'SYSTEM'): World {
  let w = spawn(emptyWorld, 'bo', ttmBoMachine, { resv: 'bo.resv', placement });
  for (const f of ['m', 'a', 'b']) w = spawn(w, f, dmaFenceMachine, { context: 1, seqno: 1 });
  return w;
}
const bo = (w: World): TtmBoContext => ctx<TtmBoContext>(w, 'bo');
const move = (to: 'VRAM' | 'GTT' | 'SYSTEM', deps: string[] = [], neededBy: string[] = []) =>
  ({ type: 'TTM_BO_MOVE', to, fence: 'm', deps, neededBy }) as const;

describe('ttm_buffer_object (mutation gaps)', () => {
  test('a BO created without a placement lives in system memory, idle, unpinned, with no resv named', () => {
    const w = spawn(emptyWorld, 'bo', ttmBoMachine, {});
    expect(stateOf(w, 'bo')).toBe('idle');
    expect(bo(w)).toEqual({ resv: '', placement: 'SYSTEM', pinnedFor: '', ...IDLE });
  });

  test('ttm_bo_validate: a BO already at the placement is not moved (ttm_resource_compatible)', () => {
    const w = world('GTT');
    expect(send(w, 'bo', move('GTT'))).toBeNull();
    const moved = must(w, 'bo', move('VRAM'));
    expect(stateOf(moved, 'bo')).toBe('moving'); // no deps: straight to the copy engine
  });

  test('I19: only a callback of a fence the move waits on counts; the move starts once the last one signals', () => {
    let w = must(world(), 'bo', move('VRAM', ['a', 'b']));
    expect(stateOf(w, 'bo')).toBe('waiting');
    expect(send(w, 'bo', { type: 'TTM_BO_DEP_SIGNALED', fence: 'm' })).toBeNull();
    w = must(w, 'bo', { type: 'TTM_BO_DEP_SIGNALED', fence: 'a' });
    expect([stateOf(w, 'bo'), bo(w).deps]).toEqual(['waiting', ['b']]);
    expect(send(w, 'bo', { type: 'TTM_BO_DEP_SIGNALED', fence: 'a' })).toBeNull();
    w = must(w, 'bo', { type: 'TTM_BO_DEP_SIGNALED', fence: 'b' });
    expect([stateOf(w, 'bo'), bo(w).deps]).toEqual(['moving', []]);
  });

  test('H5: each node that needs the moving BO waits on the move once, while it waits and while it copies', () => {
    let w = must(world(), 'bo', move('VRAM', ['a'], ['j1']));
    expect(send(w, 'bo', { type: 'TTM_BO_NEEDED_BY', by: 'j1' })).toBeNull();
    w = must(w, 'bo', { type: 'TTM_BO_NEEDED_BY', by: 'j2' });
    expect(bo(w).neededBy).toEqual(['j1', 'j2']);
    w = must(w, 'bo', { type: 'TTM_BO_DEP_SIGNALED', fence: 'a' });
    w = must(w, 'bo', { type: 'TTM_BO_NEEDED_BY', by: 'j3' });
    expect(bo(w).neededBy).toEqual(['j1', 'j2', 'j3']);
    expect(waitEdges(w)).toContainEqual(['j3', 'm', 'j3 needs bo in VRAM (H5)']);
    expect(send(w, 'bo', { type: 'TTM_BO_NEEDED_BY', by: 'j2' })).toBeNull();
  });

  test('R53: the copy lands at the target, the move fence signals, and the BO is pinned for its first waiter', () => {
    let w = must(world(), 'bo', move('VRAM', [], ['j1', 'j2']));
    w = must(w, 'bo', { type: 'TTM_BO_MOVE_DONE' });
    expect(isSignaled(w, 'm')).toBe(true);
    expect(stateOf(w, 'bo')).toBe('idle');
    expect(bo(w)).toEqual({ resv: 'bo.resv', placement: 'VRAM', pinnedFor: 'j1', ...IDLE });
    expect(waitEdges(w)).toEqual([]);
  });

  test('a move in with nobody waiting, or a move out of VRAM, leaves the BO unpinned (an eviction victim)', () => {
    let w = must(world(), 'bo', move('VRAM'));
    w = must(w, 'bo', { type: 'TTM_BO_MOVE_DONE' });
    expect(bo(w).pinnedFor).toBe('');
    let v = must(world('VRAM'), 'bo', move('GTT', [], ['j1']));
    v = must(v, 'bo', { type: 'TTM_BO_MOVE_DONE' });
    expect(bo(v)).toEqual({ resv: 'bo.resv', placement: 'GTT', pinnedFor: '', ...IDLE });
  });

  test('a new move drops the pin: the BO is validated again for whoever needs it next', () => {
    let w = must(world('VRAM'), 'bo', { type: 'TTM_BO_PIN', for: 'ctx' });
    expect(bo(w).pinnedFor).toBe('ctx');
    w = must(w, 'bo', move('GTT'));
    expect(bo(w).pinnedFor).toBe('');
  });

  test('a VRAM slot is held by the BO whose copy is there and claimed by the one being moved in', () => {
    const c = (placement: 'VRAM' | 'GTT', target: 'VRAM' | 'GTT' | '') =>
      inVram({ resv: '', placement, pinnedFor: '', target, moveFence: '', deps: [], neededBy: [] });
    expect([c('VRAM', ''), c('GTT', 'VRAM'), c('GTT', ''), c('GTT', 'GTT'), c('VRAM', 'GTT')]).toEqual([
      true,
      true,
      false,
      false,
      true,
    ]);
  });
});
