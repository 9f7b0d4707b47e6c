/**
 * prime-render-offload-explicit-forgot — prime-render-offload with explicit sync and the render fence
 * forgotten on the way to KMS.
 *
 * Idea: device A's driver runs in explicit mode (a Vulkan application: the render job's fence goes into
 *   the shared dma-buf's resv as BOOKKEEP only, R53) and hands the compositor an out sync_file (R64).
 *   The compositor on device B has the sync_file at hand but never sets it as the plane's IN_FENCE_FD
 *   (R131), and nobody bridges it into the resv (no DMA_BUF_IOCTL_IMPORT_SYNC_FILE, R127): prepare_fb
 *   asks for WRITE fences and finds none (R132), so B scans out while A still renders.
 * Source: seed 004 "If you forget to pass a sync_file into one place (say you never notice KMS doesn't
 *   support them), it will probably work anyway thanks to all the implicit sync"; seed 000 "dma-buf
 *   between devices/subsystems"; H8; R53, R131-R133.
 * Changes: `sync: 'explicit-forgot'` (seeded bug: models/designs/prime-render-offload.ts atomicRequest).
 * Related: prime-render-offload (implicit: holds), prime-render-offload-in-fence (the IN_FENCE_FD fix).
 */
import { defineDesign } from '../design.ts';
import { PRIME_EXPECT, SNAPSHOT_STABLE, primeBase, primeConfigs, type PrimeConfig } from './prime-render-offload.ts';

export default defineDesign<PrimeConfig>({
  ...primeBase,
  name: 'prime-render-offload-explicit-forgot',
  summary:
    "Explicit PRIME render offload where the compositor never sets the render sync_file as IN_FENCE_FD: B's KMS " +
    "scans out while A's GPU still writes.",
  configs: primeConfigs('explicit-forgot'), // seeded bug
  expect: {
    ...PRIME_EXPECT,
    'snapshot-stable': SNAPSHOT_STABLE,
    'displayed-content-complete': {
      verdict: 'violates',
      why: "the flip waits on nothing: A's fence is BOOKKEEP (R53) and no IN_FENCE_FD was set (R131, R132, I26)",
    },
    'errors-propagate': {
      verdict: 'n/a',
      why:
        "no scanout of A's buffers waits on any fence (the bug), and the ui0 scanout on plane1 is never replaced, so " +
        'no access ends after a failed dependency (never reached in small and default: exploration)',
    },
    'hazard-free': {
      verdict: 'violates',
      why: "B's scanout of the buffer is ordered after nothing while A's render job writes it (H8, R53, R132)",
    },
  },
});
