/**
 * xe-preempt-work-no-vm-lock — the fixed twin of xe-preempt-work-vm-lock (H14), as mainline Xe does it.
 *
 * Idea: preempt_fence_work_func only waits for the suspend and signals (R109); the rebind worker it kicks
 *   takes vm->lock outside any signalling section. A rebind path that holds vm->lock while it waits on the
 *   VM's preempt fence is then legal, and the ordered wq never blocks.
 * Source: H14; R109 (xe_preempt_fence.c: the work runs inside dma_fence_begin/end_signalling so lockdep
 *   catches a lock there); R111.
 * Changes: none. Same world and scopes as the buggy design.
 */
import { defineDesign } from '../design.ts';
import { preemptWorkDesign, type PreemptWorkConfig } from './xe-preempt-work-vm-lock.ts';

export default defineDesign<PreemptWorkConfig>({
  name: 'xe-preempt-work-no-vm-lock',
  summary:
    'The preempt-fence work signals without vm->lock; the rebind worker takes it outside the section (H14 fixed).',
  source: 'H14; R108-R111',
  ...preemptWorkDesign(false),
  expect: {
    'context-order': {
      verdict: 'n/a',
      why: "its precondition never occurs in this design's world (0 states reached at default)",
    },
    'hazard-free': {
      verdict: 'n/a',
      why: "its precondition never occurs in this design's world (0 states reached at default)",
    },
    'no-userspace-wait-under-kernel-lock': {
      verdict: 'n/a',
      why: "its precondition never occurs in this design's world (0 states reached at default)",
    },
    'signalling-section-discipline': {
      verdict: 'n/a',
      why:
        'never reached here (a kernel thread on the signalling path of an unsignaled fence (in a state, or across a ' +
        'step)) in default+large: exploration (issue 11.2)',
    },
    'acyclic-waits': { verdict: 'holds', why: 'the rebind thread waits on the wq, the wq on nothing (I7)' },
    'finite-time': { verdict: 'holds', why: 'every enabled preempt fence is signalled by the ordered wq (I20)' },
    'no-deadlock': { verdict: 'holds', why: 'every rebind completes' },
    'one-shot': { verdict: 'holds', why: 'each preempt fence is signalled once (R4)' },
  },
});
