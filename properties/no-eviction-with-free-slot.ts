/**
 * no-eviction-with-free-slot — ttm_bo.c ttm_bo_alloc_resource: eviction (ttm_bo_evict_alloc) runs only
 * after ttm_resource_alloc failed with -ENOSPC, i.e. only when VRAM is full. A step that starts moving
 * a BO out of VRAM while it starts moving another one in is an eviction; VRAM must have been full
 * before it (every slot held or claimed by a BO whose copy is, or is about to be, in VRAM).
 */
import { defineProperty } from './property.ts';
import type { World } from '../models/world.ts';
import { idsOf, stateOf } from '../models/world.ts';
import { inVram, type TtmBoContext } from '../models/ttm/ttm-buffer-object.ts';

const c = (w: World, b: string): TtmBoContext | undefined => w.o[b]?.context;
/** BOs that start, in this step, a move with target `into` (VRAM) or away from VRAM (`into` false). */
function started(before: World, after: World, into: boolean): string[] {
  return idsOf(after, 'ttm_buffer_object').filter((b) => {
    const now = c(after, b);
    const was = c(before, b);
    if (!now || !was || now.moveFence === '' || now.moveFence === was.moveFence) return false;
    return into ? now.target === 'VRAM' : now.target !== 'VRAM' && was.placement === 'VRAM';
  });
}

export default defineProperty({
  name: 'no-eviction-with-free-slot',
  kind: 'step',
  rules: ['R53', 'R111'],
  statement: 'A BO is evicted from VRAM to make room for another only when every VRAM slot is taken.',
  needs: ['ttm_buffer_object'],
  witness: {
    what: 'a BO evicted to make room for another',
    step: (before, _a, after) => started(before, after, false).length > 0 && started(before, after, true).length > 0,
  },
  step: (before, a, after, cfg: { vramSlots: number }) => {
    const out = started(before, after, false);
    if (!out.length || !started(before, after, true).length) return null;
    const used = idsOf(before, 'ttm_buffer_object').filter(
      (b) => stateOf(before, b) !== 'freed' && inVram(c(before, b)!),
    );
    if (used.length >= cfg.vramSlots) return null;
    return `${a.label} evicted ${out.join(', ')} while VRAM had ${cfg.vramSlots - used.length} free slot(s)`;
  },
});
