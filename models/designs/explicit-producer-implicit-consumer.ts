/**
 * explicit-producer-implicit-consumer — hazard H8: an explicit (Vulkan-style) producer hands a shared
 * buffer to an implicit-sync consumer without importing its render fence.
 *
 * Idea: the producer's job fence sits in the BO's resv only as BOOKKEEP (R53); the consumer (a GL
 *   compositor, KMS) asks for the implicit fences of a read, dma_resv_usage_rw(false) = WRITE (R54),
 *   gets nothing, and samples while the producer is still rendering.
 * Source: seed 004 "it's really easy to get your explicit synchronization wrong and never notice";
 *   H8; R53, R54, R127 (the fix the bridge design applies).
 * Changes: relative to sync-file-bridge, the DMA_BUF_IOCTL_IMPORT_SYNC_FILE before the hand-off is
 *   missing (// seeded bug below).
 */
import { defineDesign, stepTable } from '../design.ts';
import { initSharing, sharingDesignSteps, overSync, type SharingConfig } from '../userspace/buffer-sharing.ts';

const scripts: SharingConfig['scripts'] = {
  // seeded bug: no { op: 'import', bo: 'bo0', write: true } before the send (H8).
  producer: [
    { op: 'submit', acc: [['bo0', 'w']], implicit: false, out: true },
    { op: 'send', to: 'consumer' },
  ],
  consumer: [{ op: 'recv' }, { op: 'submit', acc: [['bo0', 'r']], implicit: true }],
};

export default defineDesign<SharingConfig>({
  name: 'explicit-producer-implicit-consumer',
  summary:
    'H8: an explicit producer (BOOKKEEP fences) hands a dma-buf to an implicit consumer without importing its render ' +
    'fence.',
  source: 'seed 004 "Chicken and egg problems"; H8; R53, R54',
  configs: {
    small: { scripts, bos: ['bo0'], maxHangs: 1, creditLimit: 2 },
    default: { scripts, bos: ['bo0'], maxHangs: 1, creditLimit: 2 },
  },
  bounds: {
    exhaustive: { config: 'small', depth: 40, maxStates: 50_000 },
    random: { config: 'default', depth: 60, runs: 200 },
  },
  init: initSharing,
  steps: stepTable(sharingDesignSteps()),
  metrics: { 'over-sync': (w) => overSync(w) },
  expect: {
    'one-shot': { verdict: 'holds', why: 'fences are signalled once, by their ring, job or reset (R4)' },
    'acyclic-waits': { verdict: 'holds', why: 'the consumer waits on nothing at all: no edge, no cycle' },
    'finite-time': { verdict: 'holds', why: 'every published fence is a kernel fence that TDR bounds (R20)' },
    'context-order': { verdict: 'holds', why: 'per-entity finished fences signal in order on one ring (R97, I4)' },
    'snapshot-stable': { verdict: 'holds', why: 'the out sync_file keeps its fence (R64)' },
    'hazard-free': {
      verdict: 'violates',
      why:
        "H8: the consumer's usage_rw(read) query sees no BOOKKEEP fence, so it reads bo0 unordered with the write " +
        '(R53, R54, seed 004)',
    },
  },
});
