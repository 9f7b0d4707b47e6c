/**
 * The read-only world view that properties use. Each model file describes, next to its machine, what
 * its objects contribute to the wait-for graph (I7: an edge a -> b means "a cannot complete before b").
 * Properties read only this view and object contexts; they never send events.
 */
import type { World } from './world.ts';

export type Edge = [from: string, to: string, why: string];

export interface KindView {
  /**
   * Objects of this kind are dma_fences (dma_fence itself, and derived kinds with their own ops such as
   * dma_fence_array and dma_fence_chain). Their contexts extend DmaFenceContext and they carry the
   * 'signaled' tag once signaled, so fence properties (one-shot, finite-time, acyclic-waits) see them.
   */
  fence?: boolean;
  /** Wait-for edges this object contributes while it is live. */
  waitEdges?: (id: string, c: any, w: World, value: string) => Edge[];
}

const views = new Map<string, KindView>();

export function defineView(kind: string, v: KindView): void {
  views.set(kind, v);
}

/** Is this snapshot a dma_fence of any kind? */
export function isFence(s: { machine: { id: string } }): boolean {
  return views.get(s.machine.id)?.fence === true;
}

/** All wait-for edges of the world, in object-id order. */
export function waitEdges(w: World): Edge[] {
  const out: Edge[] = [];
  for (const id of Object.keys(w.o).sort()) {
    const s = w.o[id];
    const v = views.get(s.machine.id);
    if (v?.waitEdges) for (const e of v.waitEdges(id, s.context, w, typeof s.value === 'string' ? s.value : JSON.stringify(s.value))) out.push(e);
  }
  return out;
}
