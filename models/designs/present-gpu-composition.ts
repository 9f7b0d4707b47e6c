/**
 * present-gpu-composition — the compositor composites on the GPU and scans out its own buffer.
 *
 * Idea: as present-explicit-syncobj (linux-drm-syncobj-v1, in-order transactions), but instead of one
 *   plane per surface the compositor samples every surface's current buffer in a GPU job of its own
 *   (waiting on the acquire fences), writes one of its two buffers and puts that on the primary plane
 *   with the job's fence as IN_FENCE_FD (R131, R133). A client buffer is then read by the compositor's
 *   GPU, not by KMS: its release must follow the last composite job that sampled it (R139), and the
 *   next render into it must be ordered after that job (hazard-free sees the sampling as an access).
 * Source: seed 000 display part (the compositor's paint), seed 004 (explicit sync); R131, R133, R139.
 * Models: the compositor's GPU ring and two buffers, one composite job per paint with new content.
 *   Abstracted away: damage (every composite redraws every surface), the composite job's own wait on
 *   the acquire fences (they have signalled when the transaction latches the commit).
 */
import { defineDesign } from '../design.ts';
import { initPresent, presentSteps, presentMetrics, type PresentConfig } from '../display/present.ts';
import syncobj from './present-explicit-syncobj.ts';

const small: PresentConfig = { ...syncobj.configs.small, composition: 'gpu' };

export default defineDesign<PresentConfig>({
  ...syncobj,
  name: 'present-gpu-composition',
  summary:
    "The compositor samples client buffers in a GPU job of its own and scans out its own buffer with that job's " +
    'fence as in-fence.',
  source: 'seed 000 display part; seed 004; R131, R133, R139',
  configs: {
    small,
    default: { ...syncobj.configs.default, composition: 'gpu' },
    large: { ...syncobj.configs.large, composition: 'gpu' },
  },
  init: initPresent,
  steps: presentSteps(small),
  expect: {
    ...syncobj.expect,
    'acyclic-waits': {
      verdict: 'n/a',
      why:
        "KMS waits only on the compositor's composite fence, which waits on nothing (its acquires signalled " +
        'before the latch): no wait-for chain forms (explored: never reached)',
    },
    'compositor-never-stalls': {
      verdict: 'holds',
      why:
        "a commit is latched once its acquire point signalled; KMS waits only on the compositor's own composite " +
        'fence, never on a client (R133)',
    },
    'release-after-last-use': {
      verdict: 'holds',
      why:
        'a client commit is released at the flip-done that replaced it, after the composite job that sampled it ' +
        'last (one compositor ring, in order; R139)',
    },
    'hazard-free': {
      verdict: 'holds',
      why:
        "the next render into a client buffer follows its release, after the compositor's sampling job completed; " +
        'KMS waits on the composite fence before reading the compositor buffer (R133)',
    },
    'displayed-content-complete': {
      verdict: 'holds',
      why: 'the primary plane shows the compositor buffer only after its composite job signalled (R131, R133)',
    },
  },
  metrics: presentMetrics,
});
