/**
 * A GPU ring (one hardware queue): executes emitted work strictly in FIFO order (R97 relies on it).
 *
 * Models: the hardware fences of work on the ring, in order; a hang (the head never completes);
 * reset (the ring is emptied and its hardware fences force-completed with an error, as drivers do
 * after drm_sched_stop detached the scheduler's callbacks, R101).
 * Abstracted away: how long a job takes (completion is an explicit GPU step, so every interleaving of
 * completion against other actions is explored), per-job register state.
 *
 * Events: GPU_RING_EMIT {fence} (run_job -> ring), GPU_RING_COMPLETE (gpu), GPU_RING_HANG (fault),
 *         GPU_RING_RESET (reset handler -> ring).
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
}

type E =
  | { type: 'GPU_RING_EMIT'; fence: string }
  | { type: 'GPU_RING_COMPLETE' }
  | { type: 'GPU_RING_HANG' }
  | { type: 'GPU_RING_RESET' };

export const gpuRingMachine = setup({
  types: { context: {} as GpuRingContext, events: {} as E },
  guards: {
    'head can complete': ({ context }) => context.fifo.length > 0 && !context.hung,
    'has work': ({ context }) => context.fifo.length > 0 && !context.hung,
    hung: ({ context }) => context.hung,
  },
  actions: { deliver: (_, _p: unknown) => {} },
}).createMachine({
  id: 'gpu_ring',
  context: () => ({ fifo: [], hung: false }),
  on: {
    GPU_RING_EMIT: { actions: assign({ fifo: ({ context, event }) => [...context.fifo, event.fence] }) },
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
        enqueue.assign({ fifo: [], hung: false });
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
