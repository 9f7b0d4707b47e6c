/**
 * dma_fence_proxy — a placeholder fence for a timeline point that has not materialized yet. There is no
 * such object in mainline: the kernel rejects a dependency on an unmaterialized point (R78, R88) and
 * the "Indefinite DMA Fences" doc lists proxy/future fences among the rejected designs. It exists here
 * so that a rejected design (models/designs/timeline-wbs-direct.ts, H2) can be stated and refuted.
 *
 * Models: unbound (only userspace can make it signal: by eventually submitting the point), bound to
 * the fence that represents the point once it materializes (find_seqno at that moment, R47), signaled
 * when that fence signals (with its error).
 * Abstracted away: timeouts on the placeholder (the doc: a fallback timeout does not save them).
 *
 * Events: DMA_FENCE_PROXY_BIND {fence} (the point materialized), DMA_FENCE_PROXY_CB (the bound fence
 *   signaled), DMA_FENCE_ADD_CALLBACK {cb}, DMA_FENCE_REMOVE_CALLBACK {to}, DMA_FENCE_ENABLE_SW_SIGNALING,
 *   DMA_FENCE_PUBLISH {via}.
 */
import { setup, assign, enqueueActions } from 'xstate';
import type { Ev } from '../world.ts';
import { deliver } from '../world.ts';
import { withView } from '../view.ts';
import { dmaFenceGuards, type DmaFenceCb, type DmaFenceContext } from './dma-fence.ts';

export interface DmaFenceProxyContext extends DmaFenceContext {
  /** always: the syncobj and point it stands for. */
  syncobj: string;
  point: number;
  /** bound..: the fence that represents the point ('' while unbound). */
  target: string;
}

type E =
  | { type: 'DMA_FENCE_PROXY_BIND'; fence: string }
  | { type: 'DMA_FENCE_PROXY_CB'; fenceError?: number }
  | { type: 'DMA_FENCE_ENABLE_SW_SIGNALING' }
  | { type: 'DMA_FENCE_ADD_CALLBACK'; cb: DmaFenceCb }
  | { type: 'DMA_FENCE_REMOVE_CALLBACK'; to: string }
  | { type: 'DMA_FENCE_PUBLISH'; via?: string };

export const dmaFenceProxyMachine = setup({
  types: { context: {} as DmaFenceProxyContext, events: {} as E, input: {} as { context?: number; syncobj?: string; point?: number } },
  guards: {
    ...dmaFenceGuards,
  },
  actions: {
    deliver: (_, _p: { to: string; ev: Ev }) => {},
    runCallbacks: enqueueActions(({ context, enqueue, event }) => {
      const error = (event as { fenceError?: number }).fenceError ?? 0;
      for (const cb of context.cbs) enqueue(deliver(cb.to, { ...cb.ev, fenceError: error }));
      enqueue.assign({ cbs: [], error });
    }),
  },
}).createMachine({
  id: 'dma_fence_proxy',
  context: ({ input }) => ({
    context: input?.context ?? 0, seqno: input?.point ?? 0, ops: 'proxy', signaller: 'user', owner: input?.syncobj ?? '',
    published: false, enableSignal: false, onEnable: null, cbs: [], error: 0,
    syncobj: input?.syncobj ?? '', point: input?.point ?? 0, target: '',
  }),
  initial: 'unbound',
  on: {
    DMA_FENCE_ENABLE_SW_SIGNALING: { actions: assign({ enableSignal: true }) },
    DMA_FENCE_PUBLISH: { guard: 'not published', actions: assign({ published: true }) },
  },
  states: {
    unbound: {
      tags: ['future'],
      on: {
        DMA_FENCE_PROXY_BIND: { target: 'bound', description: 'the point materialized: stand for its fence (R47)', actions: assign({ target: ({ event }) => event.fence, signaller: 'kernel' }) },
        DMA_FENCE_ADD_CALLBACK: { actions: assign({ cbs: ({ context, event }) => [...context.cbs, event.cb], enableSignal: true }) },
        DMA_FENCE_REMOVE_CALLBACK: { guard: 'callback queued', actions: assign({ cbs: ({ context, event }) => context.cbs.filter((c) => c.to !== event.to) }) },
      },
    },
    bound: {
      on: {
        DMA_FENCE_PROXY_CB: { target: 'signaled', actions: 'runCallbacks' },
        DMA_FENCE_ADD_CALLBACK: { actions: assign({ cbs: ({ context, event }) => [...context.cbs, event.cb], enableSignal: true }) },
        DMA_FENCE_REMOVE_CALLBACK: { guard: 'callback queued', actions: assign({ cbs: ({ context, event }) => context.cbs.filter((c) => c.to !== event.to) }) },
      },
    },
    signaled: { tags: ['signaled'] },
  },
});

withView(dmaFenceProxyMachine, {
  fence: true,
  waitEdges: (id, c: DmaFenceProxyContext) => (c.target ? [[id, c.target, `${id} stands for ${c.syncobj}@${c.point}`]] : []),
});
