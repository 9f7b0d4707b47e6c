/**
 * explicit-producer-implicit-consumer — hazard H8: an explicit (Vulkan-style) producer hands a shared
 * buffer to an implicit-sync consumer without importing its render fence.
 *
 * Idea: the producer's job fence sits in the BO's resv only as BOOKKEEP (R53); the consumer (a GL
 *   compositor, KMS) asks for the implicit fences of a read, dma_resv_usage_rw(false) = WRITE (R54),
 *   gets nothing, and samples while the producer is still rendering.
 * Source: seed 004 "it's really easy to get your explicit synchronization wrong and never notice";
 *   H8; R53, R54, R127 (the fix the bridge design applies).
 * Changes: relative to explicit-producer-import (its fixed twin), the DMA_BUF_IOCTL_IMPORT_SYNC_FILE
 *   before the hand-off is missing (// seeded bug below).
 * Models: `frames` hand-offs of bo0 between the producer and the consumer and back; one scheduler and
 *   ring, TDR on, `maxHangs` hangs.
 */
import { defineDesign, stepTable } from '../design.ts';
import {
  initSharing,
  sharingConfig,
  sharingDesignSteps,
  overSync,
  type Op,
  type SharingConfig,
} from '../userspace/buffer-sharing.ts';
import { TDR_RECOVERS_EXPECT } from '../drm-sched/tdr-expect.ts';

/** The scope: frames handed off, the hang budget; `importFence` is the fix (explicit-producer-import). */
interface Knobs {
  frames: number;
  maxHangs: number;
  creditLimit: number;
  importFence: boolean;
}

/**
 * Each frame the producer renders bo0 (explicit: BOOKKEEP, an out sync_file) and hands it to the
 * consumer, which samples it implicitly and hands it back; from the second frame on, the producer
 * waits for the release the way Vulkan WSI does, DMA_BUF_IOCTL_EXPORT_SYNC_FILE(WRITE) (R126).
 */
export function producerConsumerScripts(k: Knobs): Record<string, Op[]> {
  const producer: Op[] = [];
  const consumer: Op[] = [];
  for (let f = 0; f < k.frames; f++) {
    if (f > 0) producer.push({ op: 'recv' }, { op: 'export', bo: 'bo0', write: true });
    producer.push({ op: 'submit', acc: [['bo0', 'w']], implicit: false, out: true });
    // seeded bug (H8) unless importFence: no { op: 'import', bo: 'bo0', write: true } before the send.
    if (k.importFence) producer.push({ op: 'import', bo: 'bo0', write: true });
    producer.push({ op: 'send', to: 'consumer' });
    consumer.push({ op: 'recv' }, { op: 'submit', acc: [['bo0', 'r']], implicit: true });
    if (f < k.frames - 1) consumer.push({ op: 'send', to: 'producer' });
  }
  return { producer, consumer };
}

const config = (k: Omit<Knobs, 'importFence'>) => sharingConfig({ ...k, importFence: false }, producerConsumerScripts);

export default defineDesign<SharingConfig>({
  name: 'explicit-producer-implicit-consumer',
  summary:
    'H8: an explicit producer (BOOKKEEP fences) hands a dma-buf to an implicit consumer without importing its render ' +
    'fence.',
  source: 'seed 004 "Chicken and egg problems"; H8; R53, R54',
  configs: {
    small: config({ frames: 1, maxHangs: 1, creditLimit: 2 }),
    default: config({ frames: 2, maxHangs: 1, creditLimit: 2 }),
    large: config({ frames: 4, maxHangs: 2, creditLimit: 2 }),
  },
  bounds: {
    exhaustive: { config: 'default', depth: 60, maxStates: 100_000 },
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
    'errors-propagate': {
      verdict: 'violates',
      why:
        "from the second frame the producer waits on the consumer's release (R126); drm_sched ignores that " +
        "fence's error (R94 cancels only a guilty entity's jobs), so a hung consumer's -ETIME is dropped",
    },
    'hazard-free': {
      verdict: 'violates',
      why:
        "H8: the consumer's usage_rw(read) query sees no BOOKKEEP fence, so it reads bo0 unordered with the write " +
        '(R53, R54, seed 004)',
    },
    'innocent-context-survives': {
      verdict: 'violates',
      why:
        "collateral damage, as drm_sched does it: the reset after another entity's hang (or a timeout) cancels every " +
        "job on the reset ring with -ECANCELED (R101, R102), so an innocent entity's job ends with an error (R20 " +
        'asks ' +
        'for only the offending context)',
    },
    'no-priority-inversion': {
      verdict: 'n/a',
      why:
        'never reached here (ready entities of different priorities compete for a ring) in default+default: ' +
        'exploration (issue 11.2)',
    },
    'over-sync-bounded': {
      verdict: 'holds',
      why:
        "shown by exploration (applies by default, issue 14.2); a job waiting on another job's fence: reached 2729 " +
        'times',
    },
    ...TDR_RECOVERS_EXPECT,
  },
});
