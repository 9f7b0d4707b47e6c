/**
 * umf-never-blocks-dma-fence — I9 (R30, R118-R121, R125): no unsignaled dma_fence has a user memory
 * fence in its transitive dependencies. Walk the wait-for graph (models' views) from every unsignaled
 * fence through live nodes; reaching a user_memory_fence node is a violation. A user fence may depend
 * on a dma_fence, never the reverse. The one sanctioned exception is the amdgpu user-queue fence whose
 * queue has hang detection (I23, R124): its dependency on user progress is bounded by a timer started
 * at its creation.
 */
import { defineProperty } from './property.ts';
import { waitEdges, isFence, type Edge } from '../models/view.ts';
import type { World } from '../models/world.ts';
import type { DmaFenceContext } from '../models/dma-buf/dma-fence.ts';
import { sortedIds } from '../models/world.ts';

const live = (w: World, id: string) => {
  const s = w.o[id];
  return !(s && isFence(s) && s.hasTag('signaled'));
};
// the reference world's u[i] (rw_umf) is a user memory fence too
const isUmf = (w: World, id: string) => ['user_memory_fence', 'rw_umf'].includes(w.o[id]?.machine.id ?? '');

/** I23: a userq fence of a queue with hang detection is bounded, so I9 exempts it. */
function exempt(w: World, fence: string): boolean {
  const c: DmaFenceContext | undefined = w.o[fence]?.context;
  if (c?.ops !== 'userq' || !c.owner) return false;
  const owner: { hangDetect?: boolean } | undefined = w.o[c.owner]?.context;
  return owner?.hangDetect === true;
}

/** The first path (as edges) from an unsignaled dma_fence to a user memory fence, or null. */
function fenceToUmfPath(w: World): Edge[] | null {
  const adj = new Map<string, Edge[]>();
  for (const e of waitEdges(w)) {
    if (!live(w, e[0]) || !live(w, e[1])) continue;
    (adj.get(e[0]) ?? adj.set(e[0], []).get(e[0])!).push(e);
  }
  for (const id of sortedIds(w)) {
    const s = w.o[id];
    if (!isFence(s) || s.hasTag('signaled') || exempt(w, id)) continue;
    const seen = new Set<string>([id]);
    const prev = new Map<string, Edge>();
    const queue = [id];
    while (queue.length) {
      const n = queue.shift()!;
      if (isUmf(w, n)) {
        const path: Edge[] = [];
        for (let cur = n; cur !== id; cur = prev.get(cur)![0]) path.unshift(prev.get(cur)!);
        return path;
      }
      for (const e of adj.get(n) ?? []) {
        if (seen.has(e[1]) || (e[1] !== n && exempt(w, e[1]))) continue;
        seen.add(e[1]);
        prev.set(e[1], e);
        queue.push(e[1]);
      }
    }
  }
  return null;
}

export default defineProperty({
  name: 'umf-never-blocks-dma-fence',
  kind: 'state',
  rules: ['I9', 'R30', 'R118', 'R119', 'R120', 'R121', 'R125', 'I23'],
  needs: ['user_memory_fence', 'rw_umf'],
  witness: {
    what: 'something waits on an unwritten user memory fence',
    state: (w) =>
      waitEdges(w).some(([, to]) => {
        const k = w.o[to]?.machine.id;
        return k === 'user_memory_fence' || k === 'rw_umf';
      }),
  },
  statement:
    'No unsignaled dma_fence depends, transitively, on a user memory fence (except a userq fence bounded by hang ' +
    'detection, I23).',
  state: (w) => {
    const p = fenceToUmfPath(w);
    if (!p) return null;
    return (
      `dma_fence ${p[0][0]} depends on user memory fence ${p[p.length - 1][1]}: ` +
      `${p.map((e) => `${e[0]} -> ${e[1]} [${e[2]}]`).join('; ')} (I9)`
    );
  },
});
