/**
 * entity-kill-bounded-dep — the fixed twin of entity-kill-unbounded-dep (H11).
 *
 * Idea: every fence a job may depend on has a bound (R20): the compute scheduler has a finite timeout,
 *   so a hung compute job is reset and its finished fence signals with -ETIME (R98-R102). The killed
 *   client's teardown (R105) then completes each queued job with -ESRCH and frees it.
 * Source: H11; R20, R98-R102, R105; I10.
 * Changes: none. Same world and scopes as the buggy design.
 */
import { defineDesign } from '../design.ts';
import { entityKillDesign, type EntityKillConfig } from './entity-kill-unbounded-dep.ts';
import { TDR_RECOVERS_EXPECT } from '../drm-sched/tdr-expect.ts';

export default defineDesign<EntityKillConfig>({
  name: 'entity-kill-bounded-dep',
  summary: "Every dependency is bounded by a timeout, so a killed client's teardown always finishes (H11 fixed).",
  source: 'H11; R20, R98-R102, R105',
  ...entityKillDesign(true),
  expect: {
    'acyclic-waits': { verdict: 'holds', why: 'explored: holds, precondition reached in 30 state(s) at default' },
    'context-order': {
      verdict: 'n/a',
      why: "its precondition never occurs in this design's world (0 states reached at default)",
    },
    'errors-propagate': {
      verdict: 'n/a',
      why: "its precondition never occurs in this design's world (0 states reached at default)",
    },
    'hazard-free': {
      verdict: 'n/a',
      why: "its precondition never occurs in this design's world (0 states reached at default)",
    },
    'innocent-context-survives': {
      verdict: 'holds',
      why: 'explored: holds, precondition reached in 164 state(s) at default',
    },
    'no-priority-inversion': {
      verdict: 'n/a',
      why: "its precondition never occurs in this design's world (0 states reached at default)",
    },
    'memory-eventually-freed': {
      verdict: 'holds',
      why: 'the hang is reset, the teardown completes every queued job with -ESRCH and free_job drops it (R105)',
    },
    'finite-time': { verdict: 'holds', why: 'TDR bounds the compute job; teardown follows (R98-R102, R105)' },
    'one-shot': { verdict: 'holds', why: 'each fence signals once (R4)' },
    ...TDR_RECOVERS_EXPECT,
  },
});
