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

export default defineDesign<PipelineConfig>({
  name: 'sched-dont-pipeline-vm-update',
  summary: "The update's finished fence is DONT_PIPELINE: the CS job waits for the mapping to be valid (H6 fixed).",
  source: 'H6; 7b476affcccf, 01f2cf53844b; R93',
  ...pipelineDesign(true),
  expect: {
    'no-access-while-moving': {
      verdict: 'holds',
      why: 'the job waits on vm_update.finished, and the mapping is valid from that signal on (R93, H6)',
    },
    'finite-time': { verdict: 'holds', why: 'every job completes; TDR bounds a hang (R20, R98)' },
    'one-shot': { verdict: 'holds', why: 'each fence signals once (R4)' },
    'acyclic-waits': { verdict: 'holds', why: 'jobs depend on older fences only (R93)' },
  },
});
