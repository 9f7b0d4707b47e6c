/**
 * gpu_context — a hardware context of one process: an Xe exec queue of a long-running VM
 * (xe_exec_queue.c, xe_preempt_fence.c, xe_vm.c rebind worker), or, for dma_fence designs, the record
 * of the context a timeout or a reset may kill.
 *
 * Contract (kernel-sync-semantics.md §1.12, I20, I22):
 * - R108 a preempt fence is lazy: its enable_signaling suspends the queue (GPU_CTX_PREEMPT here).
 * - R109 the preemption lands in bounded time (a GPU step), then the fence signals; if the queue was
 *        reset instead, the fence gets -ENOENT.
 * - R111 while suspended its memory may move; the rebind worker resumes it with a **new** preempt fence.
 * - R112 after resume it runs before it can be preempted again (its BO stays pinned until it ran).
 * - R20, I22 a hang is caught and the context reset (banned), its fences signalled with an error;
 *        ideally recovery affects only the offending context (the one that went through `hung`).
 * - R118-R121 batches may wait on a user memory fence (a GPU compare, spinning) and write one at their
 *        end; in LR mode no job dma_fence is published.
 *
 * Models: a FIFO of batches, each an optional GPU wait on (umf >= value) and an optional end-of-batch
 * store; `running` executes the head (the compare is checked by the rule that sends GPU_CTX_EXEC),
 * `preempting` until the preemption lands, `suspended` off the hardware, `hung`, `banned`.
 * Abstracted away: the ring buffer and LRC contents, timeslice lengths (R112 as "runs once before it
 * is a victim again"), the GuC's scheduling policy (the explorer tries every order).
 *
 * Events: GPU_CTX_SUBMIT {batch}, GPU_CTX_EXEC, GPU_CTX_PREEMPT (preempt fence enable_signaling),
 *   GPU_CTX_PREEMPTED (the GPU), GPU_CTX_RESUME {pfence} (rebind worker), GPU_CTX_HANG (fault),
 *   GPU_CTX_KILL {by, error} (reset after a hang, a timeout, or the process's death).
 */
import { setup, assign, enqueueActions } from 'xstate';
import type { World } from '../world.ts';
import { ctx, deliver } from '../world.ts';
import { ENOENT } from '../dma-buf/dma-fence.ts';
import { withView, type Edge } from '../view.ts';

/**
 * R122: the GPU's memory compare (a semaphore wait, greater-or-equal) on the 64-bit word at `addr`: a
 * user memory fence. The GPU reads memory; what writes it is userq's business, above this layer.
 */
export function gpuCompareReached(w: World, addr: string, value: number): boolean {
  return ctx<{ value: number }>(w, addr).value >= value;
}

export interface Batch {
  /** GPU wait: spin until umf >= waitValue ('' = none). */
  waitUmf: string;
  waitValue: number;
  /** End-of-batch store: umf := writeValue ('' = none). */
  writeUmf: string;
  writeValue: number;
}

export interface GpuContextContext {
  /** always: the owning process. */
  proc: string;
  /** always: BOs of its VM it touches while on the hardware. */
  bos: string[];
  /** always: submitted batches not yet executed, oldest first. */
  batches: Batch[];
  /** always: batches executed. */
  done: number;
  /** running, preempting: the current preempt fence ('' = none: not LR, or suspended). */
  pfence: string;
  /** banned: what killed it and with which error. */
  killedBy: string;
  error: number;
}

type E =
  | { type: 'GPU_CTX_SUBMIT'; batch: Batch }
  | { type: 'GPU_CTX_EXEC' }
  | { type: 'GPU_CTX_PREEMPT' }
  | { type: 'GPU_CTX_PREEMPTED' }
  | { type: 'GPU_CTX_RESUME'; pfence: string }
  | { type: 'GPU_CTX_HANG' }
  | { type: 'GPU_CTX_KILL'; by: string; error: number };

export const gpuContextMachine = setup({
  types: {
    context: {} as GpuContextContext,
    events: {} as E,
    input: {} as { proc?: string; bos?: string[]; suspended?: boolean; pfence?: string },
  },
  guards: {
    'has a batch': ({ context }) => context.batches.length > 0,
    'starts suspended': ({ context }) => context.error === 1,
  },
  actions: {
    deliver: (_, _p: unknown) => {},
    /** R119: the head batch ran; its last command stores the user fence value. */
    execHead: enqueueActions(({ context, enqueue }) => {
      const b = context.batches[0];
      enqueue.assign({ batches: context.batches.slice(1), done: context.done + 1 });
      if (b.writeUmf) enqueue(deliver(b.writeUmf, { type: 'UMF_WRITE', value: b.writeValue }));
    }),
    /** R109: the preemption landed (or nothing was running): the preempt fence signals. */
    signalPfence: enqueueActions(({ context, enqueue }) => {
      if (context.pfence) enqueue(deliver(context.pfence, { type: 'DMA_FENCE_SIGNAL' }));
      enqueue.assign({ pfence: '' });
    }),
    /** R109, R20: reset or kill: the preempt fence signals with -ENOENT; the context is gone. */
    kill: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'GPU_CTX_KILL') return;
      if (context.pfence) {
        enqueue(deliver(context.pfence, { type: 'DMA_FENCE_SET_ERROR', error: ENOENT }));
        enqueue(deliver(context.pfence, { type: 'DMA_FENCE_SIGNAL' }));
      }
      enqueue.assign({ pfence: '', killedBy: event.by, error: event.error });
    }),
  },
}).createMachine({
  id: 'gpu_context',
  // error 1 is a transient marker for "created suspended" (an LR queue waiting for its first rebind).
  context: ({ input }) => ({
    proc: input?.proc ?? '',
    bos: input?.bos ?? [],
    batches: [],
    done: 0,
    pfence: input?.pfence ?? '',
    killedBy: '',
    error: input?.suspended ? 1 : 0,
  }),
  initial: 'running',
  on: {
    GPU_CTX_KILL: { target: '.banned', description: 'R20: reset / kill; R109: preempt fence -ENOENT', actions: 'kill' },
  },
  states: {
    running: {
      tags: ['accessing'],
      always: { guard: 'starts suspended', target: 'suspended', actions: assign({ error: 0 }) },
      on: {
        GPU_CTX_SUBMIT: { actions: assign({ batches: ({ context, event }) => [...context.batches, event.batch] }) },
        GPU_CTX_EXEC: { guard: 'has a batch', description: 'R119: the GPU runs the head batch', actions: 'execHead' },
        GPU_CTX_PREEMPT: { target: 'preempting', description: 'R108: enable_signaling suspends the queue' },
        GPU_CTX_HANG: { target: 'hung' },
      },
    },
    preempting: {
      tags: ['accessing'],
      on: {
        GPU_CTX_SUBMIT: { actions: assign({ batches: ({ context, event }) => [...context.batches, event.batch] }) },
        GPU_CTX_PREEMPTED: {
          target: 'suspended',
          description: 'R109: lands in bounded time, even mid-spin',
          actions: 'signalPfence',
        },
        GPU_CTX_HANG: { target: 'hung' },
      },
    },
    suspended: {
      on: {
        GPU_CTX_SUBMIT: { actions: assign({ batches: ({ context, event }) => [...context.batches, event.batch] }) },
        GPU_CTX_PREEMPT: { description: 'R110: already off the hardware: signal at once', actions: 'signalPfence' },
        GPU_CTX_RESUME: {
          target: 'running',
          description: 'R111: resume with a fresh preempt fence',
          actions: assign({ pfence: ({ event }) => event.pfence }),
        },
      },
    },
    hung: {
      tags: ['accessing', 'hung'],
      on: {
        GPU_CTX_SUBMIT: { actions: assign({ batches: ({ context, event }) => [...context.batches, event.batch] }) },
        GPU_CTX_PREEMPT: { description: 'R109: a hung queue cannot be suspended; the reset will signal' },
      },
    },
    banned: { tags: ['killed'], type: 'final' },
  },
});

/** The head batch's GPU compare holds (or it has none). */
export function headRunnable(w: World, c: GpuContextContext): boolean {
  const b = c.batches[0];
  return !!b && (!b.waitUmf || gpuCompareReached(w, b.waitUmf, b.waitValue));
}

// R118-R121: a context's execution waits on the UMF its head batch compares against.
withView(gpuContextMachine, {
  waitEdges: (id, c: GpuContextContext, w, value) => {
    if (value === 'banned') return [];
    const b = c.batches[0];
    const out: Edge[] = [];
    if (b?.waitUmf && !gpuCompareReached(w, b.waitUmf, b.waitValue))
      out.push([id, b.waitUmf, `${id} spins on ${b.waitUmf} >= ${b.waitValue} (GPU compare, R119)`]);
    return out;
  },
});
