/**
 * out-fence-once — I26 (R134): a CRTC out-fence exists only for a commit that succeeded (a failed or
 * TEST_ONLY commit publishes none), and it signals exactly once, in the step where its commit flips,
 * never before; a CRTC flips at most once per vblank.
 */
import { defineProperty } from './property.ts';
import { idsOf, ctx, has } from '../models/world.ts';
import { isSignaled, type DmaFenceContext } from '../models/dma-buf/dma-fence.ts';
import type { DrmCrtcContext } from '../models/display/drm-crtc.ts';

export default defineProperty({
  name: 'out-fence-once',
  kind: 'step',
  rules: ['I26', 'R134'],
  needs: ['drm_crtc'],
  witness: {
    what: 'a KMS out-fence waiting for its flip',
    state: (w) => idsOf(w, 'dma_fence').some((f) => ctx<DmaFenceContext>(w, f).ops === 'kms.out' && !isSignaled(w, f)),
  },
  statement:
    'A CRTC out-fence belongs to a successful commit and is signalled exactly when, and once, that commit flips; at ' +
    'most one flip per vblank.',
  step: (before, a, after) => {
    for (const crtc of idsOf(after, 'drm_crtc')) {
      const kb = has(before, crtc) ? ctx<DrmCrtcContext>(before, crtc) : null;
      const ka = ctx<DrmCrtcContext>(after, crtc);
      if (kb && ka.flips - kb.flips > ka.vblanks - kb.vblanks)
        return `${crtc} flipped ${ka.flips - kb.flips} times in ${ka.vblanks - kb.vblanks} vblanks at ${a.label}`;
      for (const f of idsOf(after, 'dma_fence')) {
        const fc = ctx<DmaFenceContext>(after, f);
        if (fc.ops !== 'kms.out' || fc.owner !== crtc) continue;
        const seq = fc.seqno;
        if (seq > ka.commitSeq)
          return (
            `out-fence ${f} exists for commit ${seq}, but ${crtc} accepted only ${ka.commitSeq} commits (R134: ` +
            `a failed or TEST_ONLY commit publishes none)`
          );
        const flipped = ka.pending?.seq !== seq;
        const sig = isSignaled(after, f);
        if (sig && !flipped) return `out-fence ${f} signalled at ${a.label} before commit ${seq} flipped (R134)`;
        if (!sig && flipped)
          return `commit ${seq} flipped on ${crtc} but its out-fence ${f} is unsignalled after ${a.label} (R134)`;
      }
    }
    return null;
  },
});
