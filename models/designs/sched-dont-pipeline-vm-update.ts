/**
 * sched-dont-pipeline-vm-update — the fixed twin of sched-pipeline-vm-update (H6), as mainline does it.
 *
 * Idea: the page-table update's finished fence carries DRM_SCHED_FENCE_DONT_PIPELINE, so a job that
 *   depends on it waits for the update to finish (its TLB flush included), not merely to be scheduled.
 * Source: H6's fix: 7b476affcccf "drm/sched: add DRM_SCHED_FENCE_DONT_PIPELINE flag" and 01f2cf53844b
 *   (amdgpu VM updates); R93.
 * Changes: none. Same world and scopes as the buggy design.
 */
import { defineDesign } from '../design.ts';
import { pipelineDesign, type PipelineConfig } from './sched-pipeline-vm-update.ts';
import { TDR_RECOVERS_EXPECT } from '../drm-sched/tdr-expect.ts';

export default defineDesign<PipelineConfig>({
  name: 'sched-dont-pipeline-vm-update',
  summary: "The update's finished fence is DONT_PIPELINE: the CS job waits for the mapping to be valid (H6 fixed).",
  source: 'H6; 7b476affcccf, 01f2cf53844b; R93',
  ...pipelineDesign(true),
  expect: {
    'context-order': { verdict: 'holds', why: 'explored: holds, precondition reached in 622 state(s) at default' },
    'errors-propagate': {
      verdict: 'n/a',
      why: "its precondition never occurs in this design's world (0 states reached at default)",
    },
    'eviction-after-fences': {
      verdict: 'n/a',
      why: "its precondition never occurs in this design's world (0 states reached at default)",
    },
    'hazard-free': {
      verdict: 'n/a',
      why: "its precondition never occurs in this design's world (0 states reached at default)",
    },
    'hw-access-resident': {
      verdict: 'n/a',
      why:
        "the job's BO is mapped through a VM update into GTT page tables, not placed in VRAM: VRAM residency " +
        '(I19 as hw-access-resident states it) is not what H6 is about; no-access-while-moving judges the mapping',
    },
    'innocent-context-survives': {
      verdict: 'violates',
      why:
        "R102: a reset cancels the other entities' pending jobs on the ring (-ECANCELED collateral), as drm_sched " +
        'does',
    },
    'memory-eventually-freed': {
      verdict: 'n/a',
      why: "its precondition never occurs in this design's world (0 states reached at default)",
    },
    'no-eviction-with-free-slot': {
      verdict: 'n/a',
      why: "its precondition never occurs in this design's world (0 states reached at default)",
    },
    'no-priority-inversion': {
      verdict: 'n/a',
      why: "its precondition never occurs in this design's world (0 states reached at default)",
    },
    'vram-within-capacity': { verdict: 'n/a', why: 'the design declares no VRAM slots (no placement pressure here)' },
    'no-access-while-moving': {
      verdict: 'holds',
      why: 'the job waits on vm_update.finished, and the mapping is valid from that signal on (R93, H6)',
    },
    'finite-time': { verdict: 'holds', why: 'every job completes; TDR bounds a hang (R20, R98)' },
    'one-shot': { verdict: 'holds', why: 'each fence signals once (R4)' },
    'acyclic-waits': { verdict: 'holds', why: 'jobs depend on older fences only (R93)' },
    ...TDR_RECOVERS_EXPECT,
  },
});
