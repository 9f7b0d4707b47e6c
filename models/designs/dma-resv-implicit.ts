/**
 * dma-resv-implicit — several processes share BOs through dma-buf; implicit sync via dma_resv.
 *
 * Idea: every CS ioctl waits on the fences an access of its kind must wait on (R54: a reader on the
 *   writers, a writer on everyone) and adds its own fence as WRITE or READ (R62). The CPU-time order of
 *   submissions is the synchronisation: no process passes a fence to another (seed 004, "implicit
 *   synchronization ... based on the absolute CPU-time order in which API calls occur").
 * Source: seed 004 "What are implicit and explicit synchronization?", "Current status in Linux";
 *   seed 000 "Implicit synchronisation".
 * Models: a producer writes bo0 and hands it to a consumer that reads bo0 and writes bo1, `frames`
 *   times; `readers` more processes read bo0 at any time (no hand-off). One scheduler and ring, TDR on,
 *   `maxHangs` hangs.
 * Metric over-sync: waits the data did not need. With `alwaysWrite` (config 'xe-default': the driver
 *   marks every access WRITE, R62 allows it, H7/R113) the two readers of bo0 wait on each other.
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

/** The scope: frames the producer hands off, readers of bo0 with no hand-off, the hang budget. */
export interface ImplicitKnobs {
  frames: number;
  readers: number;
  maxHangs: number;
  creditLimit: number;
  alwaysWrite?: boolean;
  depErrors?: 'ignore' | 'propagate';
}

/** proc0 writes bo0 and hands it to proc1 each frame; proc1 reads bo0, writes bo1; proc2.. read bo0. */
function scripts(k: ImplicitKnobs): Record<string, Op[]> {
  const out: Record<string, Op[]> = { proc0: [], proc1: [] };
  for (let f = 0; f < k.frames; f++) {
    out.proc0.push({ op: 'submit', acc: [['bo0', 'w']], implicit: true }, { op: 'send', to: 'proc1' });
    const rw: Op = {
      op: 'submit',
      acc: [
        ['bo0', 'r'],
        ['bo1', 'w'],
      ],
      implicit: true,
    };
    out.proc1.push({ op: 'recv' }, rw);
  }
  for (let r = 0; r < k.readers; r++)
    out[`proc${2 + r}`] = Array.from(
      { length: k.frames },
      (): Op => ({ op: 'submit', acc: [['bo0', 'r']], implicit: true }),
    );
  return out;
}

/** A config of this design (and of dma-resv-error-propagation) from its knobs. */
export const implicitConfig = (k: ImplicitKnobs) => sharingConfig(k, scripts);

export default defineDesign<SharingConfig>({
  name: 'dma-resv-implicit',
  summary:
    "Processes share BOs through dma-buf; every submit syncs implicitly on the BOs' dma_resv (READ/WRITE usages).",
  source:
    'seed 004 "What are implicit and explicit synchronization?"; seed 000 "Implicit synchronisation"; R53-R56, R62',
  configs: {
    small: implicitConfig({ frames: 1, readers: 1, maxHangs: 1, creditLimit: 2 }),
    default: implicitConfig({ frames: 1, readers: 2, maxHangs: 1, creditLimit: 2 }),
    large: implicitConfig({ frames: 2, readers: 2, maxHangs: 1, creditLimit: 2 }),
    'xe-default': implicitConfig({ frames: 1, readers: 1, maxHangs: 0, creditLimit: 2, alwaysWrite: true }),
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
    'acyclic-waits': { verdict: 'holds', why: 'implicit dependencies point at fences that already exist (R56, R93)' },
    'finite-time': { verdict: 'holds', why: 'only kernel fences are published, and TDR bounds a hang (R20, R98-R102)' },
    'context-order': {
      verdict: 'holds',
      why: 'one entity per process on one in-order ring: finished fences signal in seqno order (R97, I4)',
    },
    'snapshot-stable': { verdict: 'holds', why: 'dependencies are resolved at submit and never change (R70, I17)' },
    'hazard-free': {
      verdict: 'holds',
      why: 'R54: a reader waits on the writers, a writer on everyone, in CPU submission order (seed 004)',
    },
    'hang-recovers-with-error': {
      verdict: 'holds',
      why: 'TDR resets a hung ring; its hardware fences are force-completed with an error (I22, R99-R102)',
    },
    'errors-propagate': {
      verdict: 'violates',
      why:
        "drm_sched ignores a dependency's error (sched_entity.c: only a guilty entity's jobs get -ECANCELED, R94): " +
        "the consumer of a hung producer's -ETIME fence runs after the reset and signals 0",
    },
    'reset-completes-with-error': {
      verdict: 'holds',
      why: 'drm_sched_job_timedout completes the guilty job with -ETIME, the rest with -ECANCELED (R102)',
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
        "shown by exploration (applies by default, issue 14.2); a job waiting on another job's fence: reached 3186 " +
        'times',
    },
  },
});
