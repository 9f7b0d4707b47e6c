/**
 * finite-time — I10 (R20, R30, R98, R102, R105): every published dma_fence signals in finite time. From
 * any reachable state, stop userspace and let the kernel, the GPU and timers run under a fair schedule
 * (the engine's drain: timeouts fire, hangs are detected, resets run, no new faults). When the drain
 * settles, every fence anyone can see (installed in a resv, syncobj, sync_file or dependency list) must
 * be signaled. A fence only userspace could signal stays unsignaled in a drain, so it counts against
 * the design (R30). A drain that does not settle within its bound is a livelock and a violation too.
 * On the state graph (`graph`, src/explore/liveness.ts) every fair schedule counts, not the drain's one:
 * the obligations are the published, unsignalled fences; a weakly fair cycle of kernel, GPU and timer
 * steps that keeps one unsignalled is a livelock.
 */
import { defineProperty, DRAIN_ROLES } from './property.ts';
import { isFence } from '../models/view.ts';

import type { DmaFenceContext } from '../models/dma-buf/dma-fence.ts';
import type { World } from '../models/world.ts';
import { dma_fence_is_signaled } from '../models/dma-buf/dma-fence-api.ts';

/**
 * Published fences not signalled at w, by id (sorted). A fence counts as signalled when
 * dma_fence_is_signaled() would report it (R41: a dma_fence_array nobody enabled signalling on still
 * signals on the first poll once its children have), since any waiter sees it signalled.
 */
function unsignalled(w: World): string[] {
  const out: string[] = [];
  for (const id in w.o) {
    const s = w.o[id];
    if (!isFence(s) || s.hasTag('signaled') || !(s.context as DmaFenceContext).published) continue;
    if (!dma_fence_is_signaled(w, id).signaled) out.push(id);
  }
  // sorted once, the few it keeps, not every id of every state
  return out.sort();
}

const finiteTime = defineProperty({
  name: 'finite-time',
  kind: 'drain',
  temporal: 'liveness',
  observes: { roles: DRAIN_ROLES },
  rules: ['I10', 'R20', 'R30', 'R98', 'R102'],
  needs: ['dma_fence'],
  witness: {
    what: 'a published fence not signalled yet',
    state: (w) =>
      Object.values(w.o).some((s) => isFence(s) && !s.hasTag('signaled') && (s.context as DmaFenceContext).published),
  },
  statement:
    'Once published, a dma_fence signals after finitely many kernel, GPU and timer steps, with userspace stopped.',
  drain: (_from, r) => {
    if (!r.settled)
      return (
        `the kernel, GPU and timers did not settle within ${r.bound} steps (livelock); last steps: ` +
        `${r.labels.slice(-4).join(', ')}`
      );
    const w = r.settled;
    const stuck = unsignalled(w).map((id) =>
      (w.o[id].context as DmaFenceContext).signaller === 'user' ? `${id} (only userspace can signal it)` : id,
    );
    if (!stuck.length) return null;
    return (
      `published fences never signal once userspace stops: ` +
      `${stuck.slice(0, 6).join(', ')}${stuck.length > 6 ? ` and ${stuck.length - 6} more` : ''}`
    );
  },
});

export default Object.assign(finiteTime, {
  graph: {
    unmet: unsignalled,
    cycle: (open: string[]) =>
      `published fences never signal: ${open.slice(0, 6).join(', ')}${open.length > 6 ? ', ...' : ''} ` +
      `stay${open.length > 1 ? '' : 's'} unsignalled`,
  },
});
