/**
 * umf-wait-in-userspace — seed 001 option 2: "Wait in userspace before passing off to another process".
 *
 * Idea: the same two processes and memory as umf-wrapped, but proc1 never hands umf0 to the kernel:
 *   it sleeps on umf0 on the CPU (futex-like, R120) and only then submits a plain dma_fence job. No
 *   dma_fence ever depends on a user fence, so a memory move cannot close a cycle through one.
 *   The price: proc1's job is queued only after proc0's has completed, so the CPU round trip (wake up,
 *   submit) sits on the critical path: cross-process pipelining is lost (metrics below), and
 *   "totally breaks wayland" (a compositor cannot wait on the CPU for every client).
 * Source: seed 001 "What are our options?" option 2.
 * Changes: R30 respected: userspace waits; the kernel only ever sees materialized dma_fences.
 * Related: umf-wrapped (what it avoids), umf-separated (option 1's kernel side).
 */
import { defineDesign } from '../design.ts';
import base, { type UmfWrappedConfig } from './umf-wrapped.ts';
import { TDR_RECOVERS_EXPECT } from '../drm-sched/tdr-expect.ts';

const waitInUserspace = (c: UmfWrappedConfig): UmfWrappedConfig => ({ ...c, wrapInKernel: false });

export default defineDesign<UmfWrappedConfig>({
  ...base,
  name: 'umf-wait-in-userspace',
  summary:
    'The consumer waits for the user fence on the CPU, then submits a plain job: deadlock-free, but the handoff is ' +
    'serialized.',
  source: 'seed 001 "What are our options?" option 2 "Wait in userspace before passing off to another process"',
  configs: {
    small: waitInUserspace(base.configs.small),
    default: waitInUserspace(base.configs.default),
    large: waitInUserspace(base.configs.large),
  },
  expect: {
    'context-order': {
      verdict: 'n/a',
      why: 'one job per fence context: no two fences of one context are ever in flight together',
    },
    'crashed-producer-releases': {
      verdict: 'n/a',
      why: 'no process crashes in this design (no crash fault): a UMF writer never dies',
    },
    'preempt-fence-bounded': {
      verdict: 'n/a',
      why: 'no preempt or eviction fence: dma_fence jobs, no long-running context',
    },
    'one-shot': { verdict: 'holds', why: 'every fence has one signalling path (R4)' },
    'acyclic-waits': {
      verdict: 'holds',
      why:
        'seed 001 option 2 "neatly solves all the deadlock problems": the kernel never sees umf0, so a move ' +
        'cannot close a cycle through it',
    },
    'finite-time': {
      verdict: 'holds',
      why: 'every dma_fence depends only on BO moves and earlier jobs; TDR covers hangs (R20, R98)',
    },
    'umf-never-blocks-dma-fence': { verdict: 'holds', why: 'the CPU waits on umf0; no dma_fence does (I9, R30)' },
    'eviction-after-fences': { verdict: 'holds', why: "every move waits on its BO's resv fences (I19)" },
    'no-access-while-moving': { verdict: 'holds', why: 'jobs run only on resident BOs (I19)' },
    'innocent-context-survives': {
      verdict: 'holds',
      why: "no timeout on user fences; only a hung job's context is punished (R20)",
    },
    'errors-propagate': {
      verdict: 'n/a',
      why:
        'never reached here (a job completes after one of its dependencies signaled with an error) in small+default: ' +
        'exploration (issue 11.2)',
    },
    'hazard-free': {
      verdict: 'n/a',
      why:
        'never reached here (two queues touched one buffer, at least one writing) in small+default: exploration ' +
        '(issue 11.2)',
    },
    'hw-access-resident': {
      verdict: 'holds',
      why:
        'shown by exploration (applies by default, issue 14.2); hardware work using a BO while some BO is outside ' +
        'VRAM: reached 329 times',
    },
    'memory-eventually-freed': {
      verdict: 'n/a',
      why: 'never reached here (a fence or BO released by its owner) in small+default: exploration (issue 11.2)',
    },
    'no-eviction-with-free-slot': {
      verdict: 'holds',
      why:
        'shown by exploration (applies by default, issue 14.2); a BO evicted to make room for another: reached 249 ' +
        'times',
    },
    'no-priority-inversion': {
      verdict: 'n/a',
      why:
        'never reached here (ready entities of different priorities compete for a ring) in small+default: ' +
        'exploration (issue 11.2)',
    },
    'vram-within-capacity': {
      verdict: 'holds',
      why: 'shown by exploration (applies by default, issue 14.2); VRAM full: reached 1642 times',
    },
    ...TDR_RECOVERS_EXPECT,
  },
});
