/**
 * A toy design for testing the explorers themselves (fast-check's e2e toy-command idea): two fences
 * that userspace signals, with two seeded bugs behind flags:
 * - `reinit`: a step re-initialises a signaled fence (H15), which one-shot must catch;
 * - `cycle`: a waiter makes f0 wait on f1 and f1 on f0 only after both were "submitted", which
 *   acyclic-waits must catch at the step that closes the cycle.
 * The shortest violation of each is known, so tests can check BFS minimality and shrinking.
 */
import { setup, assign } from 'xstate';
import { defineDesign, stepTable } from '../../models/design.ts';
import { emptyWorld, spawn, respawn, idsOf, ctx, accepts, must, type World } from '../../models/world.ts';
import { dmaFenceMachine } from '../../models/dma-buf/dma-fence.ts';
import { withView } from '../../models/view.ts';

export interface ToyConfig {
  fences: number;
  reinit: boolean;
  cycle: boolean;
}

const waiterMachine = setup({
  types: { context: {} as { on: string[] }, events: {} as { type: 'WAIT'; f: string } },
}).createMachine({
  id: 'toy_waiter',
  context: () => ({ on: [] }),
  on: {
    WAIT: {
      guard: ({ context, event }) => !context.on.includes(event.f),
      actions: assign({ on: ({ context, event }) => [...context.on, event.f] }),
    },
  },
});
// waiter wN makes fence fN wait on each fence it waits on
withView(waiterMachine, {
  waitEdges: (id, c: { on: string[] }) => c.on.map((f) => [`f${id.slice(1)}`, f, `${id} waits on ${f}`]),
});

const steps = stepTable<ToyConfig>(
  {
    name: 'toy_signal',
    role: 'user',
    actor: () => 'user',
    params: (w) => idsOf(w, 'dma_fence').map((f) => [f]),
    enabled: (w, [f]) => accepts(w, f, { type: 'DMA_FENCE_SIGNAL' }),
    apply: (w, [f]) => must(w, f, { type: 'DMA_FENCE_SIGNAL' }),
  },
  {
    name: 'toy_publish',
    role: 'user',
    actor: () => 'user',
    params: (w) => idsOf(w, 'dma_fence').map((f) => [f]),
    enabled: (w, [f]) => accepts(w, f, { type: 'DMA_FENCE_PUBLISH' }),
    apply: (w, [f]) => must(w, f, { type: 'DMA_FENCE_PUBLISH' }),
  },
  {
    name: 'toy_reinit',
    role: 'kernel',
    actor: () => 'kernel',
    params: (w) => idsOf(w, 'dma_fence').map((f) => [f]),
    enabled: (w, [f], cfg) => cfg.reinit && w.o[f].hasTag('signaled') && ctx(w, f).published,
    apply: (w, [f]) => respawn(w, f, dmaFenceMachine, { context: 1 }), // seeded bug: dma_fence_init on a signaled fence
  },
  {
    name: 'toy_wait',
    role: 'user',
    actor: () => 'user',
    params: (w) =>
      idsOf(w, 'dma_fence').flatMap((a) =>
        idsOf(w, 'dma_fence')
          .filter((b) => a !== b)
          .map((b) => [a, b]),
      ),
    enabled: (w, [a, b], cfg) =>
      cfg.cycle && ctx(w, a).published && accepts(w, `w${a.slice(1)}`, { type: 'WAIT', f: b }),
    apply: (w, [a, b]) => must(w, `w${a.slice(1)}`, { type: 'WAIT', f: b }),
  },
);

export const toy = defineDesign<ToyConfig>({
  name: 'toy',
  summary: 'toy fences for engine tests',
  source: 'test',
  configs: { small: { fences: 2, reinit: false, cycle: false }, default: { fences: 3, reinit: false, cycle: false } },
  bounds: { exhaustive: { config: 'small', depth: 20 }, random: { config: 'default', depth: 30, runs: 200 } },
  init: (cfg) => {
    let w: World = emptyWorld;
    for (let i = 0; i < cfg.fences; i++) {
      w = spawn(w, `f${i}`, dmaFenceMachine, { context: 1, seqno: i + 1, signaller: 'user' });
      w = spawn(w, `w${i}`, waiterMachine, {});
    }
    return w;
  },
  steps,
  expect: {},
});
