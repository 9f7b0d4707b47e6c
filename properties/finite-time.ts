/**
 * finite-time — I10 (R20, R30, R98, R102, R105): every published dma_fence signals in finite time. From
 * any reachable state, stop userspace and let the kernel, the GPU and timers run under a fair schedule
 * (the engine's drain: timeouts fire, hangs are detected, resets run, no new faults). When the drain
 * settles, every fence anyone can see (installed in a resv, syncobj, sync_file or dependency list) must
 * be signaled. A fence only userspace could signal stays unsignaled in a drain, so it counts against
 * the design (R30). A drain that does not settle within its bound is a livelock and a violation too.
 */
import { defineProperty, DRAIN_ROLES } from './property.ts';
import { isFence } from '../models/view.ts';

import type { DmaFenceContext } from '../models/dma-buf/dma-fence.ts';

export default defineProperty({
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
    const stuck: string[] = [];
    for (const id of Object.keys(r.settled.o).sort()) {
      const s = r.settled.o[id];
      if (!isFence(s) || s.hasTag('signaled')) continue;
      const c = s.context as DmaFenceContext;
      if (c.published) stuck.push(c.signaller === 'user' ? `${id} (only userspace can signal it)` : id);
    }
    if (!stuck.length) return null;
    return (
      `published fences never signal once userspace stops: ` +
      `${stuck.slice(0, 6).join(', ')}${stuck.length > 6 ? ` and ${stuck.length - 6} more` : ''}`
    );
  },
});
