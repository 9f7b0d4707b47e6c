/**
 * acyclic-waits — I7 (R20, R30, R31, R93, H1, H5): let the wait-for graph have an edge a -> b whenever
 * a cannot complete before b (job dependencies after pipelining, a finished fence on its hardware
 * fence, ring and entity order, and, from the memory-management issue on, the edges memory moves
 * add). Over live nodes (unsignaled fences, waiting threads, unwritten user fences) it must be a DAG in
 * every state. A cycle is a violation when it closes, even if a timeout would later break it: that
 * outcome is a hang, and the timeout kills someone (seed 001 "Userspace can't trust us").
 */
import { defineProperty } from './property.ts';

import { waitEdges, isFence, type Edge } from '../models/view.ts';
import { onWorld, type World } from '../models/world.ts';

/** Live = not a signaled fence. Non-fence nodes (threads, user fences) are live while they have edges. */
function isLive(w: World, id: string): boolean {
  const s = w.o[id];
  return !(s && isFence(s) && s.hasTag('signaled'));
}

/**
 * The live wait-for edges by waiting node, and whether some edge enters a node that waits itself (the
 * witness; without one there is no cycle): once per world, for the witness and the property alike.
 */
function liveWaits(w: World): { adj: Map<string, Edge[]>; chained: boolean } {
  return onWorld(w, liveWaits, (x) => {
    const adj = new Map<string, Edge[]>();
    for (const e of waitEdges(x)) {
      if (!isLive(x, e[0]) || !isLive(x, e[1])) continue;
      let l = adj.get(e[0]);
      if (!l) {
        l = [];
        adj.set(e[0], l);
      }
      l.push(e);
    }
    let chained = false;
    for (const l of adj.values()) if (l.some((e) => adj.has(e[1]))) chained = true;
    return { adj, chained };
  });
}

/** A cycle in the live wait-for graph as its edges, or null. Deterministic: nodes in sorted order. */
export function findCycle(w: World): Edge[] | null {
  const { adj, chained } = liveWaits(w);
  // a cycle needs an edge into a node that waits itself (most states have none: no search)
  if (!chained) return null;
  const color = new Map<string, number>();
  const stack: Edge[] = [];
  for (const n of [...adj.keys()].sort())
    if (!color.get(n)) {
      const r = visit(adj, color, stack, n);
      if (r) return r;
    }
  return null;
}

/** Depth-first from `n`: the first cycle closed (its edges, from the stack), or null. */
function visit(adj: Map<string, Edge[]>, color: Map<string, number>, stack: Edge[], n: string): Edge[] | null {
  color.set(n, 1);
  for (const e of adj.get(n) ?? []) {
    const c = color.get(e[1]) ?? 0;
    stack.push(e);
    if (c === 1) {
      const start = stack.findIndex((x) => x[0] === e[1]);
      return stack.slice(start);
    }
    if (c === 0) {
      const r = visit(adj, color, stack, e[1]);
      if (r) return r;
    }
    stack.pop();
  }
  color.set(n, 2);
  return null;
}

export default defineProperty({
  name: 'acyclic-waits',
  kind: 'state',
  temporal: 'safety',
  rules: ['I7', 'R20', 'R30', 'R31', 'R93', 'H1', 'H5'],
  needs: ['dma_fence'],
  witness: {
    what: 'a wait on something that itself waits (two live wait-for edges in a row)',
    state: (w) => liveWaits(w).chained,
  },
  statement: 'The wait-for graph over unsignaled fences (and the threads and user fences they wait on) has no cycle.',
  state: (w) => {
    const c = findCycle(w);
    if (!c) return null;
    return `wait-for cycle: ${c.map((e) => `${e[0]} -> ${e[1]} [${e[2]}]`).join('; ')}`;
  },
});
