/**
 * The hybrid of seed 000 ("current thinking is probably a hybrid ... as soon as interop is required,
 * degenerate to lower-performance mode; let userspace run ahead until it needs to interact with the
 * outside world") and seed 002 (Vetter: "as soon as you need to switch to dma_fence sync or implicit
 * sync (winsys buffer, or buffer sharing ...) you have to flip your internal driver state around all
 * sync points over from userspace fencing to dma_fence kernel fencing").
 *
 * A long-running context runs in `lr` mode: its batches spin on user memory fences (R119) and no job
 * fence is published (R121); each batch still has the kernel-internal completion fence the hardware
 * signals, nobody's dependency. When the context shares a buffer with a dma_fence consumer the driver
 * switches it to `dma_fence` mode: R-interop (this module's rule) it may publish a batch's fence only once
 * every UMF the batch (and every batch before it on the ring) spins on has been written, since from then
 * on the fence is bounded by the GPU alone (I9, I10). The early policy publishes at once (the bug).
 *
 * Ids: a context's batch k has the fence `<proc>.j<k>.finished` (owner `<proc>.j<k>`: the job hazard-free
 * records), kind `interop_job_fence`.
 */
import type { World } from '../world.ts';
import { ctx } from '../world.ts';
import type { GpuContextContext } from '../gpu/gpu-context.ts';
import { umfReached } from './user-memory-fence.ts';
import {
  defineFenceKind,
  dmaFenceBaseContext,
  dmaFenceOps,
  type DmaFenceContext,
  type DmaFenceInput,
} from '../dma-buf/dma-fence.ts';
import type { Edge } from '../view.ts';

export interface InteropJobFenceContext extends DmaFenceContext {
  /** always: the context whose ring completes it ('' = none: a dma_fence job of its own). */
  ring: string;
  /** always: the fences the job waited on at submit (implicit sync). */
  deps: string[];
}

interface InteropJobFenceInput extends DmaFenceInput {
  ring?: string;
  deps?: string[];
}

/**
 * A job's completion fence. Once published (someone can wait on it) it waits on its ring (whatever the
 * ring's head batch spins on, R119) and on its dependencies; unpublished, it is nobody's dependency.
 */
export const interopJobFenceMachine = defineFenceKind<InteropJobFenceContext, never, InteropJobFenceInput>({
  ...dmaFenceOps,
  kind: 'interop_job_fence',
  context: (input) => ({ ...dmaFenceBaseContext(input), ring: input?.ring ?? '', deps: input?.deps ?? [] }),
  waitEdges: (id, c: InteropJobFenceContext, _w, value) => {
    if (value !== 'unsignaled' || !c.published) return [];
    const out: Edge[] = c.deps.map((d): Edge => [id, d, `${id} waits on ${d} (implicit sync, R54)`]);
    if (c.ring) out.push([id, c.ring, `${id} signals when ${c.ring} has run its batch (ring order)`]);
    return out;
  },
});

/** R-interop: every batch still on the context's ring spins on nothing unwritten (its compare holds). */
export function pendingUmfsWritten(w: World, c: string): boolean {
  return ctx<GpuContextContext>(w, c).batches.every((b) => !b.waitUmf || umfReached(w, b.waitUmf, b.waitValue));
}
