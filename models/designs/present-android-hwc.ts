/**
 * present-android-hwc — Android's hwcomposer path: acquire fences, release fences and the
 * retire/present fence (seed 001).
 *
 * Idea: the app queues a buffer with its acquire fence (BufferQueue::queueBuffer); SurfaceFlinger
 *   latches a layer's next buffer once that fence signalled and hands HWC the layers with their acquire
 *   fences (KMS IN_FENCE_FD, R131). HWC2 presentDisplay returns the present (retire) fence, the CRTC
 *   out-fence (R134), and for each layer's previous buffer a release fence that signals once the display
 *   stopped reading it: that same flip. SurfaceFlinger releases the old buffer to the BufferQueue at
 *   once, before the flip, with that fence; the app's dequeueBuffer waits on it before writing.
 * Source: seed 001 (Android: explicit fences end to end, "the kernel only passes fences around");
 *   AOSP hwcomposer2.h (presentDisplay, getReleaseFences); R64, R131, R133, R134.
 * Changes from present-explicit-sync-file: the release is handed out at commit time, fenced on the flip
 *   (`releaseAtCommit`), not at flip-done.
 */
import { defineDesign } from '../design.ts';
import { initPresent, presentSteps, presentMetrics, type PresentConfig } from '../display/present.ts';
import syncFile from './present-explicit-sync-file.ts';

const mode = { sync: 'hwc' } as const;
const small: PresentConfig = { ...syncFile.configs.small, ...mode };

export default defineDesign<PresentConfig>({
  ...syncFile,
  name: 'present-android-hwc',
  summary:
    'hwcomposer: acquire fences in, present (retire) fence and per-layer release fences out, the release handed ' +
    'out before the flip it waits for.',
  source: 'seed 001 (Android fences); AOSP hwcomposer2.h; R64, R131, R133, R134',
  configs: {
    small,
    default: { ...syncFile.configs.default, ...mode },
    large: { ...syncFile.configs.large, ...mode },
  },
  init: initPresent,
  steps: presentSteps(small),
  expect: {
    ...syncFile.expect,
    'release-after-last-use': {
      verdict: 'holds',
      why:
        'the release fence is handed out at presentDisplay but is the out-fence of the flip that replaces the ' +
        'buffer: it signals after the last scanout (R134)',
    },
    'scanout-not-written': {
      verdict: 'holds',
      why: "dequeueBuffer's release fence is the replacing flip's out-fence: the app writes only after it (R134)",
    },
  },
  metrics: presentMetrics,
});
