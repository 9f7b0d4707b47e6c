/**
 * explicit-sync-file — explicit synchronisation: fences travel as sync_files between processes.
 *
 * Idea: jobs add their fences to the BOs only as BOOKKEEP (no implicit sync, R53); a producer exports
 *   its render fence as a sync_file and passes it with the buffer; the consumer's job waits on it.
 *   Exactly the waits the data needs, no more (seed 004: explicit sync avoids over-synchronization).
 * Source: seed 004 "A good example of explicit synchronization is the Vulkan API", "sync_file"; R53, R64.
 * Models: a producer writes bo0 and sends it with its out-fence; the consumer reads bo0, writes bo1
 *   and sends bo1 back with its own out-fence; the producer then reads bo1; `rounds` times. One scheduler
 *   and ring, TDR on, `maxHangs` hangs.
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

/** The scope: round trips of the two buffers, the hang budget. */
interface Knobs {
  rounds: number;
  maxHangs: number;
  creditLimit: number;
}

/** Each round: proc0 writes bo0 and sends it with its fence; proc1 reads it, writes bo1, sends it back. */
function scripts(k: Knobs): Record<string, Op[]> {
  const proc0: Op[] = [];
  const proc1: Op[] = [];
  for (let r = 0; r < k.rounds; r++) {
    proc0.push(
      { op: 'submit', acc: [['bo0', 'w']], implicit: false, out: true },
      { op: 'send', to: 'proc1', fence: true },
      { op: 'recv' },
      { op: 'submit', acc: [['bo1', 'r']], implicit: false },
    );
    const rw: Op = {
      op: 'submit',
      acc: [
        ['bo0', 'r'],
        ['bo1', 'w'],
      ],
      implicit: false,
      out: true,
    };
    proc1.push({ op: 'recv' }, rw, { op: 'send', to: 'proc0', fence: true });
  }
  return { proc0, proc1 };
}

const config = (k: Knobs) => sharingConfig(k, scripts);

export default defineDesign<SharingConfig>({
  name: 'explicit-sync-file',
  summary: 'Explicit sync: BOOKKEEP fences only, render fences passed between processes as sync_files.',
  source: 'seed 004 "explicit synchronization", "sync_file"; R53, R64-R66',
  configs: {
    small: config({ rounds: 1, maxHangs: 1, creditLimit: 2 }),
    default: config({ rounds: 2, maxHangs: 1, creditLimit: 2 }),
    large: config({ rounds: 4, maxHangs: 2, creditLimit: 2 }),
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
    'acyclic-waits': {
      verdict: 'holds',
      why: 'a sync_file only exists for a fence that is already materialized (R69)',
    },
    'finite-time': { verdict: 'holds', why: 'sync_files hold kernel fences that TDR bounds (R20, R69)' },
    'context-order': { verdict: 'holds', why: 'per-entity finished fences signal in order on one ring (R97, I4)' },
    'snapshot-stable': { verdict: 'holds', why: "a sync_file's fence never changes (R64)" },
    'errors-propagate': {
      verdict: 'violates',
      why:
        "drm_sched ignores a dependency's error (only a guilty entity's jobs are cancelled, R94): a consumer " +
        "of a hung producer's -ETIME fence runs after the reset and signals 0",
    },
    'hazard-free': {
      verdict: 'holds',
      why: "every consumer waits on the producer's sync_file it received with the buffer (seed 004, R64)",
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
        "shown by exploration (applies by default, issue 14.2); a job waiting on another job's fence: reached 3080 " +
        'times',
    },
    ...TDR_RECOVERS_EXPECT,
  },
});
