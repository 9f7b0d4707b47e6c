/**
 * present-explicit-sync-file — Wayland zwp_linux_explicit_synchronization_v1: a sync_file acquire fence
 * and a per-commit release object.
 *
 * Idea: the client renders, exports the render fence as a sync_file and sends it with
 *   set_acquire_fence before wl_surface.commit (no wait-before-signal: a sync_file holds a fence that
 *   exists, R64); get_release gives the commit a zwp_linux_buffer_release_v1. The compositor applies a
 *   surface's commits in order once their acquire fence signalled (Mutter/KWin transactions), passes
 *   the sync_file to KMS as IN_FENCE_FD (R131), and answers the release with fenced_release(fd): a
 *   sync_file of the out-fence of the flip that replaced the buffer (R134). The buffers carry no
 *   implicit fences: only the explicit ones order anything.
 * Source: seed 004 (explicit sync: "pass fences around with the buffers"); R64, R131-R134.
 * Models: per-commit acquire and release sync_files; one CRTC, one plane per client.
 *   Abstracted away: GPU composition (direct scanout), immediate_release (modelled as fenced).
 * Related: present-explicit-syncobj (timelines, wait-before-signal), present-android-hwc.
 */
import { defineDesign } from '../design.ts';
import { initPresent, presentSteps, presentMetrics, type PresentConfig } from '../display/present.ts';
import syncobj from './present-explicit-syncobj.ts';

const mode = { sync: 'sync-file', wbs: false, policy: 'transaction' } as const;
// no drm_syncobj timelines here: the timeline properties do not apply
const { 'chain-prefix-closed': _c, 'timeline-monotonic': _t, ...expect } = syncobj.expect;
const small: PresentConfig = { ...syncobj.configs.small, ...mode };

export default defineDesign<PresentConfig>({
  ...syncobj,
  name: 'present-explicit-sync-file',
  summary:
    'zwp_linux_explicit_synchronization_v1: a sync_file acquire fence per commit, fenced_release with the KMS ' +
    'out-fence of the flip away.',
  source: 'seed 004 (explicit sync); wayland-protocols linux-explicit-synchronization-unstable-v1; R64, R131-R134',
  configs: {
    small,
    default: { ...syncobj.configs.default, ...mode },
    large: { ...syncobj.configs.large, ...mode },
  },
  init: initPresent,
  steps: presentSteps(small),
  expect: {
    ...expect,
    'finite-time': {
      verdict: 'holds',
      why: 'acquire and release sync_files hold GPU render fences and KMS out-fences only (R20, R134)',
    },
    'scanout-not-written': {
      verdict: 'holds',
      why: 'the client writes a buffer only once its fenced_release fence signalled: the flip away (R134)',
    },
    'release-after-last-use': {
      verdict: 'holds',
      why:
        'fenced_release carries the out-fence of the flip that replaced the buffer, so it signals after the last ' +
        'scanout',
    },
    'hazard-free': {
      verdict: 'holds',
      why:
        'KMS waits on the acquire sync_file (R131, R133); the next render waits for the release, after the scanout ' +
        'ended',
    },
    'hang-recovers-with-error': {
      verdict: 'n/a',
      why: 'never reached here (a ring, context or user queue hung) in small+default: exploration (issue 11.2)',
    },
  },
  metrics: presentMetrics,
});
