/**
 * drm_syncobj and dma_fence_chain kernel paths (models/drm-syncobj/drm-syncobj-api.ts) that no other
 * test pinned down, found by StrykerJS (stryker.config.mjs): each test states the kernel behaviour with
 * its rule id (kernel-sync-semantics.md §1.5, §1.9, §1.10; drivers/gpu/drm/drm_syncobj.c,
 * drivers/dma-buf/dma-fence-chain.c).
 */
import { describe, expect, test } from 'vitest';
import { ctx, emptyWorld, hasTag, send, spawn, type World } from '../../models/world.ts';
import { dmaFenceMachine, EINVAL, ENOENT, type DmaFenceContext } from '../../models/dma-buf/dma-fence.ts';
import type { DmaFenceChainContext } from '../../models/dma-buf/dma-fence-chain.ts';
import { eventfdMachine, type EventfdContext } from '../../models/drm-syncobj/eventfd.ts';
import {
  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL as ALL,
  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE as AVAILABLE,
  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT as FOR_SUBMIT,
  type DrmSyncobjContext,
} from '../../models/drm-syncobj/drm-syncobj.ts';
import * as A from '../../models/drm-syncobj/drm-syncobj-api.ts';

const signal = (w: World, f: string) => send(w, f, { type: 'DMA_FENCE_SIGNAL' })!;
const node = (w: World, id: string) => ctx<DmaFenceChainContext>(w, id);
const payload = (w: World, s: string) => ctx<DrmSyncobjContext>(w, s).fence;
const signals = (w: World, e: string) => ctx<EventfdContext>(w, e).signals;

/** Syncobjs s (and t), fences f1..fn on contexts 101.. (clear of dma_fence_context_alloc's), eventfds e1, e2. */
function world(n = 3, opts: { signaller?: 'user' | 'kernel' } = {}): World {
  let w = A.drm_syncobj_create(A.drm_syncobj_create(emptyWorld, 's'), 't');
  for (let i = 1; i <= n; i++)
    w = spawn(w, `f${i}`, dmaFenceMachine, { context: 100 + i, seqno: 1, owner: `job${i}`, ...opts });
  for (const e of ['e1', 'e2']) w = spawn(w, e, eventfdMachine, {});
  return w;
}

/** A timeline s with points `ps` over f1, f2, ... */
function timeline(ps: number[], w = world(ps.length)): World {
  ps.forEach((p, i) => {
    w = A.drm_syncobj_add_point(w, 's', `f${i + 1}`, p).w;
  });
  return w;
}

describe('dma_fence_chain (R43-R47)', () => {
  test(
    'R44: a node inherits its fence owner; a chain over a fence ' + 'only userspace signals is user-signalled (R30)',
    () => {
      let w = world(2, { signaller: 'user' });
      w = spawn(w, 'k', dmaFenceMachine, { context: 9, seqno: 1 });
      w = A.dma_fence_chain_init(w, 'c1', '', 'k', 1);
      expect([node(w, 'c1').signaller, node(w, 'c1').owner]).toEqual(['kernel', '']);
      w = A.dma_fence_chain_init(w, 'c2', 'c1', 'f1', 2);
      expect([node(w, 'c2').signaller, node(w, 'c2').owner]).toEqual(['user', 'job1']);
      // the user-ness of an earlier link is inherited too: the node waits on it (R45)
      w = A.dma_fence_chain_init(w, 'c3', 'c2', 'k', 3);
      expect(node(w, 'c3').signaller).toBe('user');
    },
  );

  test('R44: the first node has no prev and a fresh context; prev_seqno 0; it waits on its fence only', () => {
    const w = A.dma_fence_chain_init(world(1), 'c1', '', 'f1', 4);
    expect(node(w, 'c1')).toMatchObject({ prev: '', prevSeqno: 0, seqno: 4, pending: ['f1'] });
    expect(ctx<DmaFenceContext>(w, 'f1').cbs.map((c) => c.to)).toEqual(['c1']);
    const v = A.dma_fence_chain_init(signal(world(1), 'f1'), 'c1', '', 'f1', 4);
    expect(hasTag(v, 'c1', 'signaled')).toBe(true); // nothing pending: born signaled (R45)
  });

  test('R44: an equal point is unordered: new context, seqno kept at prev, prev_seqno 0', () => {
    let w = A.dma_fence_chain_init(world(2), 'c1', '', 'f1', 3);
    w = A.dma_fence_chain_init(w, 'c2', 'c1', 'f2', 3);
    expect(node(w, 'c2').context).not.toBe(node(w, 'c1').context);
    expect(node(w, 'c2')).toMatchObject({ seqno: 3, prevSeqno: 0 });
    // over a plain (non-chain) prev the point is kept as given, on a fresh context
    const v = A.dma_fence_chain_init(world(2), 'c', 'f1', 'f2', 2);
    expect(node(v, 'c')).toMatchObject({ seqno: 2, prevSeqno: 0 });
  });

  test('R46: the walk of a non-chain ends; for_each visits a plain fence once and stops', () => {
    const w = world(1);
    expect(A.dma_fence_chain_walk(w, 'f1')).toEqual({ w, prev: '' });
    expect(A.dma_fence_chain_for_each(w, 'f1').visited).toEqual(['f1']);
    const t = timeline([1, 2]);
    expect(A.dma_fence_chain_for_each(t, 's.p2').visited).toEqual(['s.p2', 's.p1']);
  });

  test(
    'R47: find_seqno at exactly the head seqno finds the head; one ' +
      'above is -EINVAL; collect=false keeps the chain',
    () => {
      let w = timeline([2, 4]);
      expect(A.dma_fence_chain_find_seqno(w, 's.p4', 4)).toMatchObject({ ret: 0, fence: 's.p4' });
      expect(A.dma_fence_chain_find_seqno(w, 's.p4', 5)).toMatchObject({ ret: EINVAL, fence: 's.p4' });
      expect(A.dma_fence_chain_find_seqno(w, 's.p4', 2)).toMatchObject({ ret: 0, fence: 's.p2' });
      w = signal(w, 'f1');
      expect(A.dma_fence_chain_find_seqno(w, 's.p4', 1, false).w).toBe(w); // pure
      const r = A.dma_fence_chain_find_seqno(w, 's.p4', 1);
      expect([r.fence, node(r.w, 's.p4').prev]).toEqual([null, '']); // the walk collected p2
    },
  );

  test('R47: find_seqno stops at the context change of an unordered point', () => {
    const w = timeline([5, 3]); // p3 is unordered: new context, seqno 5
    expect(A.dma_fence_chain_find_seqno(w, 's.p3', 4)).toMatchObject({ ret: 0, fence: 's.p3' });
  });
});

describe('drm_syncobj kernel paths (R71-R88)', () => {
  test('R81: materialized and the fence a waiter would get, for NULL, binary and timeline payloads (pure)', () => {
    let w = world(2);
    expect([A.drm_syncobj_point_materialized(w, 's', 0), A.drm_syncobj_point_fence(w, 's', 0)]).toEqual([false, null]);
    w = A.drm_syncobj_replace_fence(w, 's', 'f1');
    expect([A.drm_syncobj_point_materialized(w, 's', 0), A.drm_syncobj_point_fence(w, 's', 0)]).toEqual([true, 'f1']);
    expect([A.drm_syncobj_point_materialized(w, 's', 1), A.drm_syncobj_point_fence(w, 's', 1)]).toEqual([false, null]);
    w = timeline([1, 2], A.drm_syncobj_replace_fence(w, 's', ''));
    expect(A.drm_syncobj_point_fence(w, 's', 2)).toBe('s.p2');
    w = signal(w, 'f1');
    expect(A.drm_syncobj_point_fence(w, 's', 1)).toBe(A.DMA_FENCE_STUB); // GC'd: the stub (R47, R78)
    expect(A.drm_syncobj_point_materialized(w, 's', 3)).toBe(false);
  });

  test('R17/R72: ids are fresh: a second stub and a re-added point get ~2, ~3', () => {
    let w = A.drm_syncobj_assign_null_handle(world(1), 's');
    w = A.drm_syncobj_assign_null_handle(w, 's');
    w = A.drm_syncobj_assign_null_handle(w, 's');
    expect(payload(w, 's')).toBe('s.stub~3');
    expect(['s.stub', 's.stub~2'].every((x) => hasTag(w, x, 'signaled'))).toBe(true);
    expect(A.freshId(w, 'nobody')).toBe('nobody');
  });

  test('R71/R26: the installed payload and a new point are published through the syncobj', () => {
    let w = A.drm_syncobj_replace_fence(world(2), 's', 'f1');
    expect(ctx<DmaFenceContext>(w, 'f1').published).toBe(true);
    w = A.drm_syncobj_add_point(w, 't', 'f2', 1).w;
    expect([ctx<DmaFenceContext>(w, 'f2').published, ctx<DmaFenceContext>(w, 't.p1').published]).toEqual([true, true]);
  });

  test('R82: add_point garbage-collects behind the new head once', () => {
    let w = timeline([1, 2]);
    w = signal(w, 'f2');
    w = spawn(w, 'f9', dmaFenceMachine, { context: 9, seqno: 1 });
    w = A.drm_syncobj_add_point(w, 's', 'f9', 3).w;
    expect(node(w, 's.p2').prev).toBe('s.p1'); // p2's own link p1 is still pending: kept
    w = signal(w, 'f1');
    w = A.drm_syncobj_add_point(w, 's', 'f9', 4).w;
    expect(node(w, 's.p3').prev).toBe(''); // p2 and p1 signaled: both collected behind p3
  });

  test(
    'R87: eventfd entries: unmaterialized entries stay armed; a NULL ' +
      'payload leaves them; a signaled point fires now',
    () => {
      let w = world(3);
      w = send(w, 's', { type: 'DRM_SYNCOBJ_ADD_EVENTFD', eventfd: 'e1', point: 2, available: false })!;
      w = send(w, 's', { type: 'DRM_SYNCOBJ_ADD_EVENTFD', eventfd: 'e2', point: 1, available: false })!;
      w = spawn(w, 'e0', eventfdMachine, {});
      w = send(w, 's', { type: 'DRM_SYNCOBJ_ADD_EVENTFD', eventfd: 'e0', point: 0, available: false })!;
      w = A.drm_syncobj_eventfd_entries(w, 's'); // NULL payload: nothing resolves, not even point 0
      expect([ctx<DrmSyncobjContext>(w, 's').eventfds.length, signals(w, 'e0')]).toEqual([3, 0]);
      w = send(w, 's', { type: 'DRM_SYNCOBJ_EVENTFD_TAKE', eventfd: 'e0' })!;
      w = signal(w, 'f1');
      w = A.drm_syncobj_add_point(w, 's', 'f1', 1).w; // point 1 exists and signaled: e2 fires now
      expect([signals(w, 'e1'), signals(w, 'e2')]).toEqual([0, 1]);
      expect(ctx<DrmSyncobjContext>(w, 's').eventfds.map((e) => e.eventfd)).toEqual(['e1']);
      w = A.drm_syncobj_add_point(w, 's', 'f2', 2).w; // point 2 materializes unsignaled: e1 hangs on it
      expect([signals(w, 'e1'), ctx<DrmSyncobjContext>(w, 's').eventfds]).toEqual([0, []]);
      w = signal(w, 'f2');
      expect(signals(w, 'e1')).toBe(1);
    },
  );

  test('R87: an entry whose point was garbage-collected fires at once (the stub is signaled)', () => {
    let w = timeline([1, 2]);
    w = signal(w, 'f1');
    w = A.dma_fence_chain_for_each(w, 's.p2').w;
    w = send(w, 's', { type: 'DRM_SYNCOBJ_ADD_EVENTFD', eventfd: 'e1', point: 1, available: false })!;
    w = A.drm_syncobj_eventfd_entries(w, 's');
    expect([signals(w, 'e1'), ctx<DrmSyncobjContext>(w, 's').eventfds]).toEqual([1, []]);
  });

  test('R71/R87: replacing the payload re-evaluates the armed entries: a signaled fence fires them', () => {
    let w = world(2);
    w = send(w, 's', { type: 'DRM_SYNCOBJ_ADD_EVENTFD', eventfd: 'e1', point: 0, available: false })!;
    w = A.drm_syncobj_replace_fence(w, 's', ''); // NULL for NULL: nothing to resolve
    expect([signals(w, 'e1'), ctx<DrmSyncobjContext>(w, 's').eventfds.length]).toEqual([0, 1]);
    w = A.drm_syncobj_replace_fence(w, 's', 'f1'); // unsignaled: the entry moves to f1's callback list
    expect([signals(w, 'e1'), ctx<DrmSyncobjContext>(w, 's').eventfds]).toEqual([0, []]);
    w = signal(w, 'f1');
    expect(signals(w, 'e1')).toBe(1);
    let v = A.drm_syncobj_assign_null_handle(world(1), 't');
    v = send(v, 's', { type: 'DRM_SYNCOBJ_ADD_EVENTFD', eventfd: 'e2', point: 0, available: false })!;
    v = A.drm_syncobj_replace_fence(v, 's', 't.stub'); // already signaled: fires at once
    expect(signals(v, 'e2')).toBe(1);
  });

  test(
    'R81/R85: a timeline over a binary payload: the walk ends at ' + 'the plain fence, with or without collecting',
    () => {
      let w = A.drm_syncobj_replace_fence(world(2), 's', 'f1');
      w = A.drm_syncobj_add_point(w, 's', 'f2', 1).w; // prev is the plain fence f1
      expect(node(w, 's.p1').prev).toBe('f1');
      expect(A.drm_syncobj_query(w, 's', false, false).point).toBe(0);
      expect(A.drm_syncobj_query(w, 's', false).point).toBe(0);
      w = signal(w, 'f2');
      w = signal(w, 'f1');
      expect([A.drm_syncobj_query(w, 's', false, false).point, A.drm_syncobj_query(w, 's', false).point]).toEqual([
        1, 1,
      ]);
    },
  );

  test('R47: find_seqno stops where the walk crosses into another context, even if that node is below p', () => {
    // p3 is unordered (new context); once its fence signaled, the walk from p7 skips it and reaches p5,
    // on the old context: the kernel breaks there (dma_fence_chain_find_seqno) and returns p5
    let w = timeline([2, 5, 3, 7]);
    w = signal(w, 'f3');
    w = A.dma_fence_chain_for_each(w, 's.p7').w;
    expect(node(w, 's.p7').prev).toBe('s.p5');
    expect(A.dma_fence_chain_find_seqno(w, 's.p7', 1)).toMatchObject({ ret: 0, fence: 's.p5' });
  });

  test('R82: a point equal to the head seqno is unordered (prev->seqno >= point), a higher one is not', () => {
    let w = timeline([1, 1]);
    expect(ctx<DrmSyncobjContext>(w, 's').unordered).toBe(1);
    w = timeline([1, 2]);
    expect(ctx<DrmSyncobjContext>(w, 's').unordered).toBe(0);
  });

  test('R85: QUERY stops at the context change even when the older context has a pending node with prev_seqno', () => {
    let w = timeline([2, 3, 1]); // p1 unordered over p3 (prev_seqno 2) over p2
    w = signal(w, 'f1');
    // visited: p1 (new context, pending), p3 (old context, pending): the kernel breaks at p3 and reports
    // p1's prev_seqno, 0; walking on would report p3's prev_seqno, 2
    expect(A.drm_syncobj_query(w, 's', false, false).point).toBe(0);
    expect(A.drm_syncobj_query(w, 's', false).point).toBe(0);
  });

  test(
    'R78: find_fence: flags other than WAIT_FOR_SUBMIT are ' + '-EINVAL, no syncobj is -ENOENT; GC gives the stub',
    () => {
      let w = timeline([1, 2]);
      expect(A.drm_syncobj_find_fence(w, 's', 1, ALL).ret).toBe(EINVAL);
      expect(A.drm_syncobj_find_fence(w, 's', 1, AVAILABLE).ret).toBe(EINVAL);
      expect(A.drm_syncobj_find_fence(w, '', 1, 0).ret).toBe(ENOENT);
      expect(A.drm_syncobj_find_fence(w, 'nobody', 1, 0).ret).toBe(ENOENT);
      expect(A.drm_syncobj_find_fence(w, 's', 2, 0)).toMatchObject({ ret: 0, fence: 's.p2' });
      expect(A.drm_syncobj_find_fence(w, 's', 3, 0)).toEqual({ w, ret: EINVAL, fence: null });
      expect(A.drm_syncobj_find_fence(w, 's', 3, FOR_SUBMIT)).toEqual({ w, ret: EINVAL, fence: null, blocked: true });
      expect(A.drm_syncobj_find_fence(w, 't', 0, FOR_SUBMIT)).toMatchObject({ fence: null, blocked: true });
      w = signal(w, 'f1');
      const r = A.drm_syncobj_find_fence(w, 's', 1, 0);
      expect([r.ret, r.fence, hasTag(r.w, A.DMA_FENCE_STUB, 'signaled')]).toEqual([0, A.DMA_FENCE_STUB, true]);
    },
  );

  test(
    'R85: QUERY: 0 for NULL and binary payloads; the latest ' + 'signaled point; prev_seqno while the oldest pends',
    () => {
      let w = world(3);
      expect(A.drm_syncobj_query(w, 's', false).point).toBe(0);
      expect(A.drm_syncobj_query(A.drm_syncobj_replace_fence(w, 's', 'f1'), 's', true).point).toBe(0);
      w = timeline([2, 5, 7]);
      expect([A.drm_syncobj_query(w, 's', false).point, A.drm_syncobj_query(w, 's', true).point]).toEqual([0, 7]);
      w = signal(w, 'f1');
      expect(A.drm_syncobj_query(w, 's', false, false).point).toBe(2);
      w = signal(w, 'f2');
      const q = A.drm_syncobj_query(w, 's', false);
      expect([q.point, node(q.w, 's.p7').prev]).toEqual([5, '']); // collected down to p7, whose prev_seqno is 5
      expect(A.drm_syncobj_query(signal(w, 'f3'), 's', false).point).toBe(7);
      const pure = A.drm_syncobj_query(w, 's', false, false);
      expect([pure.point, pure.w]).toEqual([5, w]);
    },
  );

  test('R85/H10: QUERY stops at a context change (unordered point) and reports from the last same-context node', () => {
    let w = timeline([3, 1]); // p1 is unordered: new context, seqno 3, prev p3
    w = signal(w, 'f1');
    // the head pends on its own context: its prev_seqno, 0, although point 3 signaled (the H10 wrong value)
    expect(A.drm_syncobj_query(w, 's', false, false).point).toBe(0);
    w = signal(w, 'f2');
    expect(A.drm_syncobj_query(w, 's', false).point).toBe(3);
  });

  test('R79/R84: wait_begin: -EINVAL up front for a NULL payload unless WAIT_FOR_SUBMIT or WAIT_AVAILABLE', () => {
    const w = timeline([1]);
    expect(A.drm_syncobj_array_wait_begin(w, ['s', 't'], [1, 0], 0).ret).toBe(EINVAL);
    for (const flags of [FOR_SUBMIT | ALL, AVAILABLE | ALL]) {
      const r = A.drm_syncobj_array_wait_begin(w, ['s', 't'], [1, 0], flags);
      expect([r.ret, r.wait.entries.map((e) => e.fence)]).toEqual([undefined, ['s.p1', null]]);
    }
    // points default to 0 (binary) when the array is short
    const b = A.drm_syncobj_array_wait_begin(A.drm_syncobj_assign_null_handle(w, 't'), ['t'], [], 0);
    expect([b.ret, b.first, b.wait.entries[0]]).toEqual([0, 0, { obj: 't', point: 0, fence: 't.stub' }]);
  });

  test(
    'R79/R84: any vs WAIT_ALL, first_signaled, WAIT_AVAILABLE on ' + 'materialization; the check captures late points',
    () => {
      let w = timeline([1], world(3));
      w = A.drm_syncobj_add_point(w, 't', 'f2', 1).w;
      const any = A.drm_syncobj_array_wait_begin(w, ['s', 't'], [1, 1], 0);
      expect([any.ret, any.first]).toEqual([undefined, -1]);
      const v = signal(w, 'f2');
      expect(A.drm_syncobj_array_wait_check(v, any.wait)).toMatchObject({ ret: 0, first: 1 });
      const all = A.drm_syncobj_array_wait_begin(v, ['s', 't'], [1, 1], ALL);
      expect(all.ret).toBeUndefined();
      expect(A.drm_syncobj_array_wait_check(signal(v, 'f1'), all.wait)).toMatchObject({ ret: 0, first: 0 });
      expect(A.drm_syncobj_array_wait_begin(w, ['s', 't'], [1, 1], AVAILABLE | ALL)).toMatchObject({
        ret: 0,
        first: 0,
      });
      // a point submitted after the wait began is captured by the check (syncobj_wait_syncobj_func)
      const late = A.drm_syncobj_array_wait_begin(w, ['s'], [2], AVAILABLE);
      expect(late.ret).toBeUndefined();
      w = A.drm_syncobj_add_point(w, 's', 'f3', 2).w;
      const c = A.drm_syncobj_array_wait_check(w, late.wait);
      expect([c.ret, c.wait.entries[0].fence]).toEqual([0, 's.p2']);
      // no entries at all: satisfied at once
      expect(A.drm_syncobj_array_wait_begin(w, [], [], ALL)).toMatchObject({ ret: 0, first: 0 });
    },
  );

  test('I17: a wait captures a GC-ed point as the stub, and a captured fence survives a later replace', () => {
    let w = timeline([1, 2]);
    w = A.dma_fence_chain_for_each(signal(w, 'f1'), 's.p2').w;
    const r = A.drm_syncobj_array_wait_begin(w, ['s'], [1], 0);
    expect([r.ret, r.wait.entries[0].fence]).toEqual([0, A.DMA_FENCE_STUB]);
    const p = A.drm_syncobj_array_wait_begin(w, ['s'], [2], 0);
    w = A.drm_syncobj_replace_fence(w, 's', '');
    expect(A.drm_syncobj_array_wait_check(w, p.wait).wait.entries[0].fence).toBe('s.p2');
  });
});
