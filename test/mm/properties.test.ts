/**
 * Issue 4's properties on hand-built worlds: each one fails on the situation its rule forbids and
 * passes on the legal neighbour (so a 'holds' in the design matrix is not a property that cannot fail).
 */
import { describe, expect, test } from 'vitest';
import { emptyWorld, spawn, must, type World } from '../../models/world.ts';
import { dmaFenceMachine } from '../../models/dma-buf/dma-fence.ts';
import { kthreadMachine } from '../../models/kernel/kthread.ts';
import { gpuContextMachine } from '../../models/gpu/gpu-context.ts';
import { userMemoryFenceMachine } from '../../models/userq/user-memory-fence.ts';
import { dmaFenceUmfMachine } from '../../models/userq/dma-fence-umf.ts';
import { ttm_bo_create, dma_resv_add } from '../../models/ttm/ttm-bo.ts';
import evictionAfterFences from '../../properties/eviction-after-fences.ts';
import noAccess from '../../properties/no-access-while-moving.ts';
import discipline from '../../properties/signalling-section-discipline.ts';
import umfNever from '../../properties/umf-never-blocks-dma-fence.ts';
import innocent from '../../properties/innocent-context-survives.ts';
import preemptBounded from '../../properties/preempt-fence-bounded.ts';
import hangRecovers from '../../properties/hang-recovers-with-error.ts';

const act = { step: 's', args: [], label: 's()', role: 'kernel' };
const drained = (w: World) => ({ settled: w, steps: 0, labels: [], bound: 10 });

describe('eviction-after-fences (I19)', () => {
  test('a move that starts while a resv fence is unsignaled is a violation; after it signals it is not', () => {
    let w = ttm_bo_create(emptyWorld, 'bo', 'VRAM');
    w = spawn(w, 'f', dmaFenceMachine, {});
    w = spawn(w, 'm', dmaFenceMachine, { ops: 'move' });
    w = dma_resv_add(w, 'bo', 'f', 'BOOKKEEP', 't');
    // forgot to wait on f
    const bad = must(w, 'bo', { type: 'TTM_BO_MOVE', to: 'GTT', fence: 'm', deps: [], neededBy: [] });
    expect(evictionAfterFences.step!(w, act, bad, {})).toMatch(/bo started moving .* unsignaled f \(BOOKKEEP\)/);
    const w2 = must(w, 'f', { type: 'DMA_FENCE_SIGNAL' });
    expect(
      evictionAfterFences.step!(
        w2,
        act,
        must(w2, 'bo', { type: 'TTM_BO_MOVE', to: 'GTT', fence: 'm', deps: [], neededBy: [] }),
        {},
      ),
    ).toBeNull();
  });
});

describe('no-access-while-moving, signalling-section-discipline, innocent-context-survives', () => {
  test('a context with work on a moving BO; an idle one is fine', () => {
    let w = ttm_bo_create(emptyWorld, 'bo', 'VRAM');
    w = spawn(w, 'c', gpuContextMachine, { bos: ['bo'] });
    w = spawn(w, 'm', dmaFenceMachine, {});
    w = must(w, 'bo', { type: 'TTM_BO_MOVE', to: 'GTT', fence: 'm', deps: [], neededBy: [] });
    expect(noAccess.state!(w, {})).toBeNull();
    w = must(w, 'c', { type: 'GPU_CTX_SUBMIT', batch: { waitUmf: '', waitValue: 0, writeUmf: '', writeValue: 0 } });
    expect(noAccess.state!(w, {})).toMatch(/c is on the hardware using bo while bo is being moved/);
  });
  test('a resv lock inside a signalling section (R23, H4)', () => {
    let w = spawn(emptyWorld, 't', kthreadMachine, {});
    w = spawn(w, 'f', dmaFenceMachine, {});
    w = must(w, 't', { type: 'KTHREAD_WORK', work: 'commit_tail', sigFor: ['f'] });
    expect(discipline.state!(w, {})).toBeNull();
    w = must(w, 't', { type: 'KTHREAD_LOCK', lock: 'resv:bo0' });
    expect(discipline.state!(w, {})).toMatch(/holds resv:bo0 \(R23, H4\)/);
  });
  test('a killed culprit is fine, a killed innocent is not (the monitor remembers who hung)', () => {
    // run the monitor along a sequence of worlds, as the explorers do step by step
    const along = (worlds: World[]) => {
      const step = { step: 'test', args: [], label: 'test()', role: 'kernel' };
      let state = innocent.init!(worlds[0], {});
      let violation: string | null | undefined = null;
      for (let i = 1; i < worlds.length; i++) {
        const r = innocent.next!(state, worlds[i - 1], step, worlds[i], {});
        state = r.state;
        violation ??= r.violation;
      }
      return violation ?? null;
    };
    const w = spawn(emptyWorld, 'c', gpuContextMachine, {});
    expect(along([w, must(w, 'c', { type: 'GPU_CTX_KILL', by: 'timeout', error: -62 })])).toMatch(
      /c was killed by timeout/,
    );
    const hung = must(w, 'c', { type: 'GPU_CTX_HANG' });
    expect(along([w, hung, must(hung, 'c', { type: 'GPU_CTX_KILL', by: 'tdr', error: -62 })])).toBeNull();
  });
});

describe('umf-never-blocks-dma-fence (I9)', () => {
  test('a dma_fence reaching a UMF through a wrapper; a CPU waiter is fine', () => {
    let w = spawn(emptyWorld, 'u', userMemoryFenceMachine, { writer: 'p' });
    expect(umfNever.state!(w, {})).toBeNull();
    w = spawn(w, 'W', dmaFenceUmfMachine, { self: 'W', umf: 'u', value: 1 } as any);
    expect(umfNever.state!(w, {})).toMatch(/dma_fence W depends on user memory fence u/);
  });
});

describe('preempt-fence-bounded (I20) and hang-recovers-with-error (I22)', () => {
  test('an enabled preempt fence unsignaled when the drain settles; a resumed context with a stale fence', () => {
    let w = spawn(emptyWorld, 'c', gpuContextMachine, { pfence: 'pf' });
    w = spawn(w, 'pf', dmaFenceMachine, { ops: 'preempt' });
    expect(preemptBounded.drain!(w, drained(w), {})).toBeNull();
    const enabled = must(w, 'pf', { type: 'DMA_FENCE_ENABLE_SW_SIGNALING' });
    expect(preemptBounded.drain!(enabled, drained(enabled), {})).toMatch(/enabled pf never signals/);
    const stale = must(w, 'pf', { type: 'DMA_FENCE_SIGNAL' });
    expect(preemptBounded.drain!(stale, drained(stale), {})).toMatch(
      /c runs with its preempt fence pf already signaled/,
    );
  });
  test('a hang that is never reset', () => {
    let w = spawn(emptyWorld, 'c', gpuContextMachine, {});
    w = must(w, 'c', { type: 'GPU_CTX_HANG' });
    expect(hangRecovers.drain!(w, drained(w), {})).toMatch(/c is still hung/);
    const reset = must(w, 'c', { type: 'GPU_CTX_KILL', by: 'tdr', error: -62 });
    expect(hangRecovers.drain!(w, drained(reset), {})).toBeNull();
  });
});
