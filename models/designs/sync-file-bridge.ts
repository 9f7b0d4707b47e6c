/**
 * sync-file-bridge — explicit inside, implicit at the boundaries, through the dma-buf sync_file
 * export/import ioctls (seed 004's proposal).
 *
 * Idea: an implicit-sync client (GL) renders into bo0 and commits it. The compositor is 100% explicit:
 *   it pulls a sync_file out of bo0 (DMA_BUF_IOCTL_EXPORT_SYNC_FILE, READ: the writers, R126), uses it
 *   as the in-fence of its composition job (BOOKKEEP), then stuffs its out-fence back into the buffers:
 *   into bo0 as READ, so the client's next frame (an implicit write) waits for the sampling, and into
 *   the scan-out bo1 as WRITE, for the implicit display (R127). Only then does it release bo0 to the
 *   client and hand bo1 to the display: R128's export -> submit -> import window is closed by program
 *   order (no other context touches the buffers in between; sync-file-bridge-race opens it).
 * Models: `frames` frames, the display releasing bo1 to the compositor between frames; one scheduler
 *   and ring, TDR on, `maxHangs` hangs.
 * Source: seed 004 "A proposal: Implicit and explicit sync together"; R126-R128; H8 (what it fixes).
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

/** The scope: frames, the hang budget; `writers`: implicit writers of bo0 with no hand-off (the race twin). */
interface Knobs {
  frames: number;
  writers: number;
  maxHangs: number;
  creditLimit: number;
}

/**
 * Each frame: the client renders bo0 and commits it; the compositor exports bo0's writers (and, from
 * the second frame, bo1's readers: the display's release), composites into bo1, imports its fence into
 * both, releases bo0 to the client and hands bo1 to the display, which scans it out and releases it.
 * Writers submit one implicit write of bo0 each, at any time, with no hand-off.
 */
export function bridgeScripts(k: Knobs): Record<string, Op[]> {
  const client: Op[] = [];
  const comp: Op[] = [];
  const display: Op[] = [];
  const render: Op = { op: 'submit', acc: [['bo0', 'w']], implicit: true };
  for (let f = 0; f < k.frames; f++) {
    client.push(render, { op: 'send', to: 'comp' }, { op: 'recv' });
    comp.push({ op: 'recv' });
    if (f > 0) comp.push({ op: 'recv' });
    comp.push({ op: 'export', bo: 'bo0', write: false });
    if (f > 0) comp.push({ op: 'export', bo: 'bo1', write: true });
    const composite: Op = {
      op: 'submit',
      acc: [
        ['bo0', 'r'],
        ['bo1', 'w'],
      ],
      implicit: false,
      out: true,
    };
    comp.push(
      composite,
      { op: 'import', bo: 'bo0', write: false },
      { op: 'import', bo: 'bo1', write: true },
      { op: 'send', to: 'client' },
      { op: 'send', to: 'display' },
    );
    display.push({ op: 'recv' }, { op: 'submit', acc: [['bo1', 'r']], implicit: true });
    if (f < k.frames - 1) display.push({ op: 'send', to: 'comp' });
  }
  client.push(render);
  const out: Record<string, Op[]> = { client, comp, display };
  for (let i = 0; i < k.writers; i++) out[i ? `writer${i}` : 'writer'] = [render];
  return out;
}

const config = (k: Omit<Knobs, 'writers'>) => sharingConfig({ ...k, writers: 0 }, bridgeScripts);

export default defineDesign<SharingConfig>({
  name: 'sync-file-bridge',
  summary:
    'An explicit compositor between implicit client and display, bridged by DMA_BUF_IOCTL_EXPORT/IMPORT_SYNC_FILE.',
  source: 'seed 004 "A proposal: Implicit and explicit sync together"; R126-R128',
  configs: {
    small: config({ frames: 1, maxHangs: 1, creditLimit: 2 }),
    default: config({ frames: 2, maxHangs: 1, creditLimit: 2 }),
    large: config({ frames: 3, maxHangs: 2, creditLimit: 2 }),
  },
  bounds: {
    exhaustive: { config: 'small', depth: 60, maxStates: 50_000 },
    random: { config: 'default', depth: 80, runs: 200 },
  },
  init: initSharing,
  steps: stepTable(sharingDesignSteps()),
  metrics: { 'over-sync': (w) => overSync(w) },
  expect: {
    'one-shot': { verdict: 'holds', why: 'fences are signalled once, by their ring, job or reset (R4)' },
    'acyclic-waits': {
      verdict: 'holds',
      why: 'exported snapshots and imported fences already exist (R69, R126, R127)',
    },
    'finite-time': {
      verdict: 'holds',
      why: 'every published fence (sync_files, resv entries) is a kernel fence bounded by TDR (R20)',
    },
    'context-order': { verdict: 'holds', why: 'per-entity finished fences signal in order on one ring (R97, I4)' },
    'snapshot-stable': {
      verdict: 'holds',
      why: 'the exported sync_file is a snapshot; later imports do not change it (R126, I17)',
    },
    'errors-propagate': {
      verdict: 'violates',
      why:
        "drm_sched ignores a dependency's error (only a guilty entity's jobs are cancelled, R94): a consumer " +
        "of a hung producer's -ETIME fence runs after the reset and signals 0",
    },
    'hazard-free': {
      verdict: 'holds',
      why:
        "export orders the compositor after the client's write, import orders the display and the client's next " +
        'write after the compositor (seed 004, R126, R127)',
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
        'never reached here (ready entities of different priorities compete for a ring) in small+default: ' +
        'exploration (issue 11.2)',
    },
    'over-sync-bounded': {
      verdict: 'holds',
      why:
        "shown by exploration (applies by default, issue 14.2); a job waiting on another job's fence: reached 10813 " +
        'times',
    },
    ...TDR_RECOVERS_EXPECT,
  },
});
