/**
 * rw-umf-a — the reference world RW-UMF(P, J), design A (umf-wrapped): the user memory fence is
 * wrapped in a dma_fence and becomes a scheduler dependency of the job, whose finished fence goes into
 * resv(BO_i) at submission; eviction waits for every fence in the victim's resv while holding its
 * lock. Exactly shared/design/reference-world-rw-umf.md: the same state variables and the same atomic
 * actions as the Spin model (bench/rw-umf.pml), so distinct-state counts and shortest traces compare.
 */
import { defineDesign } from '../design.ts';
import { initRwUmf, rwUmfSteps, rwPending, rwUmfConfigs, type RwUmfConfig } from '../reference/rw-umf.ts';

export default defineDesign<RwUmfConfig>({
  name: 'rw-umf-a',
  summary:
    'Reference world RW-UMF, design A: UMF wrapped in a dma_fence as a job dependency; eviction waits on the ' +
    "victim's finished fences under its resv lock.",
  source: 'shared/design/reference-world-rw-umf.md (design A); seeds on user memory fences (R30)',
  configs: rwUmfConfigs,
  bounds: {
    exhaustive: { config: 'small', depth: 1000, maxStates: 5_000_000 },
    random: { config: 'default', depth: 400, runs: 300 },
  },
  init: (cfg) => initRwUmf('A', cfg),
  steps: rwUmfSteps('A'),
  pending: rwPending,
  expect: {
    'no-deadlock': {
      verdict: 'violates',
      why:
        "the evictor waits on a finished fence that waits on a UMF only the evictor's own ring can cause to be " +
        'written (spec: design A deadlock)',
    },
    'finite-time': {
      verdict: 'violates',
      why:
        'a published finished fence depends on a UMF; with userspace stopped (or the evictor deadlocked) it never ' +
        'signals (R30)',
    },
    'acyclic-waits': {
      verdict: 'violates',
      why:
        "design A: the evictor waits on a finished fence that waits (wrapped) on a UMF that only the evictor's " +
        'own ring can cause to be written: the deadlock, as a wait-for cycle (H1, I7)',
    },
    'context-order': {
      verdict: 'holds',
      why:
        'shown by exploration (applies by default, issue 14.2); two fences of one context in flight, the earlier one ' +
        'unsignalled: reached 6477 times',
    },
    'one-shot': {
      verdict: 'holds',
      why:
        'shown by exploration (applies by default, issue 14.2); a step taken while some fence is signaled: reached ' +
        '6005 times',
    },
    'umf-never-blocks-dma-fence': {
      verdict: 'violates',
      why:
        "design A wraps the UMF in the job's dma_fence, published in resv(BO_i): a dma_fence gated on a user fence " +
        '(I9, R30)',
    },
  },
});
