/**
 * implicit-sync-read-write — the twin of implicit-sync-every-write: reads are fenced READ (R62).
 *
 * Idea: the driver adds READ fences for reads and WRITE fences for writes and collects dependencies with
 *   dma_resv_usage_rw (R54, R62): each reader waits on the producer's write only, never on another
 *   reader. The design's over-synchronisation is 0, within its declared bound.
 * Source: R54, R62; seed 004; H7's fix direction (DRM_XE_VM_CREATE_FLAG_EXTOBJ_BOOKKEEP takes it further:
 *   no implicit sync at all for external BOs).
 * Changes: none. Same world and scopes as the buggy design.
 */
import { defineDesign } from '../design.ts';
import { overSyncDesign, type OverSyncConfig } from './implicit-sync-every-write.ts';
import { TDR_RECOVERS_EXPECT } from '../drm-sched/tdr-expect.ts';

export default defineDesign<OverSyncConfig>({
  name: 'implicit-sync-read-write',
  summary: 'Reads are fenced READ, writes WRITE: readers wait on the writer only (R62).',
  source: 'R54, R62; seed 004; H7',
  ...overSyncDesign(false),
  expect: {
    'acyclic-waits': { verdict: 'holds', why: 'explored: holds, precondition reached in 4278 state(s) at default' },
    'context-order': { verdict: 'holds', why: 'explored: holds, precondition reached in 4122 state(s) at default' },
    'errors-propagate': {
      verdict: 'n/a',
      why: "its precondition never occurs in this design's world (0 states reached at default)",
    },
    'innocent-context-survives': {
      verdict: 'n/a',
      why: "its precondition never occurs in this design's world (0 states reached at default)",
    },
    'no-priority-inversion': {
      verdict: 'n/a',
      why: "its precondition never occurs in this design's world (0 states reached at default)",
    },
    'over-sync-bounded': { verdict: 'holds', why: 'R54: a reader waits on WRITE fences only, never on another reader' },
    'hazard-free': { verdict: 'holds', why: "R54: every reader waits on the producer's write" },
    'finite-time': { verdict: 'holds', why: 'only kernel fences; TDR bounds a hang (R20, R98)' },
    'one-shot': { verdict: 'holds', why: 'each fence signals once (R4)' },
    ...TDR_RECOVERS_EXPECT,
  },
});
