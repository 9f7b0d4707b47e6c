/**
 * media-encoder-bridge — the fixed twin of media-encoder-implicit: the explicit compositor bridges its
 * render fence into the dma-buf before handing the buffer to the implicit-only encoder.
 *
 * Idea: after each explicit render (BOOKKEEP, an out sync_file, R53, R64) the compositor calls
 *   DMA_BUF_IOCTL_IMPORT_SYNC_FILE(WRITE) with that sync_file (R127): the render fence becomes a WRITE
 *   fence of the buffer's resv, and the encoder's driver, which waits on exactly those (R54, R62),
 *   starts only once the frame is rendered. The import comes before the hand-off in program order and
 *   nobody else writes the buffer, so R128's export -> submit -> import window never opens.
 * Source: seed 004 "A proposal: Implicit and explicit sync together" ("stuff it into the dma-buf before
 *   handing it to KMS ... (or if it tries to use that pesky media encoder no one has converted)"); R127.
 * Changes: `bridge: true` (the fix).
 * Related: media-encoder-implicit (the bug), sync-file-bridge (the same bridge towards an implicit
 *   display), explicit-producer-import (towards an implicit GPU consumer).
 */
import { defineDesign } from '../design.ts';
import { MEDIA_EXPECT, mediaBase, mediaConfigs, type MediaConfig } from './media-encoder-implicit.ts';

export default defineDesign<MediaConfig>({
  ...mediaBase,
  name: 'media-encoder-bridge',
  summary:
    'An explicit compositor imports its render sync_file into the dma-buf as WRITE (DMA_BUF_IOCTL_IMPORT_SYNC_FILE) ' +
    'before handing it to an implicit-only V4L2 encoder.',
  configs: mediaConfigs(true),
  expect: {
    ...MEDIA_EXPECT,
    'hazard-free': {
      verdict: 'holds',
      why:
        'the imported WRITE fence orders the encode after the render (R54, R62, R127); the compositor renders a ' +
        'buffer again only after the encoder returned it',
    },
    'errors-propagate': {
      verdict: 'violates',
      why:
        'the encoder, like drm_sched (R94) and KMS (R133), only waits: after a TDR completes the render with -ETIME ' +
        '(R99), the imported fence has signaled and the encoder reads the half-rendered frame and finishes with 0',
    },
  },
});
