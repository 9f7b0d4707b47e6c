/**
 * dma_fence jobs that touch BOs and user memory fences: the drm_sched flows of
 * models/drm-sched/sched-main.ts with TTM validation (H5: validate, then run; the job waits on the
 * move) and the GPU's end-of-batch store to a user memory fence (R119). Shared by umf-wrapped,
 * umf-wrapped-timeout, umf-wait-in-userspace.
 *
 * The driver side is `residentJobOps`, the scheduler's ENTITY READINESS extension: prepare_job has no
 * dependency left once every BO of the job is resident and not moving (I19, R53 KERNEL fences).
 * `bos:<job>` lists the BOs a job touches while it is on the hardware: prepare_job reads it, and so
 * does the no-access-while-moving property.
 */
import type { Json, World } from '../world.ts';
import { ctx, idsOf, setG, send, tell } from '../world.ts';
import { defineStep, type StepDef } from '../design.ts';
import type { DrmSchedJobContext } from '../drm-sched/drm-sched-job.ts';
import type { DrmSchedEntityContext } from '../drm-sched/drm-sched-entity.ts';
import { drm_sched_entity_head_unblocked, type DrmSchedBackendOps } from '../drm-sched/sched-main.ts';
import { resident, bo, can_ttm_bo_validate, ttm_bo_move_buffer, validateChoices } from '../ttm/ttm-bo.ts';
import { isSignaled } from '../dma-buf/dma-fence.ts';

export const jobBos = (w: World, job: string): string[] => {
  const v: Json | undefined = w.g[`bos:${job}`];
  return Array.isArray(v) ? v.filter((b): b is string => typeof b === 'string') : [];
};
export const setJobBos = (w: World, job: string, bos: string[]): World => setG(w, { [`bos:${job}`]: bos });

/** R119: the batch's last command stores `value` into `umf`; a cancelled batch (error) never does. */
export function storeAtJobEnd(w: World, job: string, umf: string, value: number): World {
  const cb = { to: umf, ev: { type: 'UMF_WRITE', value } };
  return send(w, `${job}.finished`, { type: 'DMA_FENCE_ADD_CALLBACK', cb }) ?? w;
}

/** Head jobs prepare_job is asked about: dependencies signaled (R93), entity not guilty (R94). */
function headJobs(w: World): string[] {
  const out: string[] = [];
  for (const e of idsOf(w, 'drm_sched_entity')) {
    const h = drm_sched_entity_head_unblocked(w, e);
    if (h !== undefined && !ctx<DrmSchedEntityContext>(w, e).guilty) out.push(h);
  }
  return out;
}

/** A BO pinned for a job's finished fence stays pinned until that job ran. */
export const pinnedUntilRun = (w: World) => (who: string) =>
  who.endsWith('.finished') &&
  !isSignaled(w, who) &&
  ctx<DrmSchedJobContext>(w, who.slice(0, -'.finished'.length)).parent === '';

const FREE_SLOT = 'free slot';
const victimOf = (choice: string): string => (choice === FREE_SLOT ? '' : choice.replace(/^evict /, ''));

/** prepare_job: validate a BO the head job needs into VRAM, evicting a victim if VRAM is full (H5, I19). */
type ValidateArgs = [job: string, bo: string, choice: string];

export function ttmValidateForJobs<C>(capacity: (cfg: C) => number): StepDef<C, ValidateArgs> {
  const choices = (w: World) => [FREE_SLOT, ...idsOf(w, 'ttm_buffer_object').map((v) => `evict ${v}`)];
  return defineStep<C, ValidateArgs>({
    name: 'ttm_bo_validate',
    role: 'kernel',
    actor: () => 'ttm',
    params: (w) =>
      headJobs(w).flatMap((j) => jobBos(w, j).flatMap((b) => choices(w).map((v): ValidateArgs => [j, b, v]))),
    // ttm_bo_validate's own guard, plus this caller's victim policy (BOs pinned for a job not yet run).
    enabled: (w, [, b, v], cfg) =>
      can_ttm_bo_validate(w, b, victimOf(v), capacity(cfg)) &&
      validateChoices(w, b, capacity(cfg), pinnedUntilRun(w)).includes(victimOf(v)),
    apply: (w, [j, b, v]) => {
      const f = `${j}.finished`;
      return ttm_bo_move_buffer(w, b, victimOf(v), [f], [f]);
    },
    doc:
      'H5, I19: prepare_job validates the BO; a full VRAM evicts a victim whose move waits on its resv; ' +
      'the job waits on the move',
  });
}

/**
 * The driver's drm_sched_backend_ops for these jobs: prepare_job is done once every BO is resident
 * (I19, H5); run_job unpins the BOs validation pinned for this job.
 */
export const residentJobOps: DrmSchedBackendOps = {
  prepare_job: (w, job) => jobBos(w, job).every((b) => resident(w, b)),
  run_job: (w, job) => {
    for (const b of jobBos(w, job)) {
      if (bo(w, b).pinnedFor === `${job}.finished`) w = tell(w, b, { type: 'TTM_BO_UNPIN' });
    }
    return w;
  },
};
