/**
 * ttm-wait-move-fence — the fixed twin of ttm-ignore-move-fence (H9), as mainline does it.
 *
 * Idea: move fences are first-class resv entries with DMA_RESV_USAGE_KERNEL, and every access syncs at
 *   dma_resv_usage_rw(write), which includes KERNEL (R53: a query returns every lower usage). The job
 *   waits for the copy; the BO is in VRAM when it runs.
 * Source: H9's fix, b29895e18304 "dma-buf: add DMA_RESV_USAGE_KERNEL v3"; R53, R54; I19.
 * Changes: none. Same world and scopes as the buggy design.
 */
import { defineDesign } from '../design.ts';
import { TTM_EXPECTATIONS } from '../ttm/ttm-bo.ts';
import { MOVE_FENCE_NA, moveFenceDesign, type MoveFenceConfig } from './ttm-ignore-move-fence.ts';
import { TDR_RECOVERS_EXPECT } from '../drm-sched/tdr-expect.ts';

export default defineDesign<MoveFenceConfig>({
  name: 'ttm-wait-move-fence',
  summary: 'The CS syncs on the resv at dma_resv_usage_rw, KERNEL move fences included (H9 fixed).',
  source: 'H9; R53, R54; I19',
  ...moveFenceDesign(false),
  expect: {
    'acyclic-waits': { verdict: 'holds', why: 'explored: holds, precondition reached in 572 state(s) at default' },
    'context-order': { verdict: 'holds', why: 'explored: holds, precondition reached in 262 state(s) at default' },
    ...MOVE_FENCE_NA,
    ...TTM_EXPECTATIONS,
    'no-access-while-moving': { verdict: 'holds', why: 'the job depends on the KERNEL move fence (R53)' },
    'eviction-after-fences': { verdict: 'holds', why: 'TTM waits on every resv fence before a move (I19)' },
    'finite-time': { verdict: 'holds', why: 'moves and jobs complete; TDR bounds hangs (R20, R98)' },
    'one-shot': { verdict: 'holds', why: 'each fence signals once (R4)' },
    ...TDR_RECOVERS_EXPECT,
  },
});
