/**
 * dma-resv-error-propagation — dma-resv-implicit with a driver that propagates dependency errors:
 * a job whose dependency signaled with an error is skipped, and its finished fence carries that error.
 *
 * Idea: drm_sched keeps every dependency in job->dependencies until free_job; the driver's run_job
 *   looks at them (all have signaled by then, R93) and, if one carries an error, returns no hardware
 *   fence and completes the job with that error (R95, R96), as a guilty entity's job is completed with
 *   -ECANCELED (R94). i915 does this for its requests (a request awaiting a fence takes the fence's
 *   error, i915_sw_fence_await_dma_fence; a request with a fatal error is skipped). The error then
 *   reaches every consumer down the chain, implicit or explicit, instead of stopping at the first hop.
 * Source: R6, R93-R96; drivers/gpu/drm/scheduler/sched_entity.c (drm_sched_job_dependency,
 *   drm_sched_entity_pop_job); seed 001 "Userspace can't trust us" (errors must reach the consumer).
 * Changes: relative to dma-resv-implicit, `depErrors: 'propagate'` (buffer-sharing's run_job); same
 *   scopes.
 */
import { defineDesign } from '../design.ts';
import base, { implicitConfig } from './dma-resv-implicit.ts';

export default defineDesign({
  ...base,
  name: 'dma-resv-error-propagation',
  summary:
    "dma-resv-implicit with a driver run_job that skips a job whose dependency failed and signals the dependency's " +
    'error (i915-style error propagation).',
  source: 'R6, R93-R96; sched_entity.c drm_sched_entity_pop_job; i915_sw_fence_await_dma_fence',
  configs: {
    small: implicitConfig({ frames: 1, readers: 1, maxHangs: 1, creditLimit: 2, depErrors: 'propagate' }),
    default: implicitConfig({ frames: 1, readers: 2, maxHangs: 1, creditLimit: 2, depErrors: 'propagate' }),
    large: implicitConfig({ frames: 2, readers: 2, maxHangs: 1, creditLimit: 2, depErrors: 'propagate' }),
  },
  expect: {
    ...base.expect,
    'errors-propagate': {
      verdict: 'holds',
      why:
        'run_job sees every dependency signaled (R93) and completes a job whose dependency failed with that error ' +
        '(R96); a job already on the ring when its producer hangs is reset with it (-ECANCELED, R102)',
    },
    'over-sync-bounded': {
      verdict: 'holds',
      why:
        "shown by exploration (applies by default, issue 14.2); a job waiting on another job's fence: reached 2752 " +
        'times',
    },
  },
});
