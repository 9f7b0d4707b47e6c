/**
 * page-faults-separate-engines — a fixed twin of page-faults-with-dma-fence (R31's mitigations), at the same scope.
 *
 * Idea: the faulting compute context runs on its own engine (gpu1: a compute-only engine or a
 *   partition), the 3D ring on gpu0. A pending fault holds gpu1's compute units, which no dma_fence work
 *   needs; the 3D jobs complete, the shrinker's wait ends, the fault is repaired.
 * Source: R31 (dma-buf.rst "Recoverable Hardware Page Faults"); H5; seed 002 (Vetter on page faults).
 * Changes: relative to page-faults-with-dma-fence, `mitigation: 'separate-engines'`: the compute context's engine is
 *   gpu1; the 3D ring stays on gpu0.
 */
import { tdrNeverReached } from '../drm-sched/tdr-expect.ts';
import { defineDesign } from '../design.ts';
import base, {
  DEDICATED_RESOURCES_EXPECT,
  PAGE_FAULT_SCOPES,
  pageFaultConfig,
  type PageFaultConfig,
} from './page-faults-with-dma-fence.ts';

const m = 'separate-engines';

export default defineDesign<PageFaultConfig>({
  ...base,
  name: 'page-faults-separate-engines',
  summary: "R31's dedicated resources: the faulting compute runs on its own engine, the dma_fence 3D work on another.",
  source: 'R31, H5 (dma-buf.rst "Recoverable Hardware Page Faults"); seed 002',
  configs: {
    small: pageFaultConfig(m, PAGE_FAULT_SCOPES.small),
    default: pageFaultConfig(m, PAGE_FAULT_SCOPES.default),
    large: pageFaultConfig(m, PAGE_FAULT_SCOPES.large),
  },
  expect: {
    ...DEDICATED_RESOURCES_EXPECT,
    'acyclic-waits': {
      verdict: 'holds',
      why: "the fault holds gpu1's CUs and no dma_fence work waits on them: no cycle (R31, I7)",
    },
    ...tdrNeverReached('default+large'),
  },
});
