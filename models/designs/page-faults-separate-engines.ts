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
import { defineDesign } from '../design.ts';
import base, { PAGE_FAULT_SCOPES, pageFaultConfig, type PageFaultConfig } from './page-faults-with-dma-fence.ts';

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
    'one-shot': base.expect['one-shot'],
    'acyclic-waits': {
      verdict: 'holds',
      why: "the fault holds gpu1's CUs and no dma_fence work waits on them: no cycle (R31, I7)",
    },
    'finite-time': { verdict: 'holds', why: 'every 3D fence completes once its job runs (R20)' },
    'innocent-context-survives': {
      verdict: 'n/a',
      why: 'never reached here (a context killed or a job cancelled) in default+large: exploration (issue 11.2)',
    },
    'preempt-fence-bounded': base.expect['preempt-fence-bounded'],
    'context-order': base.expect['context-order'],
    'errors-propagate': base.expect['errors-propagate'],
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
    'no-priority-inversion': {
      verdict: 'n/a',
      why:
        'never reached here (ready entities of different priorities compete for a ring) in default+large: ' +
        'exploration (issue 11.2)',
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
  },
});
