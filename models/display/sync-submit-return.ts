/**
 * Sync mode 'submit-return': seed 002 §2.1's Present request with a submit fence (the producer signals
 * it once drawing finished) and a return fence (the consumer signals it once done with the buffer).
 * Both are dma_fences only userspace signals, published at present; the kernel knows who owes which
 * and signals a crashed side's fences with an error (seed 002 "deadlock mitigation"), unless the
 * config turns that off (`crashRecovery: false`) to show it matters.
 */
import type { World } from '../world.ts';
import { accepts, ctx, has, hasTag, idsOf, must, spawn } from '../world.ts';
import { defineStep } from '../design.ts';
import { dmaFenceMachine, isSignaled, type DmaFenceContext } from '../dma-buf/dma-fence.ts';
import type { PresentClientContext } from './present-client.ts';
import { COMPOSITOR, clientIndex, renderFence, type PresentConfig, type SyncMode } from './present-config.ts';

const EOWNERDEAD = -130;

const submitFence = (client: string, k: number) => `${client}.f${k}.submit`;
const returnFence = (client: string, k: number) => `${client}.f${k}.return`;
const recovers = (cfg: PresentConfig) => cfg.crashRecovery !== false;

/** Seed 002: the kernel signals the fences a crashed process owed (all, or `only` these), with an error. */
function kernel_signal_owed(w: World, owner: string, only?: string[]): World {
  for (const id of only ?? idsOf(w, 'dma_fence')) {
    const f = ctx<DmaFenceContext>(w, id);
    if (f.owner !== owner || f.signaller !== 'user' || isSignaled(w, id)) continue;
    w = must(w, id, { type: 'DMA_FENCE_SET_ERROR', error: EOWNERDEAD });
    w = must(w, id, { type: 'DMA_FENCE_SIGNAL' });
  }
  return w;
}

const SIGNAL = { type: 'DMA_FENCE_SIGNAL' } as const;

/** Seed 002 §2.1: the producer signals frame k's submit fence once its render finished. */
const client_signal_submit = defineStep<PresentConfig, [client: string, frame: number]>({
  name: 'client_signal_submit',
  role: 'user',
  actor: ([c]) => c,
  params: (w) =>
    idsOf(w, 'present_client').flatMap((c) =>
      Array.from({ length: ctx<PresentClientContext>(w, c).frames }, (_, k): [string, number] => [c, k]),
    ),
  enabled: (w, [c, k]) =>
    accepts(w, submitFence(c, k), SIGNAL) &&
    has(w, renderFence(c, k)) &&
    isSignaled(w, renderFence(c, k)) &&
    !hasTag(w, c, 'crashed'),
  apply: (w, [c, k]) => must(w, submitFence(c, k), SIGNAL),
  doc: 'seed 002 §2.1: the producer signals the submit fence once it finished drawing',
});

export const submitReturnMode: SyncMode = {
  presentStep: 'present_request',
  waitBeforeSignal: true,
  acquireHandle: (client, _buf, k) => submitFence(client, k),
  releaseHandle: (client, _buf, k) => returnFence(client, k),
  initClient: (w) => w,
  attachRender: (w) => w,
  present(w, cfg, commit) {
    // seed 002 §2.1: both fences start unsignaled; the producer owes the submit, the consumer the return.
    // Each its own fence context: a late-binding consumer returns buffers out of order (it skips frames),
    // and one context per client would claim an order nobody keeps (I4, R2).
    const i = clientIndex(commit.client);
    const fence = { seqno: commit.frame + 1, signaller: 'user', published: true };
    w = spawn(w, commit.acquire, dmaFenceMachine, {
      ...fence,
      context: 10_000 + 100 * i + commit.frame,
      ops: 'present.submit',
      owner: commit.client,
    });
    w = spawn(w, commit.release, dmaFenceMachine, {
      ...fence,
      context: 20_000 + 100 * i + commit.frame,
      ops: 'present.return',
      owner: COMPOSITOR,
    });
    if (hasTag(w, COMPOSITOR, 'crashed')) {
      return recovers(cfg) ? kernel_signal_owed(w, COMPOSITOR, [commit.release]) : w; // the consumer is gone
    }
    return must(w, COMPOSITOR, { type: 'WL_SURFACE_COMMIT', commit });
  },
  kmsInFence: (w, commit) => ({ w, inFence: commit.acquire, close: [] }),
  release: (w, commit) => (isSignaled(w, commit.release) ? w : must(w, commit.release, SIGNAL)),
  // seed 002: the kernel signals a crashed producer's submit fences ...
  clientCrashed: (w, cfg, client) => (recovers(cfg) ? kernel_signal_owed(w, client) : w),
  // ... and, once the dead compositor's planes are off, its return fences.
  compositorFileReleased: (w, cfg) => (recovers(cfg) ? kernel_signal_owed(w, COMPOSITOR) : w),
  steps: [client_signal_submit],
};
