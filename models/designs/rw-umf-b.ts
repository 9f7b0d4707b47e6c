/**
 * rw-umf-b — the reference world RW-UMF(P, J), design B (umf-separated): contexts are long-running and
 * preemptible; the GPU polls the UMF; resv(BO_i) holds only the context's preempt fence, no job
 * finished fence is published; eviction preempts the owning context and never waits for a job.
 * Exactly shared/design/reference-world-rw-umf.md, like rw-umf-a.
 */
import { defineDesign } from '../design.ts';
import { initRwUmf, rwUmfSteps, rwPending, rwUmfConfigs, type RwUmfConfig } from '../reference/rw-umf.ts';

export default defineDesign<RwUmfConfig>({
  name: 'rw-umf-b',
  summary:
    'Reference world RW-UMF, design B: UMF polled by the GPU, preemptible contexts, only preempt fences in resv; ' +
    'eviction preempts instead of waiting.',
  source: 'shared/design/reference-world-rw-umf.md (design B)',
  configs: rwUmfConfigs,
  bounds: {
    exhaustive: { config: 'small', depth: 1000, maxStates: 5_000_000 },
    random: { config: 'default', depth: 400, runs: 300 },
  },
  init: (cfg) => initRwUmf('B', cfg),
  steps: rwUmfSteps('B'),
  pending: rwPending,
  expect: {
    'no-deadlock': {
      verdict: 'holds',
      why: 'an evictor waits only for a preemption, which the GPU lands in one step even while the job spins',
    },
    'finite-time': {
      verdict: 'holds',
      why:
        'the only fences are preempt fences, signalled by preemptDone whenever signalling was enabled; pin ' +
        "prevents thrash under the drain's fairness",
    },
    'acyclic-waits': {
      verdict: 'holds',
      why:
        'shown by exploration (applies by default, issue 14.2); a wait on something that itself waits (two live ' +
        'wait-for edges in a row): reached 15917 times',
    },
    'context-order': {
      verdict: 'n/a',
      why:
        'never reached here (two fences of one context in flight, the earlier one unsignalled) in small+default: ' +
        'exploration (issue 11.2)',
    },
    'one-shot': {
      verdict: 'n/a',
      why:
        "the reference world keeps Spin's state variables: resume installs a fresh preempt fence under the same id " +
        'p<i>.preempt (the spec has no fence identity), so one-shot cannot tell it from a re-armed one',
    },
    'umf-never-blocks-dma-fence': {
      verdict: 'holds',
      why:
        'shown by exploration (applies by default, issue 14.2); something waits on an unwritten user memory fence: ' +
        'reached 15917 times',
    },
  },
});
