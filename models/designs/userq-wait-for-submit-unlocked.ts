/**
 * userq-wait-for-submit-unlocked — the fixed twin of userq-wait-for-submit-under-resv (I12).
 *
 * Idea: the wait ioctl resolves its timeline points with WAIT_FOR_SUBMIT first, holding no lock (as
 *   drm_syncobj_find_fence's lockdep_assert_none_held_once() demands, R78), and only then locks the BOs
 *   to collect their fences. The submitter's CS never waits behind it.
 * Source: R78, R88, I12.
 * Changes: none. Same world and scopes as the buggy design.
 */
import { defineDesign } from '../design.ts';
import { waitForSubmitDesign, type WaitForSubmitConfig } from './userq-wait-for-submit-under-resv.ts';

export default defineDesign<WaitForSubmitConfig>({
  name: 'userq-wait-for-submit-unlocked',
  summary: 'The wait ioctl resolves timeline points before it locks any BO (I12 kept).',
  source: 'R78, R88, R125; I12',
  ...waitForSubmitDesign(false),
  expect: {
    'acyclic-waits': {
      verdict: 'n/a',
      why: "its precondition never occurs in this design's world (0 states reached at default)",
    },
    'context-order': { verdict: 'holds', why: 'explored: holds, precondition reached in 13 state(s) at default' },
    'finite-time': {
      verdict: 'n/a',
      why: "its precondition never occurs in this design's world (0 states reached at default)",
    },
    'one-shot': { verdict: 'holds', why: 'explored: holds, precondition reached in 45 state(s) at default' },
    'signalling-section-discipline': {
      verdict: 'n/a',
      why: "its precondition never occurs in this design's world (0 states reached at default)",
    },
    'no-userspace-wait-under-kernel-lock': {
      verdict: 'holds',
      why: 'R78: the WAIT_FOR_SUBMIT wait holds no lock; the BOs are locked only to read their fences',
    },
    'no-deadlock': { verdict: 'holds', why: 'every wait returns once its point is submitted, or times out' },
  },
});
