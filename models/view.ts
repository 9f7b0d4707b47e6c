/**
 * The read-only world view that properties use. Each machine carries (`withView`) what
 * its objects contribute to the wait-for graph (I7: an edge a -> b means "a cannot complete before b").
 * Properties read only this view and object contexts; they never send events.
 */
import type { World } from './world.ts';
import { onWorld, sortedIds } from './world.ts';

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

/**
 * The view is data on the machine itself (a property of its config, which `provide()` copies keep),
 * not an entry in a registry filled while modules load: a world that holds an object of a kind holds
 * that kind's machine, so what a property sees never depends on which files happened to be imported.
 */
const VIEW = Symbol('fencecheck.view');

type Viewed = { config: object };

/** Attach `v` to `machine` (once) and return the machine. */
export function withView<M extends Viewed>(machine: M, v: KindView): M {
  if (Object.hasOwn(machine.config, VIEW)) throw new Error('withView: this machine already has a view');
  Object.defineProperty(machine.config, VIEW, { value: v, enumerable: false });
  return machine;
}

/** The view of a snapshot's machine, if it declares one. */
export function viewOf(s: { machine: Viewed }): KindView | undefined {
  return (s.machine.config as { [VIEW]?: KindView })[VIEW];
}

/** Is this snapshot a dma_fence of any kind? */
export function isFence(s: { machine: Viewed }): boolean {
  return viewOf(s)?.fence === true;
}

const WAIT_EDGES = {};
/**
 * All wait-for edges of the world, in object-id order (frozen): computed once per world, since the state
 * properties, their witnesses and no-deadlock each ask a state for them.
 */
export function waitEdges(w: World): readonly Edge[] {
  return onWorld(w, WAIT_EDGES, (x) => {
    const out: Edge[] = [];
    for (const id of sortedIds(x)) {
      const s = x.o[id];
      const v = viewOf(s);
      if (v?.waitEdges)
        for (const e of v.waitEdges(id, s.context, x, typeof s.value === 'string' ? s.value : JSON.stringify(s.value)))
          out.push(e);
    }
    return Object.freeze(out);
  });
}
