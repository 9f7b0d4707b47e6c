/**
 * How model time passes for timeouts. A timeout is long compared with kernel and GPU work: it expires
 * only once the kernel and the GPU have nothing left to do (idle, or blocked). This is the TDR's
 * abstraction in models/drm-sched/sched-main.ts ("timing out a healthy job is not modelled") made general: under
 * the drain's fairness every enabled kernel and GPU step runs before any timer, so a timer firing
 * means "no progress is possible without it".
 */
import type { World } from '../world.ts';
import type { StepTable } from '../design.ts';

/** No kernel or GPU step of `steps` is enabled in `w`. */
export function kernelAndGpuQuiet<C>(w: World, cfg: C, steps: StepTable<C>): boolean {
  for (const st of Object.values(steps)) {
    if (st.role !== 'kernel' && st.role !== 'gpu') continue;
    for (const args of st.params ? st.params(w, cfg) : [[]]) {
      if (st.enabled(w, args, cfg)) return false;
    }
  }
  return true;
}
