/**
 * single-fifo-no-tdr — single-fifo-implicit with the TDR disabled (timeout = MAX_SCHEDULE_TIMEOUT).
 *
 * Idea: the same device without hang recovery. R20 demands that fences of user-submitted work be
 *   backed by timeout and hang recovery; without it a hung job's fence, and every fence behind it on
 *   the ring and in the BOs' resvs, never signals.
 * Source: seed 001 "Finite-time guarantee of dma_fence" (if the GPU hangs: reset, signal all fences).
 * Changes: one substitution, `tdr: false`, like a TLA+ failure .cfg.
 * Related: single-fifo-implicit (the design it breaks).
 */
import { defineDesign } from '../design.ts';
import base, { type SingleFifoConfig } from './single-fifo-implicit.ts';

// seeded bug: no TDR; with it the timeout budget means nothing (the timer is never armed), so it is dropped
const noTdr = ({ timeouts: _, ...c }: SingleFifoConfig): SingleFifoConfig => ({ ...c, tdr: false });

export default defineDesign<SingleFifoConfig>({
  ...base,
  name: 'single-fifo-no-tdr',
  summary: 'single-fifo-implicit with TDR disabled: a GPU hang is never recovered.',
  source: 'seed 001 "Finite-time guarantee": if the GPU hangs, reset and signal all fences (R20)',
  configs: Object.fromEntries(Object.entries(base.configs).map(([k, c]) => [k, noTdr(c)])),
  expect: {
    // without a TDR nothing is ever reset or cancelled: innocent-context-survives is not reached here
    // (it is 'n/a' once the engine takes that verdict)
    ...Object.fromEntries(Object.entries(base.expect).filter(([k]) => k !== 'innocent-context-survives')),
    'finite-time': {
      verdict: 'violates',
      why: 'a hung ring is never reset, so its job fences stay unsignalled forever (R20, R98)',
    },
    'hang-recovers-with-error': {
      verdict: 'violates',
      why: 'without TDR a hung ring stays hung when the kernel and GPU settle (I22, R20)',
    },
    'context-order': {
      verdict: 'holds',
      why:
        'shown by exploration (applies by default, issue 14.2); two fences of one context in flight, the earlier one ' +
        'unsignalled: reached 1762 times',
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
    'innocent-context-survives': {
      verdict: 'n/a',
      why: 'never reached here (a context killed or a job cancelled) in small+default: exploration (issue 11.2)',
    },
    'no-priority-inversion': {
      verdict: 'n/a',
      why:
        'never reached here (ready entities of different priorities compete for a ring) in small+default: ' +
        'exploration (issue 11.2)',
    },
    'reset-completes-with-error': {
      verdict: 'n/a',
      why: 'never reached here (a hung ring reset with a job running on it) in small+default: exploration (issue 11.2)',
    },
  },
});
