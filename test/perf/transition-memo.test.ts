/**
 * The hot path equals xstate (issue 7, item 3). (1) The memoized `send` of models/world.ts against
 * xstate's own public `transition` over random snapshots and events, deliveries included. (2) The fast
 * engine's successors (footprint memo and generic path, incremental fingerprints) against
 * `enabledActions` over random walks of every registered design. (3) The fast drain against the
 * reference drain.
 */
import { describe, expect } from 'vitest';
import { test, fc } from '@fast-check/vitest';
import { initialTransition, transition, type AnyStateMachine, type AnyMachineSnapshot } from 'xstate';
import { send, worldKey, emptyWorld, clearTransitionMemo, type Ev, type World } from '../../models/world.ts';
import { rwRingMachine, rwBoMachine, rwCtxMachine, rwUmfMachine } from '../../models/reference/rw-umf.ts';
import { dmaFenceMachine } from '../../models/dma-buf/dma-fence.ts';
import { dmaResvMachine } from '../../models/dma-buf/dma-resv.ts';
import { registry } from '../../src/registry.ts';
import { enabledActions } from '../../src/world/steps.ts';
import { engineFor, drainReference, drainVec } from '../../src/explore/drain.ts';

const cb = (to: string) => ({ to, ev: { type: 'X' } });
const machines: { m: AnyStateMachine; input: unknown; events: Ev[] }[] = [
  {
    m: rwRingMachine,
    input: { jobs: 3 },
    events: [
      { type: 'RW_SUBMIT' },
      { type: 'RW_START' },
      { type: 'RW_COMPLETE' },
      { type: 'RW_EVICT_WAIT', v: 0 },
      { type: 'RW_EVICT_WAIT', v: 2 },
      { type: 'RW_EVICT_DONE' },
      { type: 'BOGUS' },
    ],
  },
  {
    m: rwBoMachine,
    input: {},
    events: [{ type: 'BO_EVICT' }, { type: 'BO_MOVE_OUT' }, { type: 'BO_MOVE_IN' }, { type: 'BO_UNPIN' }],
  },
  {
    m: rwCtxMachine,
    input: { fence: 'f' },
    events: [{ type: 'CTX_PREEMPT' }, { type: 'CTX_PREEMPT_DONE' }, { type: 'CTX_RESUME' }],
  },
  { m: rwUmfMachine, input: {}, events: [{ type: 'UMF_WRITE' }] },
  {
    m: dmaFenceMachine,
    input: { onEnable: cb('e') },
    events: [
      { type: 'DMA_FENCE_ENABLE_SW_SIGNALING' },
      { type: 'DMA_FENCE_ADD_CALLBACK', cb: cb('a') },
      { type: 'DMA_FENCE_ADD_CALLBACK', cb: cb('b') },
      { type: 'DMA_FENCE_REMOVE_CALLBACK', to: 'a' },
      { type: 'DMA_FENCE_SET_ERROR', error: -62 },
      { type: 'DMA_FENCE_SET_ERROR', error: 3 },
      { type: 'DMA_FENCE_SIGNAL' },
      { type: 'DMA_FENCE_PUBLISH' },
    ],
  },
  {
    m: dmaResvMachine,
    input: {},
    events: [
      { type: 'DMA_RESV_LOCK', owner: 't' },
      { type: 'DMA_RESV_UNLOCK' },
      { type: 'DMA_RESV_RESERVE_FENCES', n: 1 },
      { type: 'DMA_RESV_ADD_FENCE', fence: 'f0', usage: 'WRITE', context: 1, seqno: 1, signaled: [] },
    ],
  },
];

const deliveries = (acts: { type: string; params?: unknown }[]) =>
  acts.filter((a) => a.type === 'deliver').map((a) => a.params);
const image = (s: AnyMachineSnapshot) => ({ status: s.status, value: s.value, context: s.context });

describe('memoized send equals xstate transition', () => {
  test.prop([fc.nat({ max: machines.length - 1 }), fc.array(fc.nat({ max: 99 }), { maxLength: 40 }), fc.boolean()])(
    'random snapshots and events',
    (mi, evs, clear) => {
      const { m, input, events } = machines[mi];
      if (clear) clearTransitionMemo();
      let [ref] = initialTransition(m, input as any);
      // a world with only this object: a transition that asks for a delivery must make send throw
      let w: World = { o: { x: ref }, g: {} };
      for (const k of evs) {
        const ev = events[k % events.length];
        const [next, acts] = transition(m, ref, ev as any);
        const refused = next === ref;
        // deliveries go to targets that are not in this world; send must throw exactly when xstate asks for one
        const ds = deliveries(acts as any);
        let got: World | null | 'threw';
        try {
          got = send(w, 'x', ev);
        } catch {
          got = 'threw';
        }
        if (ds.length) {
          expect(got).toBe('threw');
        } else if (refused) {
          expect(got).toBeNull();
        } else {
          expect(got).not.toBeNull();
          expect(image((got as World).o.x)).toEqual(image(next));
          // and again, from the memo
          expect(image(send(w, 'x', ev)!.o.x)).toEqual(image(next));
        }
        if (!refused) {
          ref = next;
          w = { o: { x: next }, g: {} };
        }
      }
    },
  );

  test.prop([fc.array(fc.nat({ max: 7 }), { maxLength: 30 })])(
    'deliveries reach their targets (dma_fence callbacks and enable_signaling)',
    (evs) => {
      const sig = (to: string) => ({ to, ev: { type: 'DMA_FENCE_SIGNAL' } });
      const m = dmaFenceMachine;
      const events: Ev[] = [
        { type: 'DMA_FENCE_ENABLE_SW_SIGNALING' },
        { type: 'DMA_FENCE_ADD_CALLBACK', cb: sig('a') },
        { type: 'DMA_FENCE_ADD_CALLBACK', cb: sig('b') },
        { type: 'DMA_FENCE_REMOVE_CALLBACK', to: 'a' },
        { type: 'DMA_FENCE_SET_ERROR', error: -62 },
        { type: 'DMA_FENCE_SIGNAL' },
        { type: 'DMA_FENCE_PUBLISH' },
        { type: 'DMA_FENCE_SIGNAL' },
      ];
      let [ref] = initialTransition(m, { onEnable: sig('e') } as any);
      const target = () => initialTransition(m, {} as any)[0];
      let w: World = { o: { x: ref, a: target(), b: target(), e: target() }, g: {} };
      const expected = new Set<string>();
      for (const k of evs) {
        const ev = events[k % events.length];
        const [next, acts] = transition(m, ref, ev as any);
        const got = send(w, 'x', ev);
        if (next === ref) {
          expect(got).toBeNull();
          continue;
        }
        expect(image(got!.o.x)).toEqual(image(next));
        for (const d of deliveries(acts as any) as { to: string }[]) expected.add(d.to);
        for (const t of ['a', 'b', 'e']) expect(got!.o[t].hasTag('signaled')).toBe(expected.has(t));
        ref = next;
        w = got!;
      }
    },
  );
});

const { designs } = await registry();
const all = [...designs.values()];

describe('fast engine equals enabledActions on every registered design', () => {
  test.prop([fc.nat({ max: all.length - 1 }), fc.array(fc.nat({ max: 0xffff }), { maxLength: 30 })], { numRuns: 150 })(
    'random walks',
    (di, choices) => {
      const d = all[di];
      const cfg = d.configs[d.bounds.exhaustive.config];
      const e = engineFor(d, cfg);
      let w = d.init(cfg);
      for (const c of choices) {
        const acts = enabledActions(d, cfg, w);
        const v = e.encode(w);
        const [h1, h2] = e.hash(v);
        const succ = e.successors(v, h1, h2);
        expect(succ.map((s) => `${s.step.name}${JSON.stringify(s.args)}`)).toEqual(
          acts.map((a) => `${a.step.name}${JSON.stringify(a.args)}`),
        );
        if (!acts.length) break;
        const k = c % acts.length;
        const nv = e.nextVec(v, succ[k]);
        expect(worldKey(e.decode(nv))).toBe(worldKey(acts[k].next));
        expect(e.hash(e.encode(acts[k].next))).toEqual([succ[k].h1, succ[k].h2]);
        w = acts[k].next;
      }
    },
  );

  test.prop([fc.nat({ max: all.length - 1 }), fc.array(fc.nat({ max: 0xffff }), { maxLength: 25 })], { numRuns: 60 })(
    'drains',
    (di, choices) => {
      const d = all[di];
      const cfg = d.configs[d.bounds.exhaustive.config];
      const e = engineFor(d, cfg);
      let w = d.init(cfg);
      for (const c of choices) {
        const acts = enabledActions(d, cfg, w);
        if (!acts.length) break;
        w = acts[c % acts.length].next;
      }
      const ref = drainReference(d, cfg, w);
      const v = e.encode(w);
      const [h1, h2] = e.hash(v);
      const copy = v.slice();
      const fast = drainVec(e, v, h1, h2, d.drainBound ?? 400);
      expect(fast.labels).toEqual(ref.labels);
      expect(fast.settled ? worldKey(fast.settled) : null).toBe(ref.settled ? worldKey(ref.settled) : null);
      // the drain steps its own copy in place: the caller's vector is never written
      expect(v).toEqual(copy);
      // again from the same vector: the same drain
      const again = drainVec(e, v, h1, h2, d.drainBound ?? 400);
      expect(again.labels).toEqual(ref.labels);
      expect(again.settled ? worldKey(again.settled) : null).toBe(fast.settled ? worldKey(fast.settled) : null);
    },
  );
});

void emptyWorld;
