/**
 * page-faults-no-dma-fence — a fixed twin of page-faults-with-dma-fence (R31's mitigations), at the same scope.
 *
 * Idea: the 3D processes submit to LR contexts on the same engine and complete through user
 *   fences (R118-R121), never a dma_fence: nothing is published into boA's resv, so the fault
 *   handler's reclaim has no fence to wait on, and the repair always finishes. The 3D batches still
 *   wait for the compute units the fault holds, but that wait ends with the repair. No drm_sched job,
 *   so no TDR (seed 002: "The only sync model that works together with page faults is userspace fence
 *   based sync").
 * Source: R31 (dma-buf.rst "Recoverable Hardware Page Faults"); H5; seed 002 (Vetter on page faults).
 * Changes: relative to page-faults-with-dma-fence, `mitigation: 'no-dma-fence'`: the 3D work goes to LR gpu_contexts (DRM_IOCTL_XE_EXEC) instead of drm_sched jobs (DRM_IOCTL_SUBMIT).
 */
import { defineDesign } from '../design.ts';
import base, { PAGE_FAULT_SCOPES, pageFaultConfig, type PageFaultConfig } from './page-faults-with-dma-fence.ts';

const m = 'no-dma-fence';

export default defineDesign<PageFaultConfig>({
  ...base,
  name: 'page-faults-no-dma-fence',
  summary:
    'Page faults with userspace fences only: the 3D work is long-running too, so no dma_fence exists for reclaim to wait on (seed 002).',
  source: 'R31, H5 (dma-buf.rst "Recoverable Hardware Page Faults"); seed 002',
  configs: {
    small: pageFaultConfig(m, PAGE_FAULT_SCOPES.small),
    default: pageFaultConfig(m, PAGE_FAULT_SCOPES.default),
    large: pageFaultConfig(m, PAGE_FAULT_SCOPES.large),
  },
  expect: {
    'acyclic-waits': {
      verdict: 'holds',
      why: "no dma_fence exists: reclaim never waits on a fence, so the fault's repair has no edge back (R31, I7)",
    },
    'innocent-context-survives': {
      verdict: 'holds',
      why: 'without dma_fence work there is no TDR; nothing kills a context (R20, R121)',
    },
    'signalling-section-discipline': base.expect['signalling-section-discipline'],
    'preempt-fence-bounded': base.expect['preempt-fence-bounded'],
  },
});
