/**
 * present-kms-in-fence — the compositor hands KMS a materialized acquire point as IN_FENCE_FD and lets
 * the commit tail wait, instead of deciding on fence states itself.
 *
 * Idea: as present-explicit-syncobj (linux-drm-syncobj-v1, wait-before-signal clients), but at paint
 *   the compositor latches each surface's newest commit whose acquire point has materialized, exports
 *   it as a sync_file and sets it as the plane's IN_FENCE_FD (R74, R131, R141); it never waits on the
 *   CPU. KMS's nonblocking commit tail waits in drm_atomic_helper_wait_for_fences (R133), so the display
 *   never shows unfinished content, but one atomic commit carries every plane: a slow client's render
 *   holds the flip for everyone (seed 000 "vblank strikes back").
 * Source: seed 000 display part (timing flows backwards; late binding is the fix); R131, R133, R141.
 * Changes: policy 'kms-fence' instead of in-order transactions.
 * Related: present-late-binding (decides on fence states: never holds a flip), present-forgotten-in-fence
 *   (the same compositor without the in-fence).
 */
import { defineDesign } from '../design.ts';
import { initPresent, presentSteps, presentMetrics, type PresentConfig } from '../display/present.ts';
import syncobj from './present-explicit-syncobj.ts';

const small: PresentConfig = { ...syncobj.configs.small, policy: 'kms-fence' };

export default defineDesign<PresentConfig>({
  ...syncobj,
  name: 'present-kms-in-fence',
  summary:
    'linux-drm-syncobj-v1 with the acquire fence as KMS IN_FENCE_FD and no CPU wait: the commit tail holds the flip ' +
    '(R133).',
  source: 'seed 000 display part; R74, R131, R133, R141',
  configs: {
    small,
    default: { ...syncobj.configs.default, policy: 'kms-fence' },
    large: { ...syncobj.configs.large, policy: 'kms-fence' },
  },
  init: initPresent,
  steps: presentSteps(small),
  expect: {
    ...syncobj.expect,
    'acyclic-waits': {
      verdict: 'holds',
      why: 'the flip waits on an acquire chain node that waits on the render, which waits on nothing (R45, R133)',
    },
    'compositor-never-stalls': {
      verdict: 'violates',
      why:
        "a client's render is still running at vblank: KMS holds the whole commit on its in-fence (R133) and every " +
        'plane misses the flip (seed 000)',
    },
    'displayed-content-complete': {
      verdict: 'holds',
      why: 'the commit tail waits on the acquire fence before the flip (R131, R133)',
    },
  },
  metrics: presentMetrics,
});
