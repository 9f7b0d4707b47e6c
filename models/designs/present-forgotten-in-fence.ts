/**
 * present-forgotten-in-fence — present-kms-in-fence with the IN_FENCE_FD forgotten, on buffers with no
 * implicit sync.
 *
 * Idea: the compositor trusts KMS to wait (it latches a materialized but unsignalled acquire point and
 *   never waits on the CPU), exports the point as a sync_file, and then never sets it as the plane's
 *   IN_FENCE_FD. The buffers carry no implicit fences (linux-drm-syncobj-v1: R140, the render fence is
 *   only a timeline point), so prepare_fb finds nothing to wait on (R132) and the flip scans out a
 *   buffer the GPU is still rendering.
 * Source: seed 004 "it will probably work anyway thanks to implicit sync" (an explicit-sync stack that
 *   forgot a fence somewhere); I26; R131-R133.
 * Changes: `kmsInFence: false` (seeded bug).
 * Related: present-kms-in-fence (the same compositor with the in-fence).
 */
import { defineDesign } from '../design.ts';
import { initPresent, presentSteps, presentMetrics, type PresentConfig } from '../display/present.ts';
import kms from './present-kms-in-fence.ts';

const small: PresentConfig = { ...kms.configs.small, kmsInFence: false }; // seeded bug: no IN_FENCE_FD

export default defineDesign<PresentConfig>({
  ...kms,
  name: 'present-forgotten-in-fence',
  summary:
    'The compositor relies on KMS to wait but never sets IN_FENCE_FD, and the buffers have no implicit fences: ' +
    'unfinished frames are scanned out.',
  source: 'seed 004 ("it will probably work anyway thanks to implicit sync"); I26; R131-R133',
  configs: {
    small,
    default: { ...kms.configs.default, kmsInFence: false },
    large: { ...kms.configs.large, kmsInFence: false },
  },
  init: initPresent,
  steps: presentSteps(small),
  expect: {
    ...kms.expect,
    'acyclic-waits': {
      verdict: 'holds',
      why: 'release and acquire chain nodes wait on renders, which wait on nothing (R45)',
    },
    'compositor-never-stalls': {
      verdict: 'holds',
      why: 'nothing ever waits: the compositor latches without a CPU wait and KMS has no fence to wait on',
    },
    'displayed-content-complete': {
      verdict: 'violates',
      why:
        'the flip waits on nothing (no in-fence, no implicit WRITE fence: R132), so a buffer whose render is still ' +
        'running is scanned out (I26)',
    },
    'hazard-free': {
      verdict: 'violates',
      why:
        "KMS's scanout reads the buffer unordered against the render writing it: no fence leads from one to the " +
        'other',
    },
  },
  metrics: presentMetrics,
});
