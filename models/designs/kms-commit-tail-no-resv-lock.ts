/**
 * kms-commit-tail-no-resv-lock — the fixed twin of kms-commit-tail-resv-lock (H4).
 *
 * Idea: the commit tail takes no dma_resv lock: the framebuffers' fences were collected and the BOs
 *   pinned in prepare_fb, before the point of no return (drm_gem_plane_helper_prepare_fb, R132); the
 *   tail only waits for those fences and programs the flip. A thread holding the resv lock may wait on
 *   the out-fence (R23): the tail never needs that lock, so the out-fence signals.
 * Source: H4's fix ("drm/amdgpu/dc: Stop dma_resv_lock inversion in commit_tail"); R23, R132, R135.
 * Changes: none (the kernel rule as written). Same world and scopes as the buggy design.
 */
import { defineDesign } from '../design.ts';
import { commitTailDesign, type CommitTailConfig } from './kms-commit-tail-resv-lock.ts';

export default defineDesign<CommitTailConfig>({
  name: 'kms-commit-tail-no-resv-lock',
  summary: 'The commit tail uses the fences prepare_fb collected and takes no dma_resv lock (H4 fixed).',
  source: 'H4; R23, R132, R135',
  ...commitTailDesign(false),
  expect: {
    'context-order': {
      verdict: 'n/a',
      why: "its precondition never occurs in this design's world (0 states reached at default)",
    },
    'no-userspace-wait-under-kernel-lock': {
      verdict: 'n/a',
      why: "its precondition never occurs in this design's world (0 states reached at default)",
    },
    'signalling-section-discipline': {
      verdict: 'holds',
      why: 'the tail holds no resv lock; ioctl threads hold one while the out-fence is unsignaled (R23)',
    },
    'acyclic-waits': { verdict: 'holds', why: 'the ioctl threads wait on the tail; the tail waits on nothing (I7)' },
    'finite-time': { verdict: 'holds', why: 'the tail always reaches the vblank event (R134)' },
    'one-shot': { verdict: 'holds', why: 'the out-fence signals once (R4)' },
    'no-deadlock': { verdict: 'holds', why: 'every commit completes and every waiter wakes' },
  },
});
