/**
 * reset-completes-with-error — I22, R99-R102, R96 (sched_main.c drm_sched_job_timedout, the driver's
 * timedout_job, drm_sched_start): when a hung ring is reset, every job that was on it completes with
 * an error: the guilty one with -ETIME, the others with -ECANCELED (amdgpu_job_timedout,
 * dma_fence_set_error before drm_sched_fence_finished). A finished fence that signals with error 0 after
 * a reset tells its waiters the work ran when it did not. A step property on the transition that resets
 * the ring: hang-recovers-with-error judges the hardware fences of the hung ring, this one the jobs'
 * finished fences.
 */
import { defineProperty } from './property.ts';
import type { World } from '../models/world.ts';
import { idsOf, stateOf } from '../models/world.ts';
import type { DrmGpuSchedulerContext } from '../models/drm-sched/drm-gpu-scheduler.ts';
import type { DrmSchedJobContext } from '../models/drm-sched/drm-sched-job.ts';
import type { DmaFenceContext } from '../models/dma-buf/dma-fence.ts';
import type { GpuRingContext } from '../models/gpu/gpu-ring.ts';

const ringHung = (w: World, r: string) => (w.o[r]?.context as GpuRingContext | undefined)?.hung === true;

/** The schedulers whose hung ring this transition resets, with a job running on it. */
const resets = (before: World, after: World) =>
  idsOf(before, 'drm_gpu_scheduler').filter((s) => {
    const sc: DrmGpuSchedulerContext = before.o[s].context;
    return (
      ringHung(before, sc.ring) && !ringHung(after, sc.ring) && sc.pending.some((j) => stateOf(before, j) === 'running')
    );
  });

export default defineProperty({
  name: 'reset-completes-with-error',
  kind: 'step',
  rules: ['I22', 'R96', 'R99', 'R102'],
  statement: 'When a hung ring is reset, every job that was running on it completes with an error.',
  needs: ['drm_gpu_scheduler'],
  witness: {
    what: 'a hung ring reset with a job running on it',
    step: (before, _a, after) => resets(before, after).length > 0,
  },
  step: (before, a, after) => {
    for (const s of resets(before, after)) {
      const sc: DrmGpuSchedulerContext = before.o[s].context;
      for (const job of sc.pending) {
        if (stateOf(before, job) !== 'running') continue;
        const f = (before.o[job].context as DrmSchedJobContext).finished;
        const fs = after.o[f];
        if (!fs?.hasTag('signaled'))
          return `${f} of ${job}, running on ${sc.ring}, is not signaled by its reset at ${a.label}`;
        if ((fs.context as DmaFenceContext).error === 0)
          return `${f} of ${job}, running on hung ${sc.ring}, signaled without an error at the reset ${a.label} (I22)`;
      }
    }
    return null;
  },
});
