/**
 * The seeded bugs of issue 14 ("Plausible model bugs go unnoticed"), each a plausible one-line change
 * to a kernel path, built here beside the model instead of in it.
 */
import { defineStep, type StepDef } from '../../models/design.ts';
import type { TtmValidateArgs } from '../../models/ttm/ttm-bo.ts';
import type { TtmBoContext } from '../../models/ttm/ttm-buffer-object.ts';
import { ctx, idsOf, must, send, stateOf, tell, type World } from '../../models/world.ts';
import { ECANCELED } from '../../models/dma-buf/dma-fence.ts';
import type { DrmGpuSchedulerContext } from '../../models/drm-sched/drm-gpu-scheduler.ts';
import type { DrmSchedJobContext } from '../../models/drm-sched/drm-sched-job.ts';
import { drm_sched_job_timedout_enabled } from '../../models/drm-sched/sched-main.ts';

/**
 * (a) sched-main.ts drm_sched_job_timedout with the bug: the guilty job completes with error 0 (the
 * reset signals its finished fence as if it had run), the innocent ones still with -ECANCELED.
 */
function drm_sched_job_timedout_no_error(w: World, sched: string): World {
  const s = ctx<DrmGpuSchedulerContext>(w, sched);
  const guilty = s.pending[0];
  w = tell(w, ctx<DrmSchedJobContext>(w, guilty).entity, { type: 'DRM_SCHED_ENTITY_SET_GUILTY' });
  for (const job of s.pending) {
    const j = ctx<DrmSchedJobContext>(w, job);
    if (j.parent) {
      w = send(w, j.parent, { type: 'DMA_FENCE_REMOVE_CALLBACK', to: job }) ?? w;
      w = must(w, job, { type: 'DRM_SCHED_JOB_DETACH_PARENT' });
    }
  }
  w = must(w, s.ring, { type: 'GPU_RING_RESET' });
  for (const job of ctx<DrmGpuSchedulerContext>(w, sched).pending) {
    if (stateOf(w, job) !== 'running') continue;
    w = must(w, job, { type: 'DRM_SCHED_JOB_DONE', error: job === guilty ? 0 : ECANCELED });
  }
  return w;
}

export const guiltyWithoutError = defineStep<unknown, [sched: string]>({
  name: 'drm_sched_job_timedout',
  role: 'timer',
  actor: ([s]) => s,
  params: (w) => idsOf(w, 'drm_gpu_scheduler').map((s): [string] => [s]),
  enabled: (w, [s]) => drm_sched_job_timedout_enabled(w, s),
  apply: (w, [s]) => drm_sched_job_timedout_no_error(w, s),
  doc: 'seeded bug: TDR signals the guilty job with no error',
});

/**
 * (b) ttm-bo.ts evictable without its pin check: the victim policy sees every BO unpinned, so a BO
 * validated for work that has not run yet may be evicted again. Built on the design's own validate step
 * by showing its guard and candidates a world where no BO is pinned; the effect runs on the real world.
 */
const unpinned = (w: World): World =>
  idsOf(w, 'ttm_buffer_object').reduce(
    (x, b) =>
      stateOf(x, b) === 'idle' && ctx<TtmBoContext>(x, b).pinnedFor ? tell(x, b, { type: 'TTM_BO_UNPIN' }) : x,
    w,
  );

export function pinBlind<C>(s: StepDef<C, TtmValidateArgs>): StepDef<C, TtmValidateArgs> {
  return {
    ...s,
    params: (w, cfg) => s.params!(unpinned(w), cfg),
    enabled: (w, args, cfg) => s.enabled(unpinned(w), args, cfg),
  };
}
