/**
 * present-late-binding — the compositor's late-binding decision point (seed 000 "vblank + frame + WBS").
 *
 * Idea: as present-explicit-syncobj, but just before paint the compositor uses, per surface, the
 *   newest buffer whose acquire point has signalled and skips (releases) older ones; if none is ready it
 *   keeps the previous buffer. A wait-before-signal client that has not even submitted its render, or
 *   a slow one, only keeps its old content on screen; nobody else's frame is delayed.
 * Source: seed 000 "Compositor complexity: ... need to introduce late-binding decision point in
 *   compositors. Just before paint, check for readiness and decide between old & new"; R139, R141.
 * Changes: policy 'late-binding' instead of in-order transactions (may skip frames: lower latency).
 * Related: present-vblank-naive (waits instead of deciding).
 */
import { defineDesign } from '../design.ts';
import { initPresent, presentSteps, presentMetrics, type PresentConfig } from '../display/present.ts';
import syncobj from './present-explicit-syncobj.ts';

const small: PresentConfig = { ...syncobj.configs.small, policy: 'late-binding' };

export default defineDesign<PresentConfig>({
  ...syncobj,
  name: 'present-late-binding',
  summary:
    'Before paint, per surface: the newest buffer whose acquire point signalled, else the previous one; never waits ' +
    'on a client.',
  source: 'seed 000 "vblank + frame + WBS" (late-binding decision point); R139, R141',
  configs: {
    small,
    default: { ...syncobj.configs.default, policy: 'late-binding' },
    large: { ...syncobj.configs.large, policy: 'late-binding' },
  },
  init: initPresent,
  steps: presentSteps(small),
  expect: {
    ...syncobj.expect,
    'acyclic-waits': {
      verdict: 'holds',
      why:
        'a skipped commit is released while its render runs: the release point waits on the acquire (R45), nothing ' +
        'waits back',
    },
    'compositor-never-stalls': {
      verdict: 'holds',
      why: 'the decision reads fence states and never waits: an unready client keeps its previous buffer (seed 000)',
    },
  },
  metrics: presentMetrics,
});
