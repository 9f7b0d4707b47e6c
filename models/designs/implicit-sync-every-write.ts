/**
 * implicit-sync-every-write — the driver marks every implicit-sync access WRITE (H7, Xe's default for
 * external BOs).
 *
 * Idea: a producer writes a shared dma-buf once; `readers` independent clients then sample it, each
 *   `frames` times, with implicit sync. R62 allows a driver to add WRITE fences for everything: it is
 *   correct, but every reader then waits on every earlier reader (R54: a writer waits on READ, i.e. on
 *   everyone), so independent readers serialise. The design declares that it wants no waits beyond its
 *   data flow (overSyncBound 0); over-sync-bounded fails on the first reader that waits on a reader.
 * Source: seed 004 ("over-synchronization"); H7 (Xe issue #2673; R113: non-LR execs install into external
 *   BOs' WRITE slot by default; the proposed DRM_XE_VM_CREATE_FLAG_EXTOBJ_BOOKKEEP opt-out); R54, R62.
 *   dma-resv-implicit's 'xe-default' config is the same driver behaviour on that design's scenario.
 * Changes: alwaysWrite (the seeded over-synchronisation); the twin implicit-sync-read-write adds READ
 *   for reads, as R62 asks of implicit-sync drivers.
 * Models: one scheduler and ring (TDR on, `maxHangs`), proc0 the producer, proc1..proc<readers> readers.
 */
import { defineDesign, stepTable } from '../design.ts';
import { initSharing, sharingDesignSteps, overSync, type SharingConfig, type Op } from '../userspace/buffer-sharing.ts';
import { TDR_RECOVERS_EXPECT } from '../drm-sched/tdr-expect.ts';

export interface OverSyncConfig extends SharingConfig {
  /** the over-synchronisation this design accepts (over-sync-bounded). */
  overSyncBound: number;
}

function scope(readers: number, frames: number, maxHangs: number, alwaysWrite: boolean): OverSyncConfig {
  const scripts: Record<string, Op[]> = { proc0: [{ op: 'submit', acc: [['bo0', 'w']], implicit: true }] };
  for (let r = 1; r <= readers; r++)
    scripts[`proc${r}`] = Array.from(
      { length: frames },
      (): Op => ({ op: 'submit', acc: [['bo0', 'r']], implicit: true }),
    );
  return { scripts, bos: ['bo0'], maxHangs, creditLimit: 2, alwaysWrite, overSyncBound: 0 };
}

/** Scopes and table shared with the twin (implicit-sync-read-write). */
export function overSyncDesign(alwaysWrite: boolean) {
  return {
    configs: {
      small: scope(2, 1, 0, alwaysWrite),
      default: scope(3, 1, 0, alwaysWrite),
      large: scope(3, 2, 1, alwaysWrite),
    },
    bounds: {
      exhaustive: { config: 'default', depth: 80, maxStates: 500_000 },
      random: { config: 'large', depth: 100, runs: 200 },
    },
    init: initSharing,
    steps: stepTable(sharingDesignSteps()),
    metrics: { 'over-sync': overSync },
  };
}

export default defineDesign<OverSyncConfig>({
  name: 'implicit-sync-every-write',
  summary: 'Every implicit access is fenced as WRITE: independent readers of a shared buffer serialise (H7).',
  source: 'seed 004 "over-synchronization"; H7 (Xe #2673), R54, R62, R113',
  ...overSyncDesign(true),
  expect: {
    'acyclic-waits': { verdict: 'holds', why: 'explored: holds, precondition reached in 2616 state(s) at default' },
    'context-order': { verdict: 'holds', why: 'explored: holds, precondition reached in 2232 state(s) at default' },
    'errors-propagate': {
      verdict: 'n/a',
      why: "its precondition never occurs in this design's world (0 states reached at default)",
    },
    'innocent-context-survives': {
      verdict: 'n/a',
      why: "its precondition never occurs in this design's world (0 states reached at default)",
    },
    'no-priority-inversion': {
      verdict: 'n/a',
      why: "its precondition never occurs in this design's world (0 states reached at default)",
    },
    'over-sync-bounded': {
      verdict: 'violates',
      why: 'H7: a reader waits on an earlier reader, a wait its data does not need (R54 with WRITE everywhere)',
    },
    'hazard-free': { verdict: 'holds', why: 'R62: always WRITE over-synchronises but never under-synchronises' },
    'finite-time': { verdict: 'holds', why: 'only kernel fences; TDR bounds a hang (R20, R98)' },
    'one-shot': { verdict: 'holds', why: 'each fence signals once (R4)' },
    ...TDR_RECOVERS_EXPECT,
  },
});
