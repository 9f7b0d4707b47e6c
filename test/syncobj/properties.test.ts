/**
 * The three properties of this slice flag what they must and pass what they must: timeline-monotonic
 * (I14), chain-prefix-closed (I15), no-future-edges (I8). Also R142-R147 where the designs model them.
 *
 * Left out: R142-R144 and R146 as such (the Vulkan payload, its VUIDs and counter staleness are not a
 * model here: the designs' apps are valid by construction, and I14's Vulkan part is not checked).
 */
import { describe, expect, test } from 'vitest';
import { emptyWorld, spawn, must, setG, ctx, hasTag, stateOf, type World } from '../../models/world.ts';
import { dmaFenceMachine, defineFenceKind } from '../../models/dma-buf/dma-fence.ts';
import { dmaFenceChainMachine, dmaFenceChainOps } from '../../models/dma-buf/dma-fence-chain.ts';
import { dmaFenceProxyMachine } from '../../models/dma-buf/dma-fence-proxy.ts';
import { drmSchedJobMachine } from '../../models/drm-sched/drm-sched-job.ts';
import {
  drm_syncobj_create,
  drm_syncobj_add_point,
  dma_fence_chain_init,
} from '../../models/drm-syncobj/drm-syncobj-api.ts';
import timelineMonotonic from '../../properties/timeline-monotonic.ts';
import chainPrefixClosed from '../../properties/chain-prefix-closed.ts';
import noFutureEdges from '../../properties/no-future-edges.ts';
import submitThread, { initTimeline, TIMELINE } from '../../models/designs/timeline-submit-thread.ts';
import wbsDirect from '../../models/designs/timeline-wbs-direct.ts';
import type { Design } from '../../models/design.ts';

const act = { step: 'test', args: [], label: 'test()', role: 'user' };

function timeline(): World {
  let w = setG(emptyWorld, { nextContext: 1 });
  for (let i = 1; i <= 3; i++) w = spawn(w, `f${i}`, dmaFenceMachine, { context: 100, seqno: i });
  return drm_syncobj_create(w, 'T');
}

/** Take the enabled step named `name` (first args that apply). */
function step(d: Design, cfg: unknown, w: World, name: string, args: unknown[] = []): World {
  const s = d.steps[name];
  const n = !s.enabled || s.enabled(w, args as never, cfg) ? s.apply(w, args as never, cfg) : null;
  if (!n) throw new Error(`${name}(${args.join(',')}) not enabled`);
  return n;
}

describe('timeline-monotonic (I14)', () => {
  test('flags an unordered point the kernel only logs (R82)', () => {
    const w0 = drm_syncobj_add_point(timeline(), 'T', 'f1', 5).w;
    const w1 = drm_syncobj_add_point(w0, 'T', 'f2', 3).w;
    expect(timelineMonotonic.step!(w0, act, w1, {})).toMatch(/point 3 .* not above .* 5/);
    const w2 = drm_syncobj_add_point(w0, 'T', 'f2', 6).w;
    expect(timelineMonotonic.step!(w0, act, w2, {})).toBeNull();
  });

  test('flags a QUERY that goes back without a replace (R85)', () => {
    let w0 = drm_syncobj_add_point(timeline(), 'T', 'f1', 5).w;
    w0 = must(w0, 'f1', { type: 'DMA_FENCE_SIGNAL' });
    // a buggy add_point that neither logs nor keeps the context: QUERY falls from 5 to 0
    let w1 = spawn(w0, 'bad', dmaFenceChainMachine, {
      context: 77,
      seqno: 6,
      fence: 'f2',
      prev: ctx<{ fence: string }>(w0, 'T').fence,
      pending: ['f2'],
    });
    w1 = must(w1, 'T', { type: 'DRM_SYNCOBJ_ADD_POINT', chain: 'bad', point: 6, unordered: false });
    expect(timelineMonotonic.step!(w0, act, w1, {})).toMatch(/QUERY went back from 5 to 0/);
    const reset = must(w0, 'T', { type: 'DRM_SYNCOBJ_REPLACE_FENCE', fence: '' });
    expect(timelineMonotonic.step!(w0, act, reset, {})).toBeNull(); // a binary reset may
  });
});

describe('chain-prefix-closed (I15)', () => {
  test('holds for the kernel chain whatever order the fences signal in (R45)', () => {
    let w = timeline();
    for (let i = 1; i <= 3; i++) w = drm_syncobj_add_point(w, 'T', `f${i}`, i).w;
    for (const f of ['f3', 'f2', 'f1']) {
      w = must(w, f, { type: 'DMA_FENCE_SIGNAL' });
      expect(chainPrefixClosed.state!(w, {})).toBeNull();
    }
  });

  test('flags a chain that signals on its own fence alone', () => {
    // A mutant kind: the chain's ops with R45's signaled op weakened to the node's own fence.
    const ownFenceOnly = defineFenceKind({ ...dmaFenceChainOps, signaled: (c) => !c.pending.includes(c.fence) });
    let w = dma_fence_chain_init(timeline(), 'c1', '', 'f1', 1);
    w = spawn(w, 'c2', ownFenceOnly, {
      context: 1,
      seqno: 2,
      fence: 'f2',
      prev: 'c1',
      prevSeqno: 1,
      pending: ['f2', 'c1'],
    });
    w = must(w, 'f2', {
      type: 'DMA_FENCE_ADD_CALLBACK',
      cb: { to: 'c2', ev: { type: 'DMA_FENCE_CHAIN_CB', fence: 'f2' } },
    });
    w = must(w, 'T', { type: 'DRM_SYNCOBJ_ADD_POINT', chain: 'c2', point: 2, unordered: false });
    w = must(w, 'f2', { type: 'DMA_FENCE_SIGNAL' });
    expect(hasTag(w, 'c2', 'signaled')).toBe(true);
    expect(chainPrefixClosed.state!(w, {})).toMatch(/c2 \(point 2\) signaled before its link c1/);
  });
});

describe('no-future-edges (I8)', () => {
  function jobWith(dep: string, proxy: boolean): [World, World] {
    let w = timeline();
    w = proxy ? spawn(w, dep, dmaFenceProxyMachine, { syncobj: 'T', point: 4 }) : w;
    w = spawn(w, 'j', drmSchedJobMachine, { id: 'j', entity: 'e', sched: 's' });
    w = must(w, 'j', { type: 'DRM_SCHED_JOB_ADD_DEPENDENCY', fence: dep });
    return [w, must(w, 'j', { type: 'DRM_SCHED_JOB_ARM', scheduled: 'j.s', finished: 'j.f' })];
  }
  test('flags a job armed on a placeholder for an unmaterialized point (H2)', () => {
    const [b, a] = jobWith('T@4.future', true);
    expect(noFutureEdges.step!(b, act, a, {})).toMatch(/j was armed .* on T@4.future, a placeholder for T@4/);
  });
  test('accepts a job armed on a fence that exists (R88)', () => {
    const [b, a] = jobWith('f1', false);
    expect(noFutureEdges.step!(b, act, a, {})).toBeNull();
  });
});

describe('R145-R147: wait-before-signal in the designs', () => {
  const cfg = submitThread.configs.small;

  test('R145/R147: the submit thread holds a wait-before-signal batch until its point materializes', () => {
    let w = initTimeline(cfg);
    w = step(submitThread, cfg, w, 'vkQueueSubmit', [0]); // batch 2 waits on host point 1
    expect(w.g['q0.held']).toEqual([2]);
    expect(w.o['q0.b2']).toBeUndefined(); // nothing reached the kernel
    expect(submitThread.steps.vk_queue_submit_thread.enabled!(w, [0], cfg)).toBe(false);
    w = step(submitThread, cfg, w, 'vkSignalSemaphore');
    w = step(submitThread, cfg, w, 'vk_queue_submit_thread', [0]);
    expect(stateOf(w, 'q0.b2')).toBe('queued');
    expect(ctx<{ deps: string[] }>(w, 'q0.b2').deps).toEqual([]); // T@1 was a signaled stub
    expect(ctx<{ lastPoint: number }>(w, TIMELINE).lastPoint).toBe(2);
  });

  test('R147: with the thread every batch completes and the timeline reaches its last point', () => {
    let w = initTimeline(cfg);
    for (const [n, a] of [
      ['vkQueueSubmit', [1]],
      ['vkQueueSubmit', [0]],
      ['vkQueueSubmit', [0]],
      ['vkSignalSemaphore', []],
    ] as const)
      w = step(submitThread, cfg, w, n, [...a]);
    // then let the submit threads, the scheduler and the GPU run until nothing is enabled (no faults)
    for (let moved = true, i = 0; moved && i < 100; i++) {
      moved = false;
      for (const s of Object.values(submitThread.steps).filter((x) => x.role !== 'fault')) {
        for (const a of s.params ? s.params(w, cfg) : [[]]) {
          const n = !s.enabled || s.enabled(w, a, cfg) ? s.apply(w, a, cfg) : null;
          if (n) {
            w = n;
            moved = true;
          }
        }
      }
    }
    expect(ctx<{ lastPoint: number; unordered: number }>(w, TIMELINE)).toMatchObject({ lastPoint: 4, unordered: 0 });
    expect(hasTag(w, ctx<{ fence: string }>(w, TIMELINE).fence, 'signaled')).toBe(true);
    expect(['q0.b2', 'q1.b3', 'q0.b4'].map((j) => stateOf(w, j))).toEqual(['done', 'done', 'done']);
  });

  test('H2: handed straight to the kernel, the same batch is armed on a placeholder', () => {
    let w = initTimeline(cfg);
    w = step(wbsDirect, cfg, w, 'vkQueueSubmit', [0]);
    expect(ctx<{ deps: string[] }>(w, 'q0.b2').deps).toEqual(['T@1.future']);
  });
});
