/**
 * A GPU ring (one hardware queue): executes emitted work strictly in FIFO order (R97 relies on it).
 *
 * Models: the hardware fences of work on the ring, in order; a hang (the head never completes);
 * reset (the ring is emptied and its hardware fences force-completed with an error, as drivers do
 * after drm_sched_stop detached the scheduler's callbacks, R101).
 * A job may take several GPU steps (a long compute dispatch, seed 001 "3 days"): emitted with `steps`
 * > 1, the head advances with GPU_RING_PROGRESS until one step is left, then completes. While it
 * advances the ring is healthy: a timer that fires then is wrong (models/kernel/timer.ts).
 * Abstracted away: how long a step takes (completion is an explicit GPU step, so every interleaving of
 * completion against other actions is explored), per-job register state.
 *
 * Events: GPU_RING_EMIT {fence, steps?} (run_job -> ring), GPU_RING_PROGRESS (gpu), GPU_RING_COMPLETE
 *         (gpu), GPU_RING_HANG (fault), GPU_RING_RESET (reset handler -> ring).
 */
import { setup, assign, enqueueActions } from 'xstate';
import { ECANCELED } from '../dma-buf/dma-fence.ts';
import { deliver } from '../world.ts';
import { withView } from '../view.ts';

export interface GpuRingContext {
  /** always: hardware fences of the work on the ring, oldest first. */
  fifo: string[];
  /** running: the head job stopped making progress. */
  hung: boolean;
  /** always: GPU steps still left, for work emitted with more than one (absent: none such). */
  left?: Record<string, number>;
}

/** GPU steps the head of the ring still needs (1 for ordinary work). */
const headLeft = (c: GpuRingContext): number => c.left?.[c.fifo[0]] ?? 1;

type E =
  | { type: 'GPU_RING_EMIT'; fence: string; steps?: number }
  | { type: 'GPU_RING_PROGRESS' }
  | { type: 'GPU_RING_COMPLETE' }
  | { type: 'GPU_RING_HANG' }
  | { type: 'GPU_RING_RESET' };

export const gpuRingMachine = setup({
  types: { context: {} as GpuRingContext, events: {} as E },
  guards: {
    'head can complete': ({ context }) => context.fifo.length > 0 && !context.hung && headLeft(context) === 1,
    'head advances': ({ context }) => context.fifo.length > 0 && !context.hung && headLeft(context) > 1,
    'has work': ({ context }) => context.fifo.length > 0 && !context.hung,
    hung: ({ context }) => context.hung,
  },
  actions: { deliver: (_, _p: unknown) => {} },
}).createMachine({
  id: 'gpu_ring',
  context: () => ({ fifo: [], hung: false }),
  on: {
    GPU_RING_EMIT: {
      actions: assign(({ context, event }) => {
        const fifo = [...context.fifo, event.fence];
        const n = event.steps ?? 1;
        return n > 1 ? { fifo, left: { ...context.left, [event.fence]: n } } : { fifo };
      }),
    },
    GPU_RING_PROGRESS: {
      guard: 'head advances',
      description: 'the head job did one more step of its work (healthy: still progressing)',
      actions: assign(({ context }) => {
        const head = context.fifo[0];
        const { [head]: n, ...rest } = context.left ?? {};
        return { left: n > 2 ? { ...rest, [head]: n - 1 } : rest };
      }),
    },
    GPU_RING_COMPLETE: {
      guard: 'head can complete',
      actions: enqueueActions(({ context, enqueue }) => {
        enqueue.assign({ fifo: context.fifo.slice(1) });
        enqueue(deliver(context.fifo[0], { type: 'DMA_FENCE_SIGNAL' }));
      }),
    },
    GPU_RING_HANG: { guard: 'has work', actions: assign({ hung: true }) },
    GPU_RING_RESET: {
      description: 'force-complete every hardware fence with -ECANCELED, then accept work again',
      actions: enqueueActions(({ context, enqueue }) => {
        enqueue.assign(context.left ? { fifo: [], hung: false, left: {} } : { fifo: [], hung: false });
        for (const f of context.fifo) {
          enqueue(deliver(f, { type: 'DMA_FENCE_SET_ERROR', error: ECANCELED }));
          enqueue(deliver(f, { type: 'DMA_FENCE_SIGNAL' }));
        }
      }),
    },
  },
});

// Ring order: the k-th hardware fence cannot signal before the (k-1)-th.
withView(gpuRingMachine, {
  waitEdges: (id, c: GpuRingContext) => c.fifo.slice(1).map((f, i) => [f, c.fifo[i], `${id} executes in order`]),
});
