/**
 * present-vblank-naive — a compositor that works from vblank and waits for the client at paint time.
 *
 * Idea: at 'paint now' the compositor takes each surface's newest commit and waits (a CPU wait on the
 *   acquire point, WAIT_FOR_SUBMIT) until it signalled, then commits to KMS. Fine when every client
 *   produces content faster than the display runs; a wait-before-signal client (present before the
 *   render is submitted) or a slow client makes the compositor miss the vblank, for every surface.
 * Source: seed 000 "vblank! Easy. Working from vblank is great if you can produce content slightly
 *   faster than the display runs ... Neither of these things are true"; "what about wait-before-signal
 *   clients?".
 * Changes: policy 'naive' (seeded bug: waits instead of a late-binding decision).
 * Related: present-late-binding (the fix).
 */
import { defineDesign } from '../design.ts';
import { initPresent, presentSteps, presentMetrics, type PresentConfig } from '../display/present.ts';
import syncobj from './present-explicit-syncobj.ts';

const small: PresentConfig = { ...syncobj.configs.small, policy: 'naive' }; // seeded bug: wait at paint

export default defineDesign<PresentConfig>({
  ...syncobj,
  name: 'present-vblank-naive',
  summary:
    'At paint the compositor takes the newest buffer and waits on its acquire fence: a WBS or slow client makes it ' +
    'miss vblank.',
  source: 'seed 000 "vblank! Easy." / "vblank strikes back" / "what about wait-before-signal clients?"',
  configs: {
    small,
    default: { ...syncobj.configs.default, policy: 'naive' },
    large: { ...syncobj.configs.large, policy: 'naive' },
  },
  init: initPresent,
  steps: presentSteps(small),
  expect: {
    ...syncobj.expect,
    'acyclic-waits': {
      verdict: 'holds',
      why: 'the compositor waits on an acquire chain node that waits on the render, which waits on nothing (R45, R84)',
    },
    'compositor-never-stalls': {
      verdict: 'violates',
      why:
        'a client presents before rendering, the compositor waits at paint and the vblank passes with no flip ' +
        '(seed 000)',
    },
  },
  metrics: presentMetrics,
});
