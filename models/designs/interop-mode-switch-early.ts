/**
 * interop-mode-switch-early — interop-mode-switch whose switch publishes a dma_fence for work still gated
 * on a user memory fence.
 *
 * Idea: the driver flips to dma_fence mode at once: the fence of the last pending batch goes into the
 *   shared buffer's resv while that batch still spins on umf0, which only proc1's CPU store can write.
 *   The compositor's sampling job (and anything in the kernel that waits on the resv: eviction, the
 *   shrinker) now waits on userspace: seed 001 "if a job waits on a userspace fence, it cannot be used to
 *   signal a struct dma_fence!"
 * Source: seed 001 "We still want to interoperate"; seed 002 "flip your internal driver state"; I9, R30.
 * Changes: one substitution, `publish: 'early'`.
 * Related: interop-mode-switch (the fix), umf-wrapped (the same dependency, without a mode).
 */
import { defineDesign } from '../design.ts';
import base, { type InteropConfig } from './interop-mode-switch.ts';

// seeded bug: the switch publishes before the pending UMFs are written
const early = (c: InteropConfig): InteropConfig => ({ ...c, publish: 'early' });

export default defineDesign<InteropConfig>({
  ...base,
  name: 'interop-mode-switch-early',
  summary: 'interop-mode-switch publishing a dma_fence for a batch still spinning on a UMF (I9).',
  source: 'seed 001 "If a job waits on a userspace fence, it cannot be used to signal a struct dma_fence!"; I9',
  configs: { small: early(base.configs.small), default: early(base.configs.default), large: early(base.configs.large) },
  expect: {
    ...base.expect,
    'umf-never-blocks-dma-fence': {
      verdict: 'violates',
      why: "the published fence waits on proc0's ring, which spins on umf0, which only proc1 writes (I9, R30)",
    },
    'finite-time': {
      verdict: 'violates',
      why: 'with userspace stopped nobody writes umf0: the published fence and the compositor behind it never signal',
    },
  },
});
