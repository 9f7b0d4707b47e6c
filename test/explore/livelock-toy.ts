/**
 * A world where one fair schedule escapes a livelock that another falls into. Userspace publishes a
 * fence f0 that only the kernel signals. The kernel then toggles a spinner between idle and armed
 * (`toy_spin`, `toy_back`) until it signals f0 from armed (`toy_finish`). The drain (least recently
 * taken first, ties by step order) takes `toy_finish` at its first chance and settles; but the
 * schedule spin, back, spin, back, ... is weakly fair too (`toy_finish` is never continuously
 * enabled), and along it f0 never signals: finite-time is violated, and only the graph sees it.
 * `escape: true` keeps `toy_finish` enabled in idle too, which makes that cycle unfair (it holds).
 */
import { setup, assign } from 'xstate';
import { defineDesign, stepTable, type Design } from '../../models/design.ts';
import { emptyWorld, spawn, accepts, must, ctx, type World } from '../../models/world.ts';
import { dmaFenceMachine } from '../../models/dma-buf/dma-fence.ts';

export interface LivelockConfig {
  escape: boolean;
}

/** A kernel-side spinner the kernel arms and a timer disarms (shared by the liveness toys). */
export const spinner = setup({
  types: { context: {} as { armed: boolean }, events: {} as { type: 'ARM' } | { type: 'DISARM' } },
}).createMachine({
  id: 'toy_spinner',
  context: { armed: false },
  on: {
    ARM: { guard: ({ context }) => !context.armed, actions: assign({ armed: true }) },
    DISARM: { guard: ({ context }) => context.armed, actions: assign({ armed: false }) },
  },
});

const armed = (w: World) => ctx<{ armed: boolean }>(w, 'spin').armed;
const open = (w: World) => ctx(w, 'f0').published && !w.o.f0.hasTag('signaled');

/** Userspace publishes the toy's one fence f0 (shared by the liveness toys). */
export const toyPublish = {
  name: 'toy_publish',
  role: 'user',
  actor: () => 'user',
  params: () => [[]],
  enabled: (w: World) => accepts(w, 'f0', { type: 'DMA_FENCE_PUBLISH' }),
  apply: (w: World) => must(w, 'f0', { type: 'DMA_FENCE_PUBLISH' }),
} as const;

export const livelockToy: Design<LivelockConfig> = defineDesign<LivelockConfig>({
  name: 'toy-livelock',
  summary: 'a kernel that may spin forever before it signals a published fence',
  source: 'test',
  configs: { small: { escape: false }, default: { escape: true } },
  bounds: { exhaustive: { config: 'small', depth: 20 }, random: { config: 'small', depth: 20, runs: 20 } },
  init: () => {
    let w: World = emptyWorld;
    w = spawn(w, 'f0', dmaFenceMachine, { context: 1, seqno: 1, signaller: 'kernel' });
    return spawn(w, 'spin', spinner, {});
  },
  steps: stepTable<LivelockConfig>(
    toyPublish,
    {
      name: 'toy_spin',
      role: 'kernel',
      actor: () => 'kernel',
      params: () => [[]],
      enabled: (w) => open(w) && !armed(w),
      apply: (w) => must(w, 'spin', { type: 'ARM' }),
    },
    {
      name: 'toy_finish',
      role: 'kernel',
      actor: () => 'kernel',
      params: () => [[]],
      enabled: (w, _a, cfg) => open(w) && (armed(w) || cfg.escape),
      apply: (w) => must(w, 'f0', { type: 'DMA_FENCE_SIGNAL' }),
    },
    {
      name: 'toy_back',
      role: 'timer',
      actor: () => 'timer',
      params: () => [[]],
      enabled: (w) => open(w) && armed(w),
      apply: (w) => must(w, 'spin', { type: 'DISARM' }),
    },
  ),
  expect: { 'finite-time': { verdict: 'violates', why: 'spin, back, spin, back, ... is weakly fair' } },
});
