/**
 * eviction-after-fences — I19 (R53, R59, R111, R115; ttm_bo_wait_ctx waits on BOOKKEEP): a BO's
 * backing store starts moving, or is freed, only once every fence of its resv with usage <= BOOKKEEP
 * has signaled (its own move fence aside, and the fences of work that waits for this very move: a job
 * validated into VRAM has not run, its fence is a future access, H5). Preempt and eviction fences satisfy this by
 * being BOOKKEEP
 * entries that eviction enables.
 */
import { defineProperty } from './property.ts';
import type { World } from '../models/world.ts';
import { isFence } from '../models/view.ts';
import type { DmaResvContext } from '../models/dma-buf/dma-resv.ts';
import type { TtmBoContext } from '../models/ttm/ttm-buffer-object.ts';

const signaled = (w: World, id: string) => {
  const s = w.o[id];
  return !!s && isFence(s) && s.hasTag('signaled');
};

export default defineProperty({
  name: 'eviction-after-fences',
  kind: 'step',
  rules: ['I19', 'R53', 'R59', 'R111', 'R115'],
  statement: 'A BO starts moving or is freed only after every fence of its resv (usage <= BOOKKEEP) has signaled.',
  needs: ['ttm_buffer_object'],
  witness: {
    what: 'a BO starts moving or is freed while its resv has held fences',
    step: (before, _a, after) =>
      Object.keys(after.o).some((id) => {
        const s = after.o[id];
        if (s.machine.id !== 'ttm_buffer_object' || before.o[id]?.value === s.value) return false;
        if (s.value !== 'moving' && s.value !== 'freed') return false;
        const resv: DmaResvContext | undefined = after.o[(s.context as TtmBoContext).resv]?.context;
        return (resv?.fences.length ?? 0) > 0;
      }),
  },
  step: (before, a, after) => {
    for (const id of Object.keys(after.o).sort()) {
      const s = after.o[id];
      if (s.machine.id !== 'ttm_buffer_object') continue;
      const was = before.o[id]?.value;
      if (!(s.value === 'moving' || s.value === 'freed') || was === s.value) continue;
      const c: TtmBoContext = s.context;
      const resv: DmaResvContext | undefined = after.o[c.resv]?.context;
      const old: TtmBoContext = before.o[id].context;
      const mine = s.value === 'moving' ? c.moveFence : old.moveFence;
      const waiters = s.value === 'moving' ? c.neededBy : [];
      const open = (resv?.fences ?? []).filter(
        (e) => e.fence !== mine && !waiters.includes(e.fence) && !signaled(after, e.fence),
      );
      if (open.length)
        return (
          `${id} ${s.value === 'moving' ? 'started moving' : 'was freed'} at ${a.label} while its resv still ` +
          `holds unsignaled ${open.map((e) => `${e.fence} (${e.usage})`).join(', ')} (I19)`
        );
    }
    return null;
  },
});
