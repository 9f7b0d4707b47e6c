/**
 * Unit tests of issue 4's machines, citing the rules they encode, and @xstate/graph coverage of every
 * transition of each machine.
 */
import { describe, expect, test } from 'vitest';
import { coverTransitions } from '../helpers/coverage.ts';
import { emptyWorld, spawn, send, must, ctx, stateOf, type World } from '../../models/world.ts';
import { waitEdges } from '../../models/view.ts';
import { dmaFenceMachine } from '../../models/dma-buf/dma-fence.ts';
import { ttmBoMachine, type TtmBoContext } from '../../models/ttm/ttm-buffer-object.ts';
import { userMemoryFenceMachine, type UmfContext } from '../../models/userq/user-memory-fence.ts';
import { dmaFenceUmfMachine } from '../../models/userq/dma-fence-umf.ts';
import { kthreadMachine } from '../../models/kernel/kthread.ts';
import { gpuContextMachine, type GpuContextContext } from '../../models/gpu/gpu-context.ts';
import { userModeQueueMachine, type UserModeQueueContext } from '../../models/userq/user-mode-queue.ts';
import { gpuPageFaultMachine } from '../../models/gpu/gpu-page-fault.ts';
import { userProcessMachine } from '../../models/userspace/user-process.ts';
import { ttm_bo_create, ttm_bo_move, dma_resv_add } from '../../models/ttm/ttm-bo.ts';

const batch = (o: Partial<{ waitUmf: string; waitValue: number; writeUmf: string; writeValue: number }> = {}) => ({
  waitUmf: '',
  waitValue: 0,
  writeUmf: '',
  writeValue: 0,
  ...o,
});

describe('ttm_buffer_object (R53, I19, H5)', () => {
  test('a move waits on every resv fence up to BOOKKEEP, enabling a lazy one (I19, R8, R108)', () => {
    let w: World = ttm_bo_create(emptyWorld, 'bo', 'VRAM');
    w = spawn(w, 'ctx', gpuContextMachine, { pfence: 'pf' });
    w = spawn(w, 'pf', dmaFenceMachine, { ops: 'preempt', onEnable: { to: 'ctx', ev: { type: 'GPU_CTX_PREEMPT' } } });
    w = dma_resv_add(w, 'bo', 'pf', 'BOOKKEEP', 't');
    w = ttm_bo_move(w, 'bo', 'GTT', [], ['job.finished']);
    expect(stateOf(w, 'bo')).toBe('waiting');
    expect(ctx<TtmBoContext>(w, 'bo').deps).toEqual(['pf']);
    expect(stateOf(w, 'ctx')).toBe('preempting'); // the wait enabled the preempt fence
    expect(waitEdges(w)).toContainEqual(['bo.move1', 'pf', "bo's move waits on pf (I19)"]);
    expect(waitEdges(w)).toContainEqual(['job.finished', 'bo.move1', 'job.finished needs bo in GTT (H5)']);
    w = must(w, 'ctx', { type: 'GPU_CTX_PREEMPTED' });
    expect(stateOf(w, 'bo')).toBe('moving');
    w = must(w, 'bo', { type: 'TTM_BO_MOVE_DONE' });
    expect(ctx<TtmBoContext>(w, 'bo').placement).toBe('GTT');
    expect(w.o['bo.move1'].hasTag('signaled')).toBe(true);
    // the move fence is in the resv as KERNEL (R53)
    expect((ctx(w, 'bo.resv') as any).fences.find((e: any) => e.fence === 'bo.move1').usage).toBe('KERNEL');
  });
  test('coverage', () => {
    const r = coverTransitions(
      ttmBoMachine,
      (s) => [
        {
          type: 'TTM_BO_MOVE',
          to: 'VRAM',
          fence: 'm',
          deps: s.context.placement === 'VRAM' ? [] : ['d'],
          neededBy: ['j'],
        },
        { type: 'TTM_BO_MOVE', to: 'GTT', fence: 'm', deps: [], neededBy: [] },
        { type: 'TTM_BO_DEP_SIGNALED', fence: 'd' },
        { type: 'TTM_BO_MOVE_DONE' },
        { type: 'TTM_BO_PIN', for: 'j' },
        { type: 'TTM_BO_UNPIN' },
        { type: 'TTM_BO_FREE' },
        { type: 'TTM_BO_NEEDED_BY', by: 'k' },
      ],
      { input: { resv: 'r', placement: 'SYSTEM' } },
    );
    expect(r.uncovered).toEqual([]);
  });
});

describe('user_memory_fence and dma_fence_umf (R30, R118-R120)', () => {
  test('a store wakes only the sleepers whose condition holds; an errored GPU store never lands (R119, R120)', () => {
    let w = spawn(emptyWorld, 'u', userMemoryFenceMachine, { writer: 'p' });
    w = spawn(w, 'a', userProcessMachine, {});
    w = spawn(w, 'b', userProcessMachine, {});
    for (const [p, v] of [
      ['a', 1],
      ['b', 2],
    ] as const) {
      w = must(w, p, { type: 'PROC_BLOCK', on: 'u' });
      w = must(w, 'u', { type: 'UMF_FUTEX_WAIT', to: p, value: v, ev: { type: 'PROC_WAKE' } });
    }
    expect(send(w, 'u', { type: 'UMF_WRITE', value: 2, fenceError: -125 })).toBeNull();
    w = must(w, 'u', { type: 'UMF_WRITE', value: 1 });
    expect([stateOf(w, 'a'), stateOf(w, 'b')]).toEqual(['running', 'blocked']);
    expect(ctx<UmfContext>(w, 'u').waiters.map((x) => x.to)).toEqual(['b']);
  });
  test('the wrapper is a user-signalled dma_fence that waits on its UMF (R30)', () => {
    let w = spawn(emptyWorld, 'u', userMemoryFenceMachine, { writer: 'p' });
    w = spawn(w, 'W', dmaFenceUmfMachine, { self: 'W', umf: 'u', value: 3 } as any);
    expect(ctx(w, 'W').signaller).toBe('user');
    expect(waitEdges(w)).toContainEqual(['W', 'u', 'W wraps u >= 3 (R30)']);
    w = must(w, 'W', { type: 'DMA_FENCE_ENABLE_SW_SIGNALING' });
    w = must(w, 'u', { type: 'UMF_WRITE', value: 3 });
    expect(w.o.W.hasTag('signaled')).toBe(true);
  });
  test('coverage', () => {
    const u = coverTransitions(
      userMemoryFenceMachine,
      (s) => [
        ...(s.context.value < 2 ? [{ type: 'UMF_WRITE', value: s.context.value + 1 }] : []),
        { type: 'UMF_WRITE', value: 9, fenceError: -5 },
        ...(s.context.waiters.length < 1 && s.context.value < 2
          ? [{ type: 'UMF_FUTEX_WAIT', to: 'x', value: s.context.value + 1, ev: { type: 'X' } }]
          : []),
        { type: 'UMF_FUTEX_WAIT', to: 'y', value: 0, ev: { type: 'X' } },
        { type: 'UMF_FUTEX_CANCEL', to: 'x' },
      ],
      { limit: 200 },
    );
    expect(u.uncovered).toEqual([]);
    const f = coverTransitions(
      dmaFenceUmfMachine,
      (s) =>
        [
          { type: 'DMA_FENCE_ENABLE_SW_SIGNALING' },
          ...(s.context.cbs.length < 1 ? [{ type: 'DMA_FENCE_ADD_CALLBACK', cb: { to: 'w', ev: { type: 'X' } } }] : []),
          { type: 'DMA_FENCE_REMOVE_CALLBACK', to: 'w' },
          { type: 'DMA_FENCE_SET_ERROR', error: -62 },
          { type: 'DMA_FENCE_SIGNAL' },
          { type: 'DMA_FENCE_PUBLISH' },
          { type: 'DMA_FENCE_SET_USER_BIT', bit: 'B' },
        ] as any,
      { input: { self: 'W', umf: 'u', value: 1 } },
    );
    expect(f.uncovered).toEqual([]);
  });
});

describe('kthread (R22-R25, I11)', () => {
  test('GFP_KERNEL under pressure enters reclaim and blocks; GFP_ATOMIC never does (R24, R25)', () => {
    let w = spawn(emptyWorld, 't', kthreadMachine, {});
    w = must(w, 't', { type: 'KTHREAD_WORK', work: 'run_job j', sigFor: ['j.finished'] });
    const atomic = must(w, 't', { type: 'KTHREAD_ALLOC', gfp: 'GFP_ATOMIC', reclaimWaits: 'j.finished' });
    expect(stateOf(atomic, 't')).toBe('running');
    w = must(w, 't', { type: 'KTHREAD_ALLOC', gfp: 'GFP_KERNEL', reclaimWaits: 'j.finished' });
    expect(stateOf(w, 't')).toBe('blocked');
    expect(waitEdges(w).map((e) => [e[0], e[1]])).toEqual([
      ['j.finished', 't'],
      ['t', 'j.finished'],
    ]);
  });
  test('coverage', () => {
    const r = coverTransitions(
      kthreadMachine,
      (s) => [
        { type: 'KTHREAD_WORK', work: 'w', sigFor: ['f'] },
        ...(s.context.locks.length < 1 ? [{ type: 'KTHREAD_LOCK', lock: 'resv:bo' }] : []),
        { type: 'KTHREAD_UNLOCK', lock: 'resv:bo' },
        { type: 'KTHREAD_ALLOC', gfp: 'GFP_KERNEL', reclaimWaits: 'f' },
        { type: 'KTHREAD_ALLOC', gfp: 'GFP_ATOMIC', reclaimWaits: 'f' },
        { type: 'KTHREAD_WAIT', on: 'f' },
        { type: 'KTHREAD_WAKE' },
        { type: 'KTHREAD_DONE' },
      ],
      { limit: 500 },
    );
    expect(r.uncovered).toEqual([]);
  });
});

describe('gpu_context (R108-R112, R20)', () => {
  test('preemption lands even mid-spin and signals the preempt fence; resume takes a fresh one (R109, R111)', () => {
    let w = spawn(emptyWorld, 'c', gpuContextMachine, { suspended: true });
    expect(stateOf(w, 'c')).toBe('suspended');
    w = spawn(w, 'pf1', dmaFenceMachine, { ops: 'preempt', onEnable: { to: 'c', ev: { type: 'GPU_CTX_PREEMPT' } } });
    w = must(w, 'c', { type: 'GPU_CTX_RESUME', pfence: 'pf1' });
    w = must(w, 'c', { type: 'GPU_CTX_SUBMIT', batch: batch({ waitUmf: 'u', waitValue: 1 }) });
    w = must(w, 'pf1', { type: 'DMA_FENCE_ENABLE_SW_SIGNALING' });
    expect(stateOf(w, 'c')).toBe('preempting');
    w = must(w, 'c', { type: 'GPU_CTX_PREEMPTED' });
    expect(w.o.pf1.hasTag('signaled')).toBe(true);
    expect(ctx<GpuContextContext>(w, 'c').batches).toHaveLength(1); // progress kept
  });
  test('a hung context cannot be preempted; the kill signals its preempt fence with -ENOENT (R109)', () => {
    let w = spawn(emptyWorld, 'c', gpuContextMachine, { pfence: 'pf' });
    w = spawn(w, 'pf', dmaFenceMachine, { ops: 'preempt', onEnable: { to: 'c', ev: { type: 'GPU_CTX_PREEMPT' } } });
    w = must(w, 'c', { type: 'GPU_CTX_HANG' });
    w = must(w, 'pf', { type: 'DMA_FENCE_ENABLE_SW_SIGNALING' });
    expect(w.o.pf.hasTag('signaled')).toBe(false);
    w = must(w, 'c', { type: 'GPU_CTX_KILL', by: 'tdr', error: -62 });
    // the kill signals the preempt fence with an error; that the context hung is the monitor's record now
    expect([w.o.pf.hasTag('signaled'), ctx(w, 'pf').error, w.o.c.hasTag('killed')]).toEqual([true, -2, true]);
  });
  test('coverage', () => {
    const r = coverTransitions(
      gpuContextMachine,
      (s) => [
        ...(s.context.batches.length < 1 && s.context.done < 1
          ? [{ type: 'GPU_CTX_SUBMIT', batch: batch({ writeUmf: 'u', writeValue: 1 }) }]
          : []),
        { type: 'GPU_CTX_EXEC' },
        { type: 'GPU_CTX_PREEMPT' },
        { type: 'GPU_CTX_PREEMPTED' },
        { type: 'GPU_CTX_RESUME', pfence: 'pf' },
        { type: 'GPU_CTX_HANG' },
        { type: 'GPU_CTX_KILL', by: 'x', error: -62 },
      ],
      { input: { proc: 'p', bos: ['b'] }, limit: 500 },
    );
    expect(r.uncovered).toEqual([]);
  });
});

describe('user_mode_queue (R115, R122-R124, I23)', () => {
  test('fences signal in order as rptr advances; a reset force-completes the rest with the error (R122, R124)', () => {
    let w = spawn(emptyWorld, 'q', userModeQueueMachine, { hangDetect: true });
    for (const f of ['f1', 'f2']) {
      w = spawn(w, f, dmaFenceMachine, { ops: 'userq', owner: 'q' });
      w = must(w, 'q', { type: 'USERQ_DOORBELL', batch: batch() });
      w = must(w, 'q', { type: 'USERQ_SIGNAL', fence: f });
    }
    expect(ctx<UserModeQueueContext>(w, 'q').timers).toEqual(['f1', 'f2']); // I23: armed at creation
    w = must(w, 'q', { type: 'USERQ_EXEC' });
    expect([w.o.f1.hasTag('signaled'), w.o.f2.hasTag('signaled')]).toEqual([true, false]);
    w = must(w, 'q', { type: 'USERQ_RESET', by: 'hang_detect', error: -62 });
    expect([w.o.f2.hasTag('signaled'), ctx(w, 'f2').error, stateOf(w, 'q')]).toEqual([true, -62, 'banned']);
  });
  test('coverage', () => {
    const r = coverTransitions(
      userModeQueueMachine,
      (s) => [
        ...(s.context.wptr < 1 ? [{ type: 'USERQ_DOORBELL', batch: batch() }] : []),
        ...(s.context.fences.length < 1 && s.context.wptr === 1 ? [{ type: 'USERQ_SIGNAL', fence: 'f' }] : []),
        { type: 'USERQ_ATTACH_EVF', fence: 'e' },
        { type: 'USERQ_EXEC' },
        { type: 'USERQ_UNMAP' },
        { type: 'USERQ_MAP' },
        { type: 'USERQ_HANG' },
        { type: 'USERQ_RESET', by: 'x', error: -62 },
      ],
      { input: { proc: 'p', bos: ['b'], hangDetect: true }, limit: 500 },
    );
    expect(r.uncovered).toEqual([]);
  });
});

describe('gpu_page_fault (R31, H5) and user_process', () => {
  test("a pending fault puts the engine's queued work behind the compute units it holds (R31)", () => {
    let w = spawn(emptyWorld, 'gpu0', await_ring(), {});
    w = must(w, 'gpu0', { type: 'GPU_RING_EMIT', fence: 'j.hw' });
    w = spawn(w, 'flt', gpuPageFaultMachine, { gpuCtx: 'c', engine: 'gpu0' });
    w = must(w, 'flt', { type: 'GPU_PAGE_FAULT_HANDLE', handler: 'k' });
    expect(waitEdges(w).map((e) => `${e[0]}->${e[1]}`)).toEqual(['j.hw->cu:gpu0', 'cu:gpu0->flt', 'c->flt', 'flt->k']);
    w = must(w, 'flt', { type: 'GPU_PAGE_FAULT_REPAIRED' });
    expect(waitEdges(w)).toEqual([]);
  });
  test('coverage', () => {
    const f = coverTransitions(
      gpuPageFaultMachine,
      () => [{ type: 'GPU_PAGE_FAULT_HANDLE', handler: 'k' }, { type: 'GPU_PAGE_FAULT_REPAIRED' }],
      { input: { gpuCtx: 'c', engine: 'e' } },
    );
    expect(f.uncovered).toEqual([]);
    const p = coverTransitions(
      userProcessMachine,
      (s) => [
        ...(s.context.pc < 1 ? [{ type: 'PROC_ADVANCE' }, { type: 'PROC_WAKE' }] : []),
        { type: 'PROC_BLOCK', on: 'u' },
        { type: 'PROC_HALT', by: 'm' },
        { type: 'PROC_RESUME' },
        { type: 'PROC_CRASH' },
      ],
      { limit: 500 },
    );
    expect(p.uncovered).toEqual([]);
  });
});

import { gpuRingMachine } from '../../models/gpu/gpu-ring.ts';
function await_ring() {
  return gpuRingMachine;
}
