/**
 * A world where a fence pending on a hung context can end signaled without an error along one fair
 * schedule only: what hang-recovers-with-error's carried obligations (src/explore/liveness.ts) are for.
 * A fault hangs context c0, which owns fence f0; a timer resets c0; the kernel then signals f0 either
 * with the reset's error (`toy_fail`) or, when `complete` is on, without one (`toy_complete`). The drain
 * (least recently taken first, ties by step order) takes `toy_fail`; the graph also sees `toy_complete`.
 * After the reset nothing is hung, so only an obligation carried from where the drain starts shows it.
 * `spin` lets `toy_fail` run only while a spinner is armed, which the kernel and a timer toggle: the
 * drain arms and fails, but spin, back, spin, ... is weakly fair and keeps f0 unsignaled (a lasso).
 */
import { setup } from 'xstate';
import { defineDesign, stepTable, type Design } from '../../models/design.ts';
import { emptyWorld, spawn, must, ctx, stateOf, type World } from '../../models/world.ts';
import { dmaFenceMachine } from '../../models/dma-buf/dma-fence.ts';
import { spinner } from './livelock-toy.ts';

export interface HangToyConfig {
  complete: boolean;
  spin: boolean;
}

const context = setup({ types: { events: {} as { type: 'HANG' } | { type: 'RESET' } } }).createMachine({
  id: 'toy_context',
  initial: 'running',
  states: {
    running: { on: { HANG: 'hung' } },
    hung: { tags: ['hung'], on: { RESET: 'reset' } },
    reset: {},
  },
});

const afterReset = (w: World) => stateOf(w, 'c0') === 'reset' && !w.o.f0.hasTag('signaled');
const armed = (w: World) => ctx<{ armed: boolean }>(w, 'spin').armed;

export const hangToy: Design<HangToyConfig> = defineDesign<HangToyConfig>({
  name: 'toy-hang',
  summary: 'a reset after which the kernel may signal the hung context fence without an error',
  source: 'test',
  configs: {
    small: { complete: true, spin: false },
    default: { complete: false, spin: false },
    large: { complete: false, spin: true },
  },
  bounds: { exhaustive: { config: 'small', depth: 20 }, random: { config: 'small', depth: 20, runs: 20 } },
  init: () => {
    let w: World = emptyWorld;
    w = spawn(w, 'c0', context, {});
    w = spawn(w, 'f0', dmaFenceMachine, { context: 1, seqno: 1, signaller: 'kernel', owner: 'c0' });
    return spawn(w, 'spin', spinner, {});
  },
  steps: stepTable<HangToyConfig>(
    {
      name: 'toy_hang',
      role: 'fault',
      actor: () => 'gpu',
      params: () => [[]],
      enabled: (w) => stateOf(w, 'c0') === 'running',
      apply: (w) => must(w, 'c0', { type: 'HANG' }),
    },
    {
      name: 'toy_reset',
      role: 'timer',
      actor: () => 'timer',
      params: () => [[]],
      enabled: (w) => stateOf(w, 'c0') === 'hung',
      apply: (w) => must(w, 'c0', { type: 'RESET' }),
    },
    {
      name: 'toy_fail',
      role: 'kernel',
      actor: () => 'kernel',
      params: () => [[]],
      enabled: (w, _a, cfg) => afterReset(w) && (!cfg.spin || armed(w)),
      apply: (w) =>
        must(must(w, 'f0', { type: 'DMA_FENCE_SET_ERROR', error: -62 }), 'f0', { type: 'DMA_FENCE_SIGNAL' }),
    },
    {
      name: 'toy_complete',
      role: 'kernel',
      actor: () => 'kernel',
      params: () => [[]],
      enabled: (w, _a, cfg) => cfg.complete && afterReset(w),
      apply: (w) => must(w, 'f0', { type: 'DMA_FENCE_SIGNAL' }),
    },
    {
      name: 'toy_spin',
      role: 'kernel',
      actor: () => 'kernel',
      params: () => [[]],
      enabled: (w, _a, cfg) => cfg.spin && afterReset(w) && !armed(w),
      apply: (w) => must(w, 'spin', { type: 'ARM' }),
    },
    {
      name: 'toy_back',
      role: 'timer',
      actor: () => 'timer',
      params: () => [[]],
      enabled: (w, _a, cfg) => cfg.spin && afterReset(w) && armed(w),
      apply: (w) => must(w, 'spin', { type: 'DISARM' }),
    },
  ),
  expect: {
    'hang-recovers-with-error': {
      verdict: 'violates',
      why: 'after the reset, toy_complete signals f0 without an error; with spin, a fair cycle keeps it unsignaled',
    },
  },
});
