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
 * Changes: relative to page-faults-with-dma-fence, `mitigation: 'no-dma-fence'`: the 3D work goes to LR gpu_contexts
 *   (DRM_IOCTL_XE_EXEC) instead of drm_sched jobs (DRM_IOCTL_SUBMIT).
 */
import { tdrNeverReached } from '../drm-sched/tdr-expect.ts';
import { defineDesign } from '../design.ts';
import base, { PAGE_FAULT_SCOPES, pageFaultConfig, type PageFaultConfig } from './page-faults-with-dma-fence.ts';

const m = 'no-dma-fence';

export default defineDesign<PageFaultConfig>({
  ...base,
  name: 'page-faults-no-dma-fence',
  summary:
    'Page faults with userspace fences only: the 3D work is long-running too, so no dma_fence exists for reclaim to ' +
    'wait on (seed 002).',
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
      verdict: 'n/a',
      why: 'never reached here (a context killed or a job cancelled) in default+large: exploration (issue 11.2)',
    },
    'preempt-fence-bounded': base.expect['preempt-fence-bounded'],
    'eviction-after-fences': {
      verdict: 'n/a',
      why:
        'never reached here (a BO starts moving or is freed while its resv has held fences) in default+large: ' +
        'exploration (issue 11.2)',
    },
    'hazard-free': {
      verdict: 'n/a',
      why:
        'never reached here (two queues touched one buffer, at least one writing) in default+large: exploration ' +
        '(issue 11.2)',
    },
    'hw-access-resident': {
      verdict: 'n/a',
      why:
        'never reached here (hardware work using a BO while some BO is outside VRAM) in default+large: exploration ' +
        '(issue 11.2)',
    },
    'memory-eventually-freed': {
      verdict: 'n/a',
      why: 'never reached here (a fence or BO released by its owner) in default+large: exploration (issue 11.2)',
    },
    'no-access-while-moving': {
      verdict: 'n/a',
      why: 'never reached here (a BO being copied or freed) in default+large: exploration (issue 11.2)',
    },
    'no-eviction-with-free-slot': {
      verdict: 'n/a',
      why: 'never reached here (a BO evicted to make room for another) in default+large: exploration (issue 11.2)',
    },
    'no-userspace-wait-under-kernel-lock': {
      verdict: 'n/a',
      why: 'never reached here (a kernel thread waiting on userspace) in default+large: exploration (issue 11.2)',
    },
    'signalling-section-discipline': {
      verdict: 'n/a',
      why:
        'never reached here (a kernel thread on the signalling path of an unsignaled fence (in a state, or across a ' +
        'step)) in default+large: exploration (issue 11.2)',
    },
    'vram-within-capacity': {
      verdict: 'n/a',
      why: 'never reached here (VRAM full) in default+large: exploration (issue 11.2)',
    },
    ...tdrNeverReached('default+large'),
  },
});
