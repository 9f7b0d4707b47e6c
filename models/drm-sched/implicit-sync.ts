/**
 * Implicit synchronisation through dma_resv, as a CS ioctl does it (seed 000 "Implicit
 * synchronisation"; R54, R56, R62, R91): for every BO in the list, wait on the fences an access of that
 * kind must wait on, then publish the job's finished fence as WRITE or READ.
 */
import type { World } from '../world.ts';
import {
  dma_resv_fences,
  dma_resv_usage_rw,
  dma_resv_add_fence_atomic,
  type DmaResvUsage,
} from '../dma-buf/dma-resv.ts';
import { drm_sched_job_add_dependency } from './sched-main.ts';

export interface BoAccess {
  bo: string;
  write: boolean;
}

/** R91 drm_sched_job_add_implicit_dependencies: every fence an access must wait on (R54). */
export function add_implicit_dependencies(w: World, job: string, list: BoAccess[]): World {
  for (const { bo, write } of list)
    for (const f of dma_resv_fences(w, `${bo}.resv`, dma_resv_usage_rw(write)))
      w = drm_sched_job_add_dependency(w, job, f);
  return w;
}

/** Lock, reserve, add the fence with `usage`, unlock (R55, R56): one atomic step of the ioctl. */
export function dma_resv_add_fence_locked(
  w: World,
  bo: string,
  fence: string,
  usage: DmaResvUsage,
  owner: string,
): World {
  return dma_resv_add_fence_atomic(w, `${bo}.resv`, fence, usage, owner).w; // publishes the fence (R26)
}

/** R62: implicit-sync drivers add WRITE for writes and READ for reads. */
export function publish_implicit(w: World, fence: string, list: BoAccess[], owner: string): World {
  for (const { bo, write } of list) w = dma_resv_add_fence_locked(w, bo, fence, write ? 'WRITE' : 'READ', owner);
  return w;
}
