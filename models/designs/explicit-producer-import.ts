/**
 * explicit-producer-import — the fixed twin of explicit-producer-implicit-consumer: the explicit
 * (Vulkan-style) producer imports its render fence into the shared buffer before the hand-off.
 *
 * Idea: before wl_surface.commit the producer calls DMA_BUF_IOCTL_IMPORT_SYNC_FILE(WRITE) with the
 *   sync_file of its render job (R127), promoting its BOOKKEEP fence to a WRITE fence, so the implicit
 *   consumer's dma_resv_usage_rw(read) query finds it (R54); to render the next frame it waits for the
 *   consumer's release with DMA_BUF_IOCTL_EXPORT_SYNC_FILE(WRITE) (R126). This is what the Vulkan WSI
 *   code does with the new ioctls (seed 004: "The WSI code uses these new ioctls to translate the
 *   implicit sync of X11 and Wayland to the explicit sync the Vulkan driver wants").
 * Source: seed 004 "A proposal: Implicit and explicit sync together"; H8 (its fix); R126, R127.
 * Changes: relative to explicit-producer-implicit-consumer, the import before the send; same scope.
 */
import { defineDesign } from '../design.ts';
import { sharingConfig } from '../userspace/buffer-sharing.ts';
import base, { producerConsumerScripts } from './explicit-producer-implicit-consumer.ts';
import { TDR_RECOVERS_EXPECT } from '../drm-sched/tdr-expect.ts';

const config = (frames: number, maxHangs: number) =>
  sharingConfig({ frames, maxHangs, creditLimit: 2, importFence: true }, producerConsumerScripts);

export default defineDesign({
  ...base,
  name: 'explicit-producer-import',
  summary:
    'H8 fixed: the explicit producer imports its render fence into the dma-buf (IMPORT_SYNC_FILE, WRITE) before the ' +
    'hand-off, as Vulkan WSI does.',
  source: 'seed 004 "A proposal: Implicit and explicit sync together"; H8; R126, R127',
  configs: { small: config(1, 1), default: config(2, 1), large: config(4, 2) },
  expect: {
    ...base.expect,
    'acyclic-waits': {
      verdict: 'holds',
      why: 'the imported fence and the exported snapshot already exist (R69, R127)',
    },
    'finite-time': {
      verdict: 'holds',
      why:
        'the reacquire export of two fences is a dma_fence_array nobody enabled signalling on; it counts as ' +
        'signalled once dma_fence_is_signaled() would say so (R41), as any waiter would see it',
    },
    'errors-propagate': {
      verdict: 'violates',
      why:
        'once the consumer waits on the imported render fence, drm_sched ignores its error (R94 cancels only a ' +
        "guilty entity's jobs): the consumer of a hung producer's -ETIME fence runs after the reset and signals 0",
    },
    'hazard-free': {
      verdict: 'holds',
      why:
        "the import makes the render fence a WRITE fence, so the consumer's usage_rw(read) waits on it (R54, R127); " +
        'the export on reacquire orders the next render after the sampling (R126)',
    },
    'over-sync-bounded': {
      verdict: 'holds',
      why:
        "shown by exploration (applies by default, issue 14.2); a job waiting on another job's fence: reached 5302 " +
        'times',
    },
    ...TDR_RECOVERS_EXPECT,
  },
});
