/**
 * sched-priority-compositor — a compositor on drm_sched's HIGH run queue sharing a ring with clients.
 *
 * Idea: single-fifo-implicit's device, where process 0 is the compositor, its entity created at
 *   DRM_SCHED_PRIORITY_HIGH (amdgpu: AMDGPU_CTX_PRIORITY_HIGH, allowed for DRM master or CAP_SYS_NICE,
 *   amdgpu_ctx_priority_permit), and the clients at NORMAL and LOW. drm_sched_select_entity walks the
 *   run queues from KERNEL down and takes the first with a ready entity, so whenever the compositor's
 *   job is ready no client job is selected before it; what the compositor can still wait behind is the
 *   client work already on the ring (at most credit_limit jobs: drm_sched does not preempt).
 * Source: issue 16 no-priority-inversion; reference §1.11 "run-queues per priority"; sched_main.c
 *   drm_sched_select_entity ("Kernel run queue has higher priority than normal run queue").
 * Changes: single-fifo-implicit's scopes with `priorities`; the compositor's jobs sample the clients'
 *   buffers through implicit sync (a dependency is waiting, not inversion).
 * Related: sched-priority-one-rq (the same clients on a scheduler with one run queue).
 */
import { defineDesign } from '../design.ts';
import base, { type SingleFifoConfig } from './single-fifo-implicit.ts';

const small: SingleFifoConfig = {
  processes: 3,
  jobs: 1,
  // job k of process p writes bo(p+k) and reads bo(p+k+1): the compositor samples proc1's buffer, and
  // proc2's work is independent of the compositor's, so the two compete for the ring
  bos: 4,
  maxHangs: 0,
  tdr: true,
  creditLimit: 1,
  timeouts: 0,
  priorities: ['HIGH', 'NORMAL', 'LOW'],
};

export const PRIORITY_CONFIGS: Record<string, SingleFifoConfig> = {
  small,
  default: { ...small, maxHangs: 1, timeouts: 1 },
  large: { ...small, jobs: 2, creditLimit: 2, maxHangs: 1, timeouts: 1 },
};

export default defineDesign<SingleFifoConfig>({
  ...base,
  name: 'sched-priority-compositor',
  summary: "The compositor's entity on drm_sched's HIGH run queue: client jobs never overtake its ready work.",
  source: 'issue 16 no-priority-inversion; sched_main.c drm_sched_select_entity; enum drm_sched_priority',
  configs: PRIORITY_CONFIGS,
  bounds: {
    exhaustive: { config: 'small', depth: 60, maxStates: 200_000 },
    random: { config: 'default', depth: 80, runs: 300 },
  },
  expect: {
    ...base.expect,
    'no-priority-inversion': {
      verdict: 'holds',
      why: 'drm_sched_select_entity serves the HIGH run queue first whenever it has a ready entity',
    },
    'context-order': {
      verdict: 'n/a',
      why:
        'never reached here (two fences of one context in flight, the earlier one unsignalled) in small+default: ' +
        'exploration (issue 11.2)',
    },
  },
});
