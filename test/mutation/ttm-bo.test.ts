/**
 * TTM's world operations (models/ttm/ttm-bo.ts: ttm_bo_validate, ttm_bo_evict, ttm_bo_handle_move_mem) that
 * no other test pinned down, found by StrykerJS (test/mutation/focused.stryker.mjs): each rule as TTM states
 * it (kernel-sync-semantics.md R53, I19, H5; ttm_bo.c), then at property level: compute-lr-mode, where a
 * BO validated for a queue that has not run must not be the next victim (R112), explored to completion
 * with the TTM state properties (issue 14.8: victim selection). The explorations come last: a mutant a
 * unit test kills is then not explored.
 */
import { beforeEach, describe, expect, test } from 'vitest';
import { clearTransitionMemo, ctx, emptyWorld, must, setG, spawn, stateOf, type World } from '../../models/world.ts';
import { dmaFenceMachine, isSignaled, type DmaFenceContext } from '../../models/dma-buf/dma-fence.ts';
import type { DmaResvContext } from '../../models/dma-buf/dma-resv.ts';
import type { TtmBoContext } from '../../models/ttm/ttm-buffer-object.ts';
import type { Args, StepDef } from '../../models/design.ts';
import {
  can_ttm_bo_validate,
  dma_resv_add,
  resident,
  ttm_bo_create,
  ttm_bo_move,
  ttm_bo_move_buffer,
  ttm_bo_move_copy,
  ttmBoReleaseKey,
  ttmBoReleasePending,
  ttmBoValidateStep,
  ttmMoveCount,
  validateChoices,
  vramUsed,
  TTM_EXPECTATIONS,
} from '../../models/ttm/ttm-bo.ts';
import { variant, explore } from '../bugs/helpers.ts';

beforeEach(() => clearTransitionMemo());

const bo = (w: World, b: string) => ctx<TtmBoContext>(w, b);
const fence = (w: World, f: string) => ctx<DmaFenceContext>(w, f);
const resv = (w: World, b: string) => ctx<DmaResvContext>(w, `${b}.resv`);
const never = () => false;
/** A step's argument tuples in `w` (none when it declares no `params`). */
const paramsOf = <C, A extends Args>(st: StepDef<C, A>, w: World, cfg: C): readonly A[] => st.params?.(w, cfg) ?? [];

/** BOs [id, placement] and plain fences [id]. */
function world(bos: [string, 'VRAM' | 'GTT' | 'SYSTEM'][], fences: string[] = []): World {
  let w = emptyWorld;
  for (const [b, p] of bos) w = ttm_bo_create(w, b, p);
  for (const [i, f] of fences.entries()) w = spawn(w, f, dmaFenceMachine, { context: 50 + i, seqno: 1 });
  return w;
}

/** Let every queued move land (each waits on nothing here): the copy engine runs until idle. */
function land(w: World): World {
  for (;;) {
    const p = paramsOf(ttm_bo_move_copy, w, {});
    if (!p.length) return w;
    expect(ttm_bo_move_copy.enabled(w, p[0], {})).toBe(true);
    w = ttm_bo_move_copy.apply(w, p[0], {});
  }
}

describe('ttm_bo_handle_move_mem (R53, I19, H5)', () => {
  test('a BO and its resv are created together, at the placement asked for', () => {
    const w = world([['bo0', 'GTT']]);
    expect([stateOf(w, 'bo0'), bo(w, 'bo0').resv, bo(w, 'bo0').placement, resv(w, 'bo0').fences]).toEqual([
      'idle',
      'bo0.resv',
      'GTT',
      [],
    ]);
  });

  test('dma_resv_add: locked, reserved, added with its usage, context and seqno, unlocked again (R55, R56)', () => {
    let w = world([['bo0', 'GTT']], ['a', 'b']);
    w = must(w, 'a', { type: 'DMA_FENCE_SIGNAL' });
    w = dma_resv_add(w, 'bo0', 'a', 'WRITE', 'cs');
    w = dma_resv_add(w, 'bo0', 'b', 'READ', 'cs');
    expect(resv(w, 'bo0')).toMatchObject({
      lockedBy: '',
      fences: [{ fence: 'b', usage: 'READ', context: 51, seqno: 1 }],
    });
  });

  test('a move fence is KERNEL in the resv, numbered per BO; the move waits on unsignaled resv fences and deps', () => {
    let w = world(
      [
        ['bo0', 'VRAM'],
        ['bo1', 'GTT'],
      ],
      ['r', 'bk', 'done', 'x', 'gone', 'own'],
    );
    for (const f of ['done', 'gone']) w = must(w, f, { type: 'DMA_FENCE_SIGNAL' });
    w = dma_resv_add(w, 'bo1', 'r', 'READ', 'cs');
    w = dma_resv_add(w, 'bo1', 'bk', 'BOOKKEEP', 'vm');
    w = dma_resv_add(w, 'bo1', 'own', 'WRITE', 'cs');
    w = dma_resv_add(w, 'bo1', 'done', 'WRITE', 'cs');
    w = ttm_bo_move(w, 'bo1', 'VRAM', ['x', 'gone'], ['job'], ['own']);
    expect(ttmMoveCount(w, 'bo1')).toBe(1);
    expect(bo(w, 'bo1')).toMatchObject({ moveFence: 'bo1.move1', target: 'VRAM', deps: ['r', 'bk', 'x'] });
    expect(bo(w, 'bo1').neededBy).toEqual(['job']);
    const m = fence(w, 'bo1.move1');
    expect([m.context, m.seqno, m.ops, m.owner, m.published]).toEqual([501, 1, 'move', 'bo1', true]);
    expect(resv(w, 'bo1').fences.find((e) => e.fence === 'bo1.move1')?.usage).toBe('KERNEL');
    // each dep is published and calls the BO back when it signals
    for (const d of ['r', 'bk', 'x']) {
      expect(fence(w, d).published, d).toBe(true);
      expect(fence(w, d).cbs).toEqual([{ to: 'bo1', ev: { type: 'TTM_BO_DEP_SIGNALED', fence: d } }]);
    }
    expect(fence(w, 'own').cbs).toEqual([]);
    for (const d of ['r', 'bk']) w = must(w, d, { type: 'DMA_FENCE_SIGNAL' });
    expect(stateOf(w, 'bo1')).toBe('waiting');
    w = must(w, 'x', { type: 'DMA_FENCE_SIGNAL' });
    expect(stateOf(w, 'bo1')).toBe('moving');
    w = land(w);
    expect([stateOf(w, 'bo1'), bo(w, 'bo1').placement, isSignaled(w, 'bo1.move1')]).toEqual(['idle', 'VRAM', true]);
    // the next move skips nothing: the job's own fence, still unsignaled, is now a dependency
    w = ttm_bo_move(w, 'bo1', 'GTT', [], []);
    expect([ttmMoveCount(w, 'bo1'), fence(w, 'bo1.move2').seqno, bo(w, 'bo1').deps]).toEqual([2, 2, ['own']]);
    expect(ttmMoveCount(setG(w, { 'moves:bo1': 'x' }), 'bo1')).toBe(0);
  });

  test('a VRAM slot is used by every live BO there or on its way there; resident means idle in VRAM', () => {
    let w = world([
      ['a', 'VRAM'],
      ['b', 'GTT'],
      ['c', 'GTT'],
      ['d', 'VRAM'],
    ]);
    w = must(w, 'd', { type: 'TTM_BO_FREE' });
    expect(vramUsed(w)).toBe(1);
    w = ttm_bo_move(w, 'b', 'VRAM', [], []);
    expect(vramUsed(w)).toBe(2);
    expect(['a', 'b', 'c'].map((x) => resident(w, x))).toEqual([true, false, false]);
    w = land(w);
    expect(['a', 'b', 'c'].map((x) => resident(w, x))).toEqual([true, true, false]);
  });

  test('a release is pending while the design global destroy:<bo> is set', () => {
    const w = world([['a', 'VRAM']]);
    expect(ttmBoReleaseKey('a')).toBe('destroy:a');
    expect([ttmBoReleasePending(w, 'a'), ttmBoReleasePending(setG(w, { 'destroy:a': true }), 'a')]).toEqual([
      false,
      true,
    ]);
  });
});

describe('ttm_bo_validate: eviction only when VRAM is full, never of a pinned BO (ttm_bo_alloc_resource)', () => {
  test('with a free slot the only choice is the slot; full, every idle unpinned VRAM BO but the one moving in', () => {
    let w = world([
      ['a', 'VRAM'],
      ['b', 'VRAM'],
      ['c', 'GTT'],
      ['p', 'VRAM'],
    ]);
    w = must(w, 'p', { type: 'TTM_BO_PIN', for: 'q' });
    expect(validateChoices(w, 'c', 5, never)).toEqual(['']);
    expect(validateChoices(w, 'c', 3, never)).toEqual(['a', 'b', 'p']);
    expect(validateChoices(w, 'c', 3, (who) => who === 'q')).toEqual(['a', 'b']);
    w = ttm_bo_move(w, 'b', 'GTT', [], []); // b is on its way out: busy, no victim
    expect(validateChoices(w, 'c', 3, never)).toEqual(['a', 'p']);
  });

  test('the guard: the BO needs the move, a victim exactly when full, the victim idle in VRAM and not the BO', () => {
    let w = world([
      ['a', 'VRAM'],
      ['b', 'GTT'],
      ['g', 'GTT'],
    ]);
    expect([can_ttm_bo_validate(w, 'b', '', 2), can_ttm_bo_validate(w, 'b', 'a', 2)]).toEqual([true, false]);
    expect([can_ttm_bo_validate(w, 'b', '', 1), can_ttm_bo_validate(w, 'b', 'a', 1)]).toEqual([false, true]);
    expect(can_ttm_bo_validate(w, 'b', 'g', 1)).toBe(false); // not in VRAM
    expect(can_ttm_bo_validate(w, 'a', '', 2)).toBe(false); // already there
    w = ttm_bo_move(w, 'a', 'SYSTEM', [], []);
    expect(can_ttm_bo_validate(w, 'b', 'a', 0)).toBe(false); // a is moving
    w = ttm_bo_move(w, 'b', 'VRAM', [], []);
    expect(can_ttm_bo_validate(w, 'b', '', 5)).toBe(false); // a move is queued already
  });

  test('with a victim, the eviction goes first and the move in waits on its fence (H5, I19)', () => {
    let w = world([
      ['a', 'VRAM'],
      ['b', 'GTT'],
    ]);
    w = ttm_bo_move_buffer(w, 'b', 'a', ['job'], []);
    expect(bo(w, 'a')).toMatchObject({ target: 'GTT', moveFence: 'a.move1', neededBy: [] });
    expect(bo(w, 'b')).toMatchObject({ target: 'VRAM', deps: ['a.move1'], neededBy: ['job'] });
    expect(stateOf(w, 'b')).toBe('waiting');
    w = land(w);
    expect([bo(w, 'a').placement, bo(w, 'b').placement, bo(w, 'b').pinnedFor]).toEqual(['GTT', 'VRAM', 'job']);
  });

  test('the step: one action per (who, BO, choice), by the design trigger and victim policy', () => {
    let w = world([
      ['a', 'VRAM'],
      ['b', 'VRAM'],
      ['c', 'GTT'],
      ['d', 'GTT'],
    ]);
    w = must(w, 'b', { type: 'TTM_BO_PIN', for: 'q' });
    const after: string[] = [];
    const step = ttmBoValidateStep<{ slots: number }>({
      name: 'validate',
      role: 'kernel',
      actor: 'ttm',
      requests: () => [
        ['j', 'c'],
        ['k', 'a'],
      ],
      capacity: (cfg) => cfg.slots,
      stillPinned: (_w, who) => who === 'q',
      neededBy: (who) => [`${who}.finished`],
      skip: (who) => [`${who}.own`],
      after: (x, who) => {
        after.push(who);
        return x;
      },
      doc: 'test',
    });
    expect([step.name, step.role, step.actor(['j', 'c', ''], { slots: 0 })]).toEqual(['validate', 'kernel', 'ttm']);
    expect(paramsOf(step, w, { slots: 2 })).toEqual([['j', 'c', 'evict a']]);
    expect(paramsOf(step, w, { slots: 3 })).toEqual([['j', 'c', 'free slot']]);
    expect(step.enabled(w, ['j', 'c', 'evict a'], { slots: 2 })).toBe(true);
    expect(step.enabled(w, ['j', 'c', 'evict b'], { slots: 2 })).toBe(false); // pinned for q
    expect(step.enabled(w, ['j', 'd', 'evict a'], { slots: 2 })).toBe(false); // nobody asked for d
    expect(step.enabled(w, ['k', 'c', 'evict a'], { slots: 2 })).toBe(false); // k did not ask for c
    expect(step.enabled(w, ['j', 'c', 'free slot'], { slots: 2 })).toBe(false); // full
    expect(step.enabled(w, ['j', 'c', 'free slot'], { slots: 3 })).toBe(true);
    w = spawn(w, 'j.own', dmaFenceMachine, { context: 90, seqno: 1 });
    w = dma_resv_add(w, 'c', 'j.own', 'WRITE', 'cs');
    w = step.apply(w, ['j', 'c', 'evict a'], { slots: 2 });
    expect(after).toEqual(['j']);
    expect(bo(w, 'c')).toMatchObject({ deps: ['a.move1'], neededBy: ['j.finished'] });
    const moved: string[] = [];
    const own = ttmBoValidateStep<{ slots: number }>({
      name: 'validate',
      role: 'kernel',
      actor: 'ttm',
      requests: () => [['j', 'd']],
      capacity: (cfg) => cfg.slots,
      move: (x, b, v, who) => {
        moved.push(`${who}:${b}:${v}`);
        return x;
      },
      doc: 'test',
    });
    expect(paramsOf(own, w, { slots: 4 })).toEqual([['j', 'd', 'free slot']]);
    own.apply(w, ['j', 'd', 'free slot'], { slots: 4 });
    expect(moved).toEqual(['j:d:']);
    const plain = ttmBoValidateStep<{ slots: number }>({
      ...{ name: 'v', role: 'kernel', actor: 'ttm', doc: '' },
      requests: () => [['j', 'd']],
      capacity: (c) => c.slots,
    });
    const p = plain.apply(w, ['j', 'd', 'free slot'], { slots: 4 });
    expect(bo(p, 'd').neededBy).toEqual(['j']);
    // without a victim policy a pin never holds: b, pinned for q, is a victim like any other
    expect(paramsOf(plain, w, { slots: 2 })).toEqual([['j', 'd', 'evict b']]);
    expect(plain.enabled(w, ['j', 'd', 'evict b'], { slots: 2 })).toBe(true);
  });

  test('the copy engine finishes only moves that are copying (R53)', () => {
    let w = world([['a', 'VRAM']], ['x']);
    expect(paramsOf(ttm_bo_move_copy, w, {})).toEqual([]);
    w = ttm_bo_move(w, 'a', 'GTT', ['x'], []);
    expect(paramsOf(ttm_bo_move_copy, w, {})).toEqual([]);
    expect(ttm_bo_move_copy.enabled(w, ['a'], {})).toBe(false);
    w = must(w, 'x', { type: 'DMA_FENCE_SIGNAL' });
    expect(paramsOf(ttm_bo_move_copy, w, {})).toEqual([['a']]);
    expect([ttm_bo_move_copy.name, ttm_bo_move_copy.role, ttm_bo_move_copy.actor(['a'], {})]).toEqual([
      'ttm_bo_move_copy',
      'gpu',
      'copy-engine',
    ]);
  });
});

describe('the TTM state properties at property level (explored to completion)', () => {
  const TTM = ['vram-within-capacity', 'no-eviction-with-free-slot', 'hw-access-resident'];
  test('the shared expectations hold, and say why', () => {
    for (const p of TTM)
      expect([p, TTM_EXPECTATIONS[p as keyof typeof TTM_EXPECTATIONS].verdict]).toEqual([p, 'holds']);
  });

  test(
    'compute-lr-mode: VRAM full, victims chosen, pins honoured: ' + 'every TTM property holds where it could fail',
    async () => {
      // imported here, so that a mutant which breaks the design's module load fails this test
      const computeLr = (await import('../../models/designs/compute-lr-mode.ts')).default;
      const props = [...TTM, 'eviction-after-fences', 'no-access-while-moving', 'acyclic-waits', 'finite-time'];
      // one job per process keeps it to about 150 states; both queues still compete for the one VRAM slot
      const small = { ...computeLr.configs.small, jobs: 1 };
      const cells = await explore(variant(computeLr, 'ttm', props, { configs: { ...computeLr.configs, small } }));
      for (const p of props) expect([p, cells[p].observed]).toEqual([p, 'holds']);
      for (const p of props) expect(cells[p].reached, p).toBeGreaterThan(0);
    },
  );
});
