/**
 * prime-render-offload-in-fence — the fixed twin of prime-render-offload-explicit-forgot: explicit PRIME
 * render offload where the compositor passes the render sync_file to KMS as IN_FENCE_FD.
 *
 * Idea: device A's driver runs in explicit mode (the render fence is BOOKKEEP in the shared resv, R53)
 *   and hands the compositor an out sync_file (R64); the compositor on device B sets it as plane0's
 *   IN_FENCE_FD (R131). prepare_fb then waits on that fence and the buffer's KERNEL fences, not on the
 *   implicit ones (R132: explicit fencing overrules implicit), and the commit tail holds the flip until
 *   A's render is done (R133). Nothing here relies on implicit sync, so the what-if without it changes
 *   nothing for plane0 (the compositor's own ui0 layer on plane1 still goes through prepare_fb's WRITE
 *   fences).
 * Source: seed 004 "Chicken and egg problems" (KMS as the first explicit consumer); seed 000 "dma-buf
 *   between devices/subsystems"; R131-R133.
 * Changes: `sync: 'explicit-in-fence'` (the fix of prime-render-offload-explicit-forgot).
 * Related: prime-render-offload (implicit), prime-render-offload-explicit-forgot (the bug).
 */
import { defineDesign } from '../design.ts';
import { PRIME_EXPECT, SNAPSHOT_STABLE, primeBase, primeConfigs, type PrimeConfig } from './prime-render-offload.ts';

export default defineDesign<PrimeConfig>({
  ...primeBase,
  name: 'prime-render-offload-in-fence',
  summary:
    "Explicit PRIME render offload with the render sync_file as IN_FENCE_FD: B's KMS waits on A's fence " +
    'without implicit sync.',
  configs: primeConfigs('explicit-in-fence'),
  expect: {
    ...PRIME_EXPECT,
    'snapshot-stable': SNAPSHOT_STABLE,
    'displayed-content-complete': {
      verdict: 'holds',
      why: "the flip waits on the IN_FENCE_FD, A's render fence (R131-R133), not on the BOOKKEEP resv entry",
    },
    'hazard-free': {
      verdict: 'holds',
      why: "B's scanout waits on A's sync_file (R131); A re-renders a buffer only after its release (R134)",
    },
  },
});
