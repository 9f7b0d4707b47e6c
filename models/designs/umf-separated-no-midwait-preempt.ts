/**
 * umf-separated-no-midwait-preempt — umf-separated on hardware that cannot preempt a batch while it
 * spins on a user memory fence.
 *
 * Idea: seed 001's solution "depends on preemption": "if you need to move memory, you preempt, move,
 *   restore; preempt happens in finite time so you can block dma_fence on it". Here the GPU preempts
 *   only at a batch boundary (seed 002: "preemption takes a while longer"), so a consumer spinning on
 *   its producer's UMF cannot be suspended until the producer writes it. When the producer's own batch
 *   needs the consumer's VRAM slot, the eviction waits on the consumer's preempt fence, the preemption
 *   waits on the UMF, and the UMF's writer waits for memory: internal kernel stuff waits on a UMF after
 *   all, through the preempt fence.
 * Source: seed 001 "Solution pt. 1" ("Depends on preemption"); seed 002 Vetter "preemption takes a
 *   while longer"; R109, I20, I9.
 * Changes: one substitution, `midWaitPreempt: false` (R109's bound relies on mid-wait preemption).
 * Related: umf-separated (the hardware the seed assumes), userq-no-hang-detect (the same wait, amdgpu).
 */
import { defineDesign } from '../design.ts';
import base, { type UmfSeparatedConfig } from './umf-separated.ts';

// seeded bug: preemption lands only at batch boundaries
const noMidWait = (c: UmfSeparatedConfig): UmfSeparatedConfig => ({ ...c, midWaitPreempt: false });

export default defineDesign<UmfSeparatedConfig>({
  ...base,
  name: 'umf-separated-no-midwait-preempt',
  summary:
    'umf-separated where preemption cannot land mid-spin: evicting a spinning consumer waits on its UMF, whose ' +
    'writer waits for memory.',
  source: 'seed 001 "Solution pt. 1" ("Depends on preemption"); seed 002 "preemption takes a while longer"; R109',
  configs: {
    small: noMidWait(base.configs.small),
    default: noMidWait(base.configs.default),
    large: noMidWait(base.configs.large),
  },
  expect: {
    ...base.expect,
    'acyclic-waits': {
      verdict: 'violates',
      why:
        "the memory-management cycle of seed 001 'Userspace can't trust us', closed through a preempt fence: the " +
        "producer's move in waits on the consumer's eviction, which waits on its preempt fence, which waits on the " +
        'spin, which waits on the producer (R109 relaxed, H5, R30)',
    },
    'umf-never-blocks-dma-fence': {
      verdict: 'violates',
      why: 'the eviction (a dma_fence) waits on a preempt fence that waits on a user memory fence (I9)',
    },
    'finite-time': {
      verdict: 'violates',
      why:
        "the eviction publishes the spinning consumer's preempt fence; the suspend cannot land before umf0 is " +
        "written, and umf0's writer waits for the VRAM that eviction frees (seed 001 'depends on preemption')",
    },
    'preempt-fence-bounded': {
      verdict: 'violates',
      why: 'I20 rests on R109 "even mid-spin": without it an enabled preempt fence waits on a user memory fence',
    },
  },
});
