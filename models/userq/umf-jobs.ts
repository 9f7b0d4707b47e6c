/**
 * dma_fence jobs that touch BOs and user memory fences: the drm_sched flows of models/drm-sched/sched-main.ts with
 * TTM validation (H5: validate, then run; the job waits on the move) and the GPU's end-of-batch store
 * to a user memory fence (R119). Shared by umf-wrapped, umf-wrapped-timeout, umf-wait-in-userspace.
 *
 * Ghost data: `bos:<job>` lists the BOs a job touches while it is on the hardware (no-access-while-moving).
 */
import type { World } from '../world.ts';
import { ctx, idsOf, setG, send, tell } from '../world.ts';
import type { StepDef } from '../design.ts';
import type { DrmSchedJobContext } from '../drm-sched/drm-sched-job.ts';
import type { DrmSchedEntityContext } from '../drm-sched/drm-sched-entity.ts';
import { drm_sched_run_job } from '../drm-sched/sched-main.ts';
import { resident, bo, boIdle, ttm_bo_validate, validateChoices } from '../ttm/ttm-bo.ts';
import { isSignaled } from '../dma-buf/dma-fence.ts';

export const jobBos = (w: World, job: string): string[] => (w.g[`bos:${job}`] as string[] | undefined) ?? [];
export const setJobBos = (w: World, job: string, bos: string[]): World => setG(w, { [`bos:${job}`]: bos });

/** R119: the batch's last command stores `value` into `umf`; a cancelled batch (error) never does. */
export function storeAtJobEnd(w: World, job: string, umf: string, value: number): World {
  return send(w, `${job}.finished`, { type: 'DMA_FENCE_ADD_CALLBACK', cb: { to: umf, ev: { type: 'UMF_WRITE', value } } }) ?? w;
}

/** Queued head jobs whose dependencies signaled (R93: prepare_job runs after them). */
function headJobs(w: World): string[] {
  const out: string[] = [];
  for (const e of idsOf(w, 'drm_sched_entity')) {
    const h = ctx<DrmSchedEntityContext>(w, e).queue[0];
    if (h && ctx<DrmSchedJobContext>(w, h).deps.length === 0 && !ctx<DrmSchedEntityContext>(w, e).guilty) out.push(h);
  }
  return out;
}

/** A BO pinned for a job's finished fence stays pinned until that job ran. */
const pinnedUntilRun = (w: World) => (who: string) => who.endsWith('.finished') && !isSignaled(w, who) && ctx<DrmSchedJobContext>(w, who.slice(0, -'.finished'.length)).parent === '';

/** prepare_job: validate a BO the head job needs into VRAM, evicting a victim if VRAM is full (H5, I19). */
export function ttmValidateForJobs<C>(capacity: (cfg: C) => number): StepDef<C> {
  return {
    name: 'ttm_bo_validate',
    role: 'kernel',
    actor: () => 'ttm',
    params: (w, cfg) =>
      headJobs(w).flatMap((j) =>
        jobBos(w, j).filter((b) => boIdle(w, b) && bo(w, b).placement !== 'VRAM')
          .flatMap((b) => validateChoices(w, b, capacity(cfg), pinnedUntilRun(w)).map((v) => [j, b, v ? `evict ${v}` : 'free slot']))),
    apply: (w, [j, b, v], cfg) => ttm_bo_validate(w, b as string, (v as string).replace(/^evict |^free slot$/g, ''), capacity(cfg), [`${j}.finished`], [`${j}.finished`]),
    doc: 'H5, I19: prepare_job validates the BO; a full VRAM evicts a victim whose move waits on its resv; the job waits on the move',
  };
}

/** drm_sched_run_job, once every BO of the head job is resident and not moving (I19, R53 KERNEL fences). */
export const drm_sched_run_job_resident: StepDef = {
  name: 'drm_sched_run_job',
  role: 'kernel',
  actor: (a) => String(a[0]),
  params: (w) => idsOf(w, 'drm_gpu_scheduler').flatMap((s) => idsOf(w, 'drm_sched_entity').map((e) => [s, e])),
  apply: (w, [s, e]) => {
    const head = ctx<DrmSchedEntityContext>(w, e as string).queue[0];
    if (!head) return null;
    const guilty = ctx<DrmSchedEntityContext>(w, e as string).guilty;
    if (!guilty && !jobBos(w, head).every((b) => resident(w, b))) return null;
    const n = drm_sched_run_job(w, s as string, e as string);
    if (!n) return null;
    let out = n;
    for (const b of jobBos(out, head)) if (bo(out, b).pinnedFor === `${head}.finished`) out = tell(out, b, { type: 'TTM_BO_UNPIN' });
    return out;
  },
  doc: 'R93-R95 with I19: the head job runs once its dependencies signaled and its BOs are resident',
};
