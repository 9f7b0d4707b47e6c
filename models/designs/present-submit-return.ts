/**
 * present-submit-return — seed 002 §2.1: a Present request carries a submit and a return fence.
 *
 * Idea: the producer presents a buffer with a submit fence (it signals once drawing finished) and a
 *   return fence (the consumer signals once done with the buffer). The kernel knows who owes which:
 *   if the producer crashes it signals the submit fences (with an error), if the consumer crashes it
 *   signals the return fences (after taking the planes off the dead compositor's buffers). The
 *   compositor decides late (the newest buffer whose submit fence signalled without error).
 * Source: seed 002, Marek Olšák's proposal §2.1 "Deadlock mitigation to recover from segfaults", and
 *   Daniel Vetter's reply: for kernel sync "just reuse dma_fence, same rules apply"; the kernel cannot
 *   tell a deadlock from a slow process.
 * Changes: fences signalled by userspace, published at present; kernel signals them on a crash.
 * Related: present-late-binding (same decision, kernel-materialized points instead of user fences).
 */
import { defineDesign } from '../design.ts';
import { initPresent, presentSteps, presentMetrics, type PresentConfig } from '../display/present.ts';
import syncobj from './present-explicit-syncobj.ts';

const mode = { sync: 'submit-return', policy: 'late-binding' } as const;
// Crash budgets are part of the scope: one crash of either side in small, one of each in default and large.
const small: PresentConfig = {
  ...syncobj.configs.small,
  ...mode,
  frames: 2,
  vblanks: 2,
  queues: 1,
  clientCrashes: 1,
  compositorCrashes: 1,
  maxCrashes: 1,
};

export default defineDesign<PresentConfig>({
  ...syncobj,
  name: 'present-submit-return',
  summary:
    "Seed 002: Present with submit and return fences signalled by userspace; the kernel signals a crashed side's " +
    'fences.',
  source: "seed 002 §2.1 (Olšák) and Vetter's reply",
  configs: {
    small,
    default: { ...syncobj.configs.default, ...mode, clientCrashes: 1, compositorCrashes: 1 },
    large: { ...syncobj.configs.large, ...mode, clientCrashes: 2, compositorCrashes: 1 },
  },
  init: initPresent,
  steps: presentSteps(small),
  expect: {
    'one-shot': { verdict: 'holds', why: 'the kernel signals a fence on a crash only if its owner has not (R4)' },
    'acyclic-waits': {
      verdict: 'n/a',
      why:
        'the compositor never waits and flips only on signalled submit fences; user fences wait on nothing: no ' +
        'wait-for chain forms (explored: never reached)',
    },
    'finite-time': {
      verdict: 'violates',
      why:
        'submit and return fences are published dma_fences only userspace signals; a stopped (not crashed) ' +
        'process never does (R30; seed 002 Vetter: the kernel cannot tell deadlocked from slow)',
    },
    'compositor-never-stalls': {
      verdict: 'holds',
      why: 'late binding on the submit fence: an unsignalled one keeps the previous buffer (seed 000)',
    },
    'scanout-not-written': {
      verdict: 'holds',
      why: 'the return fence is signalled after the flip away, or by the kernel after the planes were taken off (002)',
    },
    'release-after-last-use': {
      verdict: 'holds',
      why: 'return fences signal at flip-done of the replacing commit, or after drm_file_release turned the planes off',
    },
    'hazard-free': {
      verdict: 'violates',
      why:
        'finding (default scope, 2 queues): when the compositor crashes the kernel signals its owed return fences at ' +
        'once (002 crash rule), before the frame it returns finished rendering; the client re-renders that buffer on ' +
        'its other queue while the first render still writes it. Return must wait for the submit fence',
    },
    'displayed-content-complete': {
      verdict: 'holds',
      why:
        'late binding on the submit fence, which the producer signals only after its render finished (002 §2.1); ' +
        'an errored one is never shown',
    },
    'context-order': {
      verdict: 'holds',
      why:
        'render fences one context per queue; each submit and return fence its own context, since a late-binding ' +
        'compositor returns buffers out of order (I4, R2)',
    },
    'out-fence-once': {
      verdict: 'holds',
      why: 'one commit pending per CRTC, its out-fence signalled at its flip (R134)',
    },
    'crash-isolation': {
      verdict: 'holds',
      why: "seed 002: the kernel signals a crashed producer's submit fences and a crashed consumer's return fences",
    },
    'hang-recovers-with-error': {
      verdict: 'n/a',
      why: 'never reached here (a ring, context or user queue hung) in small+default: exploration (issue 11.2)',
    },
  },
  metrics: presentMetrics,
});
