/**
 * page-faults-reserved-cus — a fixed twin of page-faults-with-dma-fence (R31's mitigations), at the same scope.
 *
 * Idea: the driver reserves compute units for dma_fence (3D) work while any is in flight (amdgpu's
 *   CU masking / reserved CUs for the gfx queue), so a compute context stalled on its page fault keeps
 *   only its own CUs. The 3D job completes; the shrinker's wait on its fence ends; the fault is repaired.
 *   The cycle memory -> fence -> hardware resource -> memory loses its hardware-resource edge.
 * Source: R31 (dma-buf.rst "Recoverable Hardware Page Faults"); H5; seed 002 (Vetter on page faults).
 * Changes: relative to page-faults-with-dma-fence, `mitigation: 'reserved-cus'`: holdsEngine is false: the fault does
 *   not hold the engine's CUs (models/gpu/gpu-page-fault.ts).
 */
import { tdrNeverReached } from '../drm-sched/tdr-expect.ts';
import { defineDesign } from '../design.ts';
import base, {
  DEDICATED_RESOURCES_EXPECT,
  PAGE_FAULT_SCOPES,
  pageFaultConfig,
  type PageFaultConfig,
} from './page-faults-with-dma-fence.ts';

const m = 'reserved-cus';

export default defineDesign<PageFaultConfig>({
  ...base,
  name: 'page-faults-reserved-cus',
  summary:
    "R31's second option: compute units reserved for dma_fence work while it is in flight, so a pending fault holds " +
    "only the faulting context's own.",
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
      why: 'the 3D job does not need the CUs the fault holds: no edge from the ring to cu:gpu0, no cycle (R31, I7)',
    },
    ...tdrNeverReached('default+large'),
  },
});
