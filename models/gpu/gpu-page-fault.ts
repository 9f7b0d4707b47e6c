/**
 * gpu_page_fault — a recoverable GPU page fault (amdgpu_vm_handle_fault, xe_gt_pagefault.c), and the
 * hardware resource the faulting context keeps while it waits for the repair.
 *
 * Contract (kernel-sync-semantics.md R31, H5 hardware variant, I7):
 * - R31 a workload relying on recoverable faults cannot use dma_fences: the repair allocates memory,
 *       and allocation may wait on fences (R24). If dma_fence work shares hardware with faulting work,
 *       the driver must make the faulting work preemptible even with a fault pending, reserve resources
 *       for dma_fence work, or flush between the two.
 * - H5  "a 3D job (dma_fence) waits for CUs held by a compute job; the compute job is stuck in a page
 *       fault; the fault handler's allocation waits on the 3D job's fence": memory -> fence -> hardware
 *       resource -> memory.
 *
 * Models: a fault raised by a context on an engine whose compute units it keeps (`holdsEngine`, true
 * unless the hardware can preempt with a fault pending), the handler thread that repairs it, and the
 * hardware-resource node `cu:<engine>` through which the engine's other work waits on the faulting
 * context (the engine's queued hardware fences, and the batches of the LR contexts sharing the engine,
 * wait on `cu:<engine>`). `holdsEngine` is false where CUs are reserved for the other work (R31). Abstracted away:
 * fault addresses and the
 * page-table walk (one fault, one repair), retry
 * faults and the fault ring (filtering duplicates), migration (a repair here is one allocation).
 *
 * Events: GPU_PAGE_FAULT_HANDLE {handler} (the fault worker picks it up), GPU_PAGE_FAULT_REPAIRED (the
 *   page tables now map the page; the context resumes).
 */
import { setup, assign } from 'xstate';
import { ctx } from '../world.ts';
import { withView, type Edge } from '../view.ts';

export interface GpuPageFaultContext {
  /** always: the faulting context and the engine it runs on. */
  gpuCtx: string;
  engine: string;
  /** always: R31 the context keeps the engine's compute units while the fault is pending. */
  holdsEngine: boolean;
  /** handling: the kernel thread repairing it ('' before the worker picked it up). */
  handler: string;
  /** always: other LR contexts on the engine whose batches need its compute units (R31). */
  sharers: string[];
}

type E = { type: 'GPU_PAGE_FAULT_HANDLE'; handler: string } | { type: 'GPU_PAGE_FAULT_REPAIRED' };

export const gpuPageFaultMachine = setup({
  types: {
    context: {} as GpuPageFaultContext,
    events: {} as E,
    input: {} as { gpuCtx?: string; engine?: string; holdsEngine?: boolean; sharers?: string[] },
  },
}).createMachine({
  id: 'gpu_page_fault',
  context: ({ input }) => ({
    gpuCtx: input?.gpuCtx ?? '',
    engine: input?.engine ?? '',
    holdsEngine: input?.holdsEngine ?? true,
    handler: '',
    sharers: input?.sharers ?? [],
  }),
  initial: 'pending',
  states: {
    pending: {
      tags: ['stalled'],
      on: {
        GPU_PAGE_FAULT_HANDLE: {
          target: 'handling',
          description: 'the fault worker takes it',
          actions: assign({ handler: ({ event }) => event.handler }),
        },
      },
    },
    handling: {
      tags: ['stalled'],
      on: {
        GPU_PAGE_FAULT_REPAIRED: { target: 'repaired', description: 'R31: page tables updated, the context resumes' },
      },
    },
    repaired: { type: 'final' },
  },
});

// H5: engine work -> cu:<engine> -> faulting context -> fault -> handler thread.
withView(gpuPageFaultMachine, {
  waitEdges: (id, c: GpuPageFaultContext, w, value) => {
    if (value === 'repaired') return [];
    const cu = `cu:${c.engine}`;
    const out: Edge[] = [];
    if (c.holdsEngine) {
      // the hardware fences queued on the engine (a gpu_ring) need the compute units the fault holds
      const fifo: string[] = w.o[c.engine]?.machine.id === 'gpu_ring' ? ctx<{ fifo: string[] }>(w, c.engine).fifo : [];
      for (const f of fifo) out.push([f, cu, `${f} needs the compute units of ${c.engine} (R31)`]);
      // LR contexts on the engine with batches queued wait for the same compute units
      for (const g of c.sharers)
        if ((ctx<{ batches?: unknown[] }>(w, g).batches ?? []).length)
          out.push([g, cu, `${g}'s next batch needs the compute units of ${c.engine} (R31)`]);
      out.push([cu, id, `${c.gpuCtx} holds ${c.engine}'s compute units while its fault is pending (R31)`]);
    }
    out.push([c.gpuCtx, id, `${c.gpuCtx} is stalled on its page fault`]);
    if (c.handler) out.push([id, c.handler, `${id} is repaired by ${c.handler}`]);
    return out;
  },
});
