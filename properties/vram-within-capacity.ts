/**
 * vram-within-capacity — TTM's resource manager (ttm_resource_alloc fails with -ENOSPC when the
 * placement is full, ttm_bo.c ttm_bo_alloc_resource then evicts): the BOs whose valid copy lives in
 * VRAM never exceed the design's VRAM slots (`cfg.vramSlots`, one slot per BO: ttm-buffer-object.ts
 * abstracts sizes). A BO being moved in holds no VRAM copy until its move lands, and that move waits
 * on the victim's eviction (ttm-bo.ts ttm_bo_move_buffer), so the count never overshoots.
 */
import { defineProperty } from './property.ts';
import { idsOf, stateOf } from '../models/world.ts';
import { bo } from '../models/ttm/ttm-bo.ts';

export default defineProperty({
  name: 'vram-within-capacity',
  kind: 'state',
  rules: ['R53', 'R111'],
  statement: 'The BOs resident in VRAM (valid copy there, not freed) never exceed the VRAM slots.',
  needs: ['ttm_buffer_object'],
  witness: {
    what: 'VRAM full',
    state: (w, cfg: { vramSlots?: number }) =>
      typeof cfg.vramSlots === 'number' &&
      idsOf(w, 'ttm_buffer_object').filter((b) => stateOf(w, b) !== 'freed' && bo(w, b).placement === 'VRAM').length >=
        cfg.vramSlots,
  },
  state: (w, cfg: { vramSlots?: number }) => {
    // a design with no VRAM capacity (no `vramSlots`: every BO fits) has nothing to exceed
    if (typeof cfg.vramSlots !== 'number') return null;
    const resident = idsOf(w, 'ttm_buffer_object').filter(
      (b) => stateOf(w, b) !== 'freed' && bo(w, b).placement === 'VRAM',
    );
    if (resident.length <= cfg.vramSlots) return null;
    return `${resident.join(', ')} are all resident in VRAM, which has ${cfg.vramSlots} slot(s)`;
  },
});
