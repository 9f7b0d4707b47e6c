/**
 * dma_fence_chain (kernel-sync-semantics.md §1.5, R43-R49), in the manner of the kernel's
 * st-dma-fence-chain.c KUnit tests, plus @xstate/graph coverage of the machines of this slice.
 *
 * Left out: R43's GFP_KERNEL allocation (no allocation is modelled; the signalling-section rules are
 * another property's), R48 (release/refcounts are abstracted: nothing is freed), R49 (deadlines are
 * hints the fence model does not keep, R32).
 */
import { describe, expect, test } from 'vitest';
import { emptyWorld, spawn, must, ctx, hasTag, setG, type World } from '../../models/world.ts';
import { dmaFenceMachine, EINVAL } from '../../models/dma-buf/dma-fence.ts';
import { dmaFenceChainMachine, type DmaFenceChainContext } from '../../models/dma-buf/dma-fence-chain.ts';
import { drmSyncobjMachine } from '../../models/drm-syncobj/drm-syncobj.ts';
import { eventfdMachine } from '../../models/drm-syncobj/eventfd.ts';
import { dmaFenceProxyMachine } from '../../models/dma-buf/dma-fence-proxy.ts';
import {
  dma_fence_chain_init,
  dma_fence_chain_find_seqno,
  dma_fence_chain_walk,
  dma_fence_chain_for_each,
} from '../../models/drm-syncobj/drm-syncobj-api.ts';
import { dma_fence_unwrap } from '../../models/dma-buf/dma-fence-unwrap.ts';
import { dma_fence_is_container } from '../../models/dma-buf/dma-fence-api.ts';
import { waitEdges } from '../../models/view.ts';
import { coverTransitions } from '../helpers/coverage.ts';

/** Fences f1..fn on one context (like a driver timeline), unsignaled. */
function fences(n: number, context = 100): World {
  let w = setG(emptyWorld, { nextContext: 1 });
  for (let i = 1; i <= n; i++) w = spawn(w, `f${i}`, dmaFenceMachine, { context, seqno: i });
  return w;
}

/** A chain c1..cn of f1..fn at points `points[i]`. */
function chain(w: World, points: number[]): World {
  points.forEach((p, i) => {
    w = dma_fence_chain_init(w, `c${i + 1}`, i ? `c${i}` : '', `f${i + 1}`, p);
  });
  return w;
}

const signal = (w: World, f: string) => must(w, f, { type: 'DMA_FENCE_SIGNAL' });
const node = (w: World, id: string) => ctx<DmaFenceChainContext>(w, id);

describe('dma_fence_chain (R43-R49)', () => {
  test('R43: a node holds its prev, prev_seqno, contained fence, and the point as its seqno', () => {
    const w = chain(fences(2), [1, 2]);
    expect(node(w, 'c2')).toMatchObject({ prev: 'c1', prevSeqno: 1, fence: 'f2', seqno: 2, ops: 'dma_fence_chain' });
    expect(
      waitEdges(w)
        .filter((e) => e[0] === 'c2')
        .map((e) => e[1]),
    ).toEqual(['f2', 'c1']);
  });

  test("R44: a later point reuses prev's context; an unordered point gets a new context and a raised seqno", () => {
    let w = chain(fences(3), [1, 5]);
    expect(node(w, 'c2').context).toBe(node(w, 'c1').context);
    w = dma_fence_chain_init(w, 'c3', 'c2', 'f3', 3);
    expect(node(w, 'c3').context).not.toBe(node(w, 'c2').context);
    expect(node(w, 'c3')).toMatchObject({ seqno: 5, prevSeqno: 0 });
  });

  test('R44: a chain may not contain a chain (the kernel WARNs; the model refuses)', () => {
    const w = chain(fences(2), [1]);
    expect(() => dma_fence_chain_init(w, 'bad', '', 'c1', 2)).toThrow(/R44/);
  });

  test('R45: a node signals only once its own fence and every earlier link signaled', () => {
    let w = chain(fences(3), [1, 2, 3]);
    w = signal(w, 'f3');
    expect(hasTag(w, 'c3', 'signaled')).toBe(false);
    w = signal(w, 'f2');
    expect(hasTag(w, 'c2', 'signaled') || hasTag(w, 'c3', 'signaled')).toBe(false);
    w = signal(w, 'f1');
    expect(['c1', 'c2', 'c3'].every((c) => hasTag(w, c, 'signaled'))).toBe(true);
  });

  test('R45: a node over links that already signaled is born signaled and runs callbacks once', () => {
    let w = signal(fences(1), 'f1');
    w = spawn(w, 'waiter', eventfdMachine, {});
    w = dma_fence_chain_init(w, 'c1', '', 'f1', 1);
    expect(hasTag(w, 'c1', 'signaled')).toBe(true);
    let v = dma_fence_chain_init(fences(1), 'c1', '', 'f1', 1);
    v = spawn(v, 'waiter', eventfdMachine, {});
    v = must(v, 'c1', { type: 'DMA_FENCE_ADD_CALLBACK', cb: { to: 'waiter', ev: { type: 'EVENTFD_SIGNAL' } } });
    v = signal(v, 'f1');
    expect(ctx<{ signals: number }>(v, 'waiter').signals).toBe(1);
  });

  test('R46: the walk swings prev past links whose contained fence signaled; signaled-ness is unchanged', () => {
    let w = chain(fences(3), [1, 2, 3]);
    w = signal(w, 'f2');
    const r = dma_fence_chain_walk(w, 'c3');
    expect(r.prev).toBe('c1'); // c2's fence signaled: skipped
    expect(node(r.w, 'c3').prev).toBe('c1');
    expect(hasTag(r.w, 'c3', 'signaled')).toBe(false);
    w = signal(r.w, 'f1');
    const all = dma_fence_chain_for_each(w, 'c3');
    expect(all.visited).toEqual(['c3']);
    expect(node(all.w, 'c3').prev).toBe('');
  });

  test('R47: find_seqno: 0 is a no-op, above the head is -EINVAL, else the node with prev_seqno < p', () => {
    const w = chain(fences(3), [2, 4, 6]);
    expect(dma_fence_chain_find_seqno(w, 'c3', 0)).toMatchObject({ ret: 0, fence: 'c3' });
    expect(dma_fence_chain_find_seqno(w, 'c3', 7).ret).toBe(EINVAL);
    expect(dma_fence_chain_find_seqno(w, 'f1', 1).ret).toBe(EINVAL); // not a chain
    expect(dma_fence_chain_find_seqno(w, 'c3', 5).fence).toBe('c3');
    expect(dma_fence_chain_find_seqno(w, 'c3', 3).fence).toBe('c2');
    expect(dma_fence_chain_find_seqno(w, 'c3', 1).fence).toBe('c1');
  });

  test('R47: a point already garbage-collected resolves to NULL (the caller substitutes a stub)', () => {
    let w = chain(fences(3), [1, 2, 3]);
    w = signal(signal(w, 'f1'), 'f2');
    const r = dma_fence_chain_find_seqno(w, 'c3', 1);
    expect(r).toMatchObject({ ret: 0, fence: null });
  });

  test('R19/R50: a chain is a container; unwrap yields its pending leaves', () => {
    let w = chain(fences(3), [1, 2, 3]);
    expect(dma_fence_is_container(w, 'c3')).toBe(true);
    w = signal(w, 'f2');
    expect(dma_fence_unwrap(w, 'c3')).toEqual(['f3', 'f1']);
  });
});

describe('@xstate/graph transition coverage of the syncobj slice', () => {
  test('dma_fence_chain: every transition (R45, R46, R8, R10, R11)', () => {
    const r = coverTransitions(
      dmaFenceChainMachine,
      (s) => [
        { type: 'DMA_FENCE_CHAIN_CB', fence: 'f' },
        { type: 'DMA_FENCE_CHAIN_CB', fence: 'p' },
        { type: 'DMA_FENCE_ENABLE_SW_SIGNALING' },
        ...(s.context.cbs.length < 1 ? [{ type: 'DMA_FENCE_ADD_CALLBACK', cb: { to: 'w', ev: { type: 'X' } } }] : []),
        { type: 'DMA_FENCE_REMOVE_CALLBACK', to: 'w' },
        { type: 'DMA_FENCE_PUBLISH' },
        { type: 'DMA_FENCE_SET_ERROR', error: -5 },
        { type: 'DMA_FENCE_SIGNAL' }, // the generic R6, R4
        { type: 'DMA_FENCE_CHAIN_SET_PREV', expected: 'p', prev: '' },
        { type: 'DMA_FENCE_SET_USER_BIT', bit: 'b0' },
      ],
      { input: { fence: 'f', prev: 'p', pending: ['f', 'p'] } },
    );
    expect(r.uncovered).toEqual([]);
    expect(r.states).toBeGreaterThan(6);
  });

  test('drm_syncobj: every transition (R71-R82, R87)', () => {
    const r = coverTransitions(drmSyncobjMachine(), (s) => [
      ...(s.context.refcount < 2 ? [{ type: 'DRM_SYNCOBJ_GET' }] : []),
      { type: 'DRM_SYNCOBJ_PUT' },
      ...(s.context.replaced < 1 ? [{ type: 'DRM_SYNCOBJ_REPLACE_FENCE', fence: 'f' }] : []),
      ...(s.context.unordered < 1 ? [{ type: 'DRM_SYNCOBJ_ADD_POINT', chain: 'c', point: 1, unordered: true }] : []),
      ...(s.context.eventfds.length < 1
        ? [{ type: 'DRM_SYNCOBJ_ADD_EVENTFD', eventfd: 'e', point: 1, available: false }]
        : []),
      { type: 'DRM_SYNCOBJ_EVENTFD_TAKE', eventfd: 'e' },
    ]);
    expect(r.uncovered).toEqual([]);
  });

  test('eventfd and dma_fence_proxy: every transition', () => {
    const e = coverTransitions(eventfdMachine, (s) => [
      ...(s.context.signals < 2 ? [{ type: 'EVENTFD_SIGNAL' }] : []),
      { type: 'EVENTFD_READ' },
    ]);
    expect(e.uncovered).toEqual([]);
    const p = coverTransitions(
      dmaFenceProxyMachine,
      (s) => [
        { type: 'DMA_FENCE_PROXY_BIND', fence: 'f' },
        { type: 'DMA_FENCE_PROXY_CB' },
        { type: 'DMA_FENCE_ENABLE_SW_SIGNALING' },
        ...(s.context.cbs.length < 1 ? [{ type: 'DMA_FENCE_ADD_CALLBACK', cb: { to: 'w', ev: { type: 'X' } } }] : []),
        { type: 'DMA_FENCE_REMOVE_CALLBACK', to: 'w' },
        { type: 'DMA_FENCE_PUBLISH' },
        { type: 'DMA_FENCE_SET_ERROR', error: -5 },
        { type: 'DMA_FENCE_SIGNAL' },
        { type: 'DMA_FENCE_SET_USER_BIT', bit: 'b0' },
      ],
      { input: { syncobj: 'T', point: 1 } },
    );
    expect(p.uncovered).toEqual([]);
  });
});
