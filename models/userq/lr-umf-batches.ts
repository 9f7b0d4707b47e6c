/**
 * Long-running contexts whose batches synchronise on user memory fences only (seed 001 "Solution pt. 1",
 * R118-R121), shared by umf-separated and its twins: a pipeline of processes, each with one LR context,
 * where process i's k-th batch spins on umf<i-1> >= k (a GPU compare, R119) and stores umf<i> = k at
 * its end. Userspace's graph is acyclic by construction (seed 001 "Userspace can't trust us": "let's
 * assume userspace submits a bunch of jobs with an acyclic dependency graph").
 *
 * R109's bound needs the hardware to preempt a batch in the middle of its UMF spin (seed 001 "depends on
 * preemption"; seed 002 "preemption takes a while longer"): `spinningOnUmf` is the situation where it
 * matters, `preemptedMidSpin` the one where memory management waits on it.
 */
import type { World } from '../world.ts';
import { ctx, stateOf } from '../world.ts';
import type { Batch, GpuContextContext } from '../gpu/gpu-context.ts';
import { umfReached } from './user-memory-fence.ts';
import {
  defineFenceKind,
  dmaFenceBaseContext,
  dmaFenceOps,
  type DmaFenceContext,
  type DmaFenceInput,
} from '../dma-buf/dma-fence.ts';

/** The pipeline's shape: `umfs` user fences link process i to process i+1 (i < umfs). */
export interface LrPipeline {
  procs: number;
  jobs: number;
  umfs: number;
}

/** The UMF process `i` spins on before its batches ('' = none: the head of the pipeline). */
export const umfWaitedBy = (i: number, p: LrPipeline): string => (i > 0 && i - 1 < p.umfs ? `umf${i - 1}` : '');
/** The UMF process `i`'s batches store at their end ('' = none: the tail). */
export const umfWrittenBy = (i: number, p: LrPipeline): string => (i < p.umfs && i < p.procs - 1 ? `umf${i}` : '');

/** Process i's k-th batch (k from 1): spin on the producer's k-th store, store its own k-th. */
export function lrBatch(i: number, k: number, p: LrPipeline): Batch & { [k: string]: number | string } {
  const waitUmf = umfWaitedBy(i, p);
  const writeUmf = umfWrittenBy(i, p);
  return { waitUmf, waitValue: waitUmf ? k : 0, writeUmf, writeValue: writeUmf ? k : 0 };
}

/** What a batch does, for the exec ioctl's trace label. */
export function describeBatch(b: Batch): string {
  const parts = [
    b.waitUmf ? `spins on ${b.waitUmf} >= ${b.waitValue}` : '',
    b.writeUmf ? `stores ${b.writeUmf} = ${b.writeValue} at its end` : '',
  ].filter((s) => s);
  return parts.length ? `batch ${parts.join(', ')}` : 'batch with no user fence';
}

/** R119: the context is on the hardware and its head batch's GPU compare does not hold yet. */
export function spinningOnUmf(w: World, c: string): boolean {
  const s = stateOf(w, c);
  if (s !== 'running' && s !== 'preempting') return false;
  const b = ctx<GpuContextContext>(w, c).batches[0];
  return !!b && !!b.waitUmf && !umfReached(w, b.waitUmf, b.waitValue);
}

/**
 * The key case of "Separate memory and execution synchronization" (seed 001): memory management
 * waits on a context's preempt fence (enable_signaling ran, R108) while the context spins on a UMF.
 */
export function preemptedMidSpin(w: World): string[] {
  const out: string[] = [];
  for (const id of Object.keys(w.o).sort()) {
    if (w.o[id].machine.id !== 'gpu_context' || !spinningOnUmf(w, id)) continue;
    const pf = ctx<GpuContextContext>(w, id).pfence;
    if (pf && ctx<DmaFenceContext>(w, pf).enableSignal) out.push(id);
  }
  return out;
}

export interface XePreemptFenceContext extends DmaFenceContext {
  /** always: the hardware suspends its context only at a batch boundary, never in a UMF spin (R109 relaxed). */
  atBatchBoundary: boolean;
}

interface XePreemptFenceInput extends DmaFenceInput {
  atBatchBoundary?: boolean;
}

/**
 * An LR context's preempt fence (xe_preempt_fence.c): a lazy plain dma_fence whose enable_signaling
 * suspends its owner (R108, `onEnable`). Where the hardware cannot preempt mid-spin, an enabled one waits
 * for its owner's spin to end, i.e. on the UMF the head batch compares against: the edge that makes
 * memory management wait on a user fence (seed 001 "depends on preemption").
 */
export const xePreemptFenceMachine = defineFenceKind<XePreemptFenceContext, never, XePreemptFenceInput>({
  ...dmaFenceOps,
  kind: 'xe_preempt_fence',
  context: (input) => ({
    ...dmaFenceBaseContext({ ...input, ops: 'preempt' }),
    atBatchBoundary: input?.atBatchBoundary ?? false,
  }),
  waitEdges: (id, c: XePreemptFenceContext, w, value) =>
    value === 'unsignaled' && c.atBatchBoundary && c.enableSignal && c.owner && spinningOnUmf(w, c.owner)
      ? [[id, c.owner, `${id} suspends ${c.owner} only at a batch boundary, and it spins on a UMF (R109)`]]
      : [],
});
