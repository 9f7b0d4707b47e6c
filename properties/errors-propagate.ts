/**
 * errors-propagate — R6, R7, R93, R94, R96, I22: a job that consumed a producer fence signaled with an
 * error does not complete normally.
 *
 * Why: a dma_fence's error is how a producer says "what I was to produce is not there" (R6: -ENODATA,
 * -ECANCELED, -ETIME after a reset). A consumer whose input was never produced read garbage; if its own
 * finished fence then signals with error 0, everything downstream (a compositor, KMS, the next frame)
 * takes the garbage for a good result, and the error is lost at the first hop.
 * What the consumer may do: be skipped or run, but its finished fence must carry an error (R96: the
 * result becomes the fence's error): the dependency's own error (i915 propagates it: a request awaiting
 * a fence takes the fence's error, i915_sw_fence_await_dma_fence, and a request with a fatal error is
 * skipped), or -ECANCELED as for a guilty entity's job (R94). What it may not do: signal error 0.
 * What drm_sched does: nothing. drm_sched_entity_pop_job (sched_entity.c) walks job->dependencies with
 * drm_sched_job_dependency and only waits; a dependency's error matters only to pipelining
 * (drm_sched_entity_add_dependency_cb does not wait on `scheduled` for a fence with an error, R93); it
 * sets `job->s_fence->finished.error` only for a guilty entity (-ECANCELED, R94), and
 * drm_sched_entity_kill_jobs_cb waits for the dependencies "to avoid data corruptions" and then uses
 * -ESRCH, its own error (R105). Whether a dependency's error reaches the job is the driver's run_job
 * (amdgpu_job_run skips the IBs only when `finished->error` is already set).
 *
 * Read: the access records (g[`access:<job>`], models/userspace/buffer-sharing.ts): `deps`, every fence
 * the job was told to wait on (the kernel's job->dependencies), and the job's end fence (default
 * `<job>.finished`). "Consumed": the fence, or a leaf of it (R50), had signaled with an error when the
 * job's finished fence signaled. A step property, judged at the step where the finished fence signals.
 */
import { defineProperty } from './property.ts';
import type { World } from '../models/world.ts';
import type { DmaFenceContext } from '../models/dma-buf/dma-fence.ts';
import { dma_fence_unwrap } from '../models/dma-buf/dma-fence-unwrap.ts';
import { accessRecords, type AccessRecord } from '../models/userspace/buffer-sharing.ts';

const signaled = (w: World, id: string): boolean => !!w.o[id]?.hasTag('signaled');
const errorOf = (w: World, id: string): number => (signaled(w, id) ? (w.o[id].context as DmaFenceContext).error : 0);

/** The first dependency fence (or leaf of one) of `r` that has signaled with an error in `w`, or null. */
function failedDependency(w: World, r: AccessRecord): string | null {
  for (const d of r.deps) for (const f of [d, ...dma_fence_unwrap(w, d)]) if (errorOf(w, f) < 0) return f;
  return null;
}

/** Records whose end fence signals in this transition, with the end fence. */
function endingNow(before: World, after: World): [string, AccessRecord, string][] {
  const out: [string, AccessRecord, string][] = [];
  for (const [id, r] of accessRecords(after)) {
    const end = r.end ?? `${id}.finished`;
    if (!signaled(before, end) && signaled(after, end)) out.push([id, r, end]);
  }
  return out;
}

export default defineProperty({
  name: 'errors-propagate',
  kind: 'step',
  rules: ['R6', 'R7', 'R93', 'R94', 'R96', 'R105', 'I22'],
  needs: ['drm_sched_job'],
  // Judged only where declared: it reads the access records, which only the sharing designs write
  // (models/userspace/buffer-sharing.ts); elsewhere every drm_sched design would be vacuous.
  statement:
    'A job one of whose dependencies signaled with an error completes with an error (skipped, or carrying the ' +
    "dependency's error or -ECANCELED), never as a normal completion (error 0).",
  witness: {
    what: 'a job completes after one of its dependencies signaled with an error',
    step: (before, _a, after) => endingNow(before, after).some(([, r]) => failedDependency(after, r) !== null),
  },
  step: (before, a, after) => {
    for (const [id, r, end] of endingNow(before, after)) {
      const bad = failedDependency(after, r);
      if (bad && errorOf(after, end) === 0)
        return (
          `${id} completed normally (${end} error 0) although its dependency ${bad} signaled with error ` +
          `${errorOf(after, bad)} (at ${a.label})`
        );
    }
    return null;
  },
});
