/**
 * dma_fence_proxy — a placeholder fence for a timeline point that has not materialized yet. There is no
 * such object in mainline: the kernel rejects a dependency on an unmaterialized point (R78, R88) and
 * the "Indefinite DMA Fences" doc lists proxy/future fences among the rejected designs. It exists here
 * so that a rejected design (models/designs/timeline-wbs-direct.ts, H2) can be stated and refuted.
 *
 * Models: a fence kind (defineFenceKind) whose unsignaled state is unbound (`target` '': only userspace
 * can make it signal, by eventually submitting the point) or bound to the fence that represents the
 * point once it materializes (find_seqno at that moment, R47); it signals when that fence signals, with
 * its error. Its R4-R11 transitions are the base's (dma_fence_signal and set_error included).
 * Abstracted away: timeouts on the placeholder (the doc: a fallback timeout does not save them).
 *
 * Events: DMA_FENCE_PROXY_BIND {fence} (the point materialized), DMA_FENCE_PROXY_CB (the bound fence
 *   signaled), and dma_fence's.
 */
import { defineFenceKind, dmaFenceBaseContext, type DmaFenceContext } from './dma-fence.ts';

export interface DmaFenceProxyContext extends DmaFenceContext {
  /** always: the syncobj and point it stands for. */
  syncobj: string;
  point: number;
  /** unsignaled: the fence that represents the point ('' while unbound: a future point, I8). */
  target: string;
}

type E = { type: 'DMA_FENCE_PROXY_BIND'; fence: string } | { type: 'DMA_FENCE_PROXY_CB'; fenceError?: number };

type DmaFenceProxyInput = { context?: number; syncobj?: string; point?: number };

export const dmaFenceProxyMachine = defineFenceKind<DmaFenceProxyContext, E, DmaFenceProxyInput>({
  kind: 'dma_fence_proxy',
  context: (input) => ({
    ...dmaFenceBaseContext({
      context: input?.context,
      seqno: input?.point,
      ops: 'proxy',
      signaller: 'user',
      owner: input?.syncobj,
    }),
    syncobj: input?.syncobj ?? '',
    point: input?.point ?? 0,
    target: '',
  }),
  guards: {
    unbound: (c) => c.target === '',
    bound: (c) => c.target !== '',
  },
  unsignaled: {
    DMA_FENCE_PROXY_BIND: [
      {
        guard: 'unbound',
        description: 'the point materialized: stand for its fence (R47)',
        update: (_c, e) => ({ target: e.fence, signaller: 'kernel' }),
      },
    ],
    // The bound fence's error, unless the proxy already has one (the first error sticks, R6).
    DMA_FENCE_PROXY_CB: [
      { guard: 'bound', signal: true, update: (c, e) => ({ error: c.error || (e.fenceError ?? 0) }) },
    ],
  },
  waitEdges: (id, c: DmaFenceProxyContext) =>
    c.target ? [[id, c.target, `${id} stands for ${c.syncobj}@${c.point}`]] : [],
});
