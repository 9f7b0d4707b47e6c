/**
 * sync-file-bridge-race — sync-file-bridge with R128's window open: an implicit writer of the client's
 * buffer submits between the compositor's export and its import.
 *
 * Idea: the compositor's DMA_BUF_IOCTL_EXPORT_SYNC_FILE is a snapshot (R126); its composition job is
 *   explicit (BOOKKEEP), and its fence reaches bo0's implicit slots only at the import (R127). A write
 *   of bo0 submitted in between by another implicit context (a second GL context sharing the buffer, a
 *   capture tool) is in neither: the write's usage_rw(write) query does not see the BOOKKEEP fence, and
 *   the snapshot does not hold the write, so the compositor samples while it is written. The uAPI doc
 *   warns of exactly this (R128: "userspace must keep other contexts from adding fences or submitting
 *   in between"); H8's residual race.
 * Source: R128 (include/uapi/linux/dma-buf.h, DMA_BUF_IOCTL_EXPORT_SYNC_FILE); H8 "Residual race";
 *   seed 004 "A proposal: Implicit and explicit sync together".
 * Changes: relative to sync-file-bridge, one more process (`writer`) with one implicit write of bo0 and
 *   no hand-off; same frames, hangs and credits.
 */
import { defineDesign } from '../design.ts';
import { sharingConfig } from '../userspace/buffer-sharing.ts';
import base, { bridgeScripts } from './sync-file-bridge.ts';
import { TDR_RECOVERS_EXPECT } from '../drm-sched/tdr-expect.ts';

const config = (frames: number, maxHangs: number) =>
  sharingConfig({ frames, writers: 1, maxHangs, creditLimit: 2 }, bridgeScripts);

export default defineDesign({
  ...base,
  name: 'sync-file-bridge-race',
  summary:
    "The bridge with R128's export -> submit -> import window open: an implicit writer of bo0 submits inside it.",
  source: 'R128; H8 "Residual race"; seed 004 "A proposal: Implicit and explicit sync together"',
  configs: { small: config(1, 1), default: config(2, 1), large: config(3, 2) },
  // small is the bridge's small plus the writer: 421217 states, so the bound is raised to cover it
  bounds: { ...base.bounds, exhaustive: { ...base.bounds.exhaustive, maxStates: 600_000 } },
  expect: {
    ...base.expect,
    'hazard-free': {
      verdict: 'violates',
      why:
        'R128: a write submitted between the export (a snapshot, R126) and the import (R127) sees only the BOOKKEEP ' +
        'composition fence, which usage_rw(write) skips, and the snapshot misses it: write and sampling unordered',
    },
    'over-sync-bounded': {
      verdict: 'holds',
      why:
        "shown by exploration (applies by default, issue 14.2); a job waiting on another job's fence: reached 425608 " +
        'times',
    },
    ...TDR_RECOVERS_EXPECT,
  },
});
