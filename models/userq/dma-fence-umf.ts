/**
 * dma_fence_umf — a dma_fence that wraps a user memory fence: "Why not wrap it in a struct dma_fence?"
 * (seed 001). This is the kind of fence dma-buf.rst "Indefinite DMA Fences" forbids (R30, H1); it
 * exists so designs can show why.
 *
 * Contract: every dma_fence rule (R1-R11, through dma-fence.ts's machine), plus:
 * - R30 it signals when its UMF reaches `value`, which only the UMF's writer can make happen; the
 *       kernel does not know who that is. Its `signaller` is therefore 'user' (finite-time never counts
 *       on it).
 * - R8  it is lazy: enable_signaling sleeps on the UMF's futex queue (R120), whose wake-up signals it.
 * - seed 001 "Ok, fine, so throw a timeout on it": a design may give it a timeout (`timeoutKills`),
 *       after which the kernel sets -ETIME, signals it, and kills the context that waited on it.
 *
 * Models: a fence kind (defineFenceKind) with dma_fence's ops (same events, same states, same
 * 'signaled' tag): its enable_signaling is the futex wait, given as `onEnable`; the wrapped UMF and
 * target value are in its context, and its view has the wait-for edge to the UMF node.
 */
import {
  defineFenceKind,
  dmaFenceBaseContext,
  dmaFenceOps,
  type DmaFenceContext,
  type DmaFenceInput,
} from '../dma-buf/dma-fence.ts';

export interface DmaFenceUmfContext extends DmaFenceContext {
  /** always: the wrapped user memory fence. */
  umf: string;
  /** always: signaled once the UMF's value >= this. */
  value: number;
  /** always: a timeout exists (seed 001); on expiry it kills `victim`. */
  timeoutKills: string;
}

export interface DmaFenceUmfInput extends DmaFenceInput {
  /** this fence's own id: the futex sleeper to wake. */
  self?: string;
  umf?: string;
  value?: number;
  timeoutKills?: string;
}

export const dmaFenceUmfMachine = defineFenceKind<DmaFenceUmfContext, never, DmaFenceUmfInput>({
  ...dmaFenceOps,
  kind: 'dma_fence_umf',
  context: (input) => {
    const umf = input?.umf ?? '';
    const value = input?.value ?? 1;
    // R8, R120: the lazy enable sleeps on the UMF's futex queue; the wake-up signals the fence.
    const futexWait = { type: 'UMF_FUTEX_WAIT', to: input?.self ?? '', value, ev: { type: 'DMA_FENCE_SIGNAL' } };
    return {
      ...dmaFenceBaseContext({
        ...input,
        ops: 'umf-wrap',
        signaller: 'user',
        onEnable: umf ? { to: umf, ev: futexWait } : null,
      }),
      umf,
      value,
      timeoutKills: input?.timeoutKills ?? '',
    };
  },
  // R30, H1: the wrapper cannot signal before its UMF is written.
  waitEdges: (id, c: DmaFenceUmfContext, _w, value) =>
    value === 'unsignaled' ? [[id, c.umf, `${id} wraps ${c.umf} >= ${c.value} (R30)`]] : [],
});
