/**
 * explicit-sync-file — explicit synchronisation: fences travel as sync_files between processes.
 *
 * Idea: jobs add their fences to the BOs only as BOOKKEEP (no implicit sync, R53); a producer exports
 *   its render fence as a sync_file and passes it with the buffer; the consumer's job waits on it.
 *   Exactly the waits the data needs, no more (seed 004: explicit sync avoids over-synchronization).
 * Source: seed 004 "A good example of explicit synchronization is the Vulkan API", "sync_file"; R53, R64.
 * Models: a producer writes bo0 and sends it with its out-fence; the consumer reads bo0, writes bo1
 *   and sends bo1 back with its own out-fence; the producer then reads bo1. One scheduler and ring, TDR on.
 */
import { defineDesign, stepTable } from '../design.ts';
import { initSharing, sharingDesignSteps, overSync, type SharingConfig } from '../userspace/buffer-sharing.ts';

const scripts: SharingConfig['scripts'] = {
  proc0: [
    { op: 'submit', acc: [['bo0', 'w']], implicit: false, out: true },
    { op: 'send', to: 'proc1', fence: true },
    { op: 'recv' },
    { op: 'submit', acc: [['bo1', 'r']], implicit: false },
  ],
  proc1: [
    { op: 'recv' },
    {
      op: 'submit',
      acc: [
        ['bo0', 'r'],
        ['bo1', 'w'],
      ],
      implicit: false,
      out: true,
    },
    { op: 'send', to: 'proc0', fence: true },
  ],
};

export default defineDesign<SharingConfig>({
  name: 'explicit-sync-file',
  summary: 'Explicit sync: BOOKKEEP fences only, render fences passed between processes as sync_files.',
  source: 'seed 004 "explicit synchronization", "sync_file"; R53, R64-R66',
  configs: {
    small: { scripts, bos: ['bo0', 'bo1'], maxHangs: 1, creditLimit: 2 },
    default: { scripts, bos: ['bo0', 'bo1'], maxHangs: 1, creditLimit: 2 },
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
    'hazard-free': {
      verdict: 'holds',
      why: "every consumer waits on the producer's sync_file it received with the buffer (seed 004, R64)",
    },
  },
});
