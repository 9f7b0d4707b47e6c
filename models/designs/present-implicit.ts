/**
 * present-implicit — X11 Present (and old Wayland) with implicit sync.
 *
 * Idea: the client renders into a pixmap's dma-buf; the render fence travels in the buffer's resv as
 *   WRITE (R62), so the render must be submitted before PresentPixmap (no wait-before-signal). The X
 *   server / compositor checks readiness with poll(EPOLLIN) on the dma-buf (R129) before using a
 *   pixmap, commits to KMS without an in-fence so prepare_fb takes the WRITE fences (R132), and
 *   triggers the pixmap's xshmfence idle fence (PresentIdleNotify) after the flip that replaced it.
 * Source: seed 004 (implicit sync), seed 002 (Vetter: "all these other compositors rely on implicit
 *   sync"), seed 000 display part; R62, R129, R132.
 * Abstracted away: the X server's copy path for windowed clients (direct scanout only).
 */
import { defineDesign } from '../design.ts';
import { initPresent, presentSteps, presentMetrics, type PresentConfig } from '../display/present.ts';
import syncobj from './present-explicit-syncobj.ts';

const implicit = { sync: 'implicit', wbs: false, policy: 'transaction' } as const;
const small: PresentConfig = { ...syncobj.configs.small, ...implicit };

export default defineDesign<PresentConfig>({
  ...syncobj,
  name: 'present-implicit',
  summary:
    'X11 Present with xshmfence idle fences and implicit sync through the dma-buf resv; the server polls the dma-buf ' +
    'before use.',
  source: 'seed 004 implicit sync; seed 002 (compositors rely on implicit sync); R62, R129, R132',
  configs: {
    small,
    default: { ...syncobj.configs.default, ...implicit },
    large: { ...syncobj.configs.large, ...implicit },
  },
  init: initPresent,
  steps: presentSteps(small),
  expect: {
    'one-shot': {
      verdict: 'holds',
      why: 'render and out-fences have one signaller each: the GPU, the flip (R4, R134)',
    },
    'acyclic-waits': {
      verdict: 'n/a',
      why:
        'the server uses a pixmap only once its WRITE fence signalled and KMS then waits on nothing live: no ' +
        'wait-for chain ever forms (explored: never reached)',
    },
    'finite-time': {
      verdict: 'holds',
      why: 'only GPU and KMS fences are published; the xshmfence is no dma_fence (R30)',
    },
    'compositor-never-stalls': {
      verdict: 'holds',
      why:
        'the server uses a pixmap only once poll(EPOLLIN) says its writers are done (R129), so KMS never waits on ' +
        'a client',
    },
    'scanout-not-written': {
      verdict: 'holds',
      why: 'the client reuses a pixmap only after its xshmfence triggered, after the flip away',
    },
    'release-after-last-use': {
      verdict: 'holds',
      why: 'PresentIdleNotify is sent from flip-done of the replacing commit',
    },
    'hazard-free': {
      verdict: 'holds',
      why: 'a pixmap is rewritten only after its idle xshmfence, sent after a flip that needed its WRITE fence (R132)',
    },
    'displayed-content-complete': {
      verdict: 'holds',
      why:
        'the server uses a pixmap once poll(EPOLLIN) says its writer is done (R129), and prepare_fb would wait on ' +
        'the WRITE fence anyway (R132)',
    },
    'context-order': {
      verdict: 'holds',
      why:
        'one fence context per GPU queue (in order on its ring), per CRTC (flips in order) and per plane (scanouts ' +
        'end in commit order) (I4, R2)',
    },
    'crash-isolation': {
      verdict: 'n/a',
      why: 'no crash budget in any config of this design; present-submit-return is the design about crashes',
    },
    'out-fence-once': {
      verdict: 'holds',
      why: 'one commit pending per CRTC, its out-fence signalled at its flip (R134)',
    },
    'hang-recovers-with-error': {
      verdict: 'n/a',
      why: 'never reached here (a ring, context or user queue hung) in small+default: exploration (issue 11.2)',
    },
  },
  metrics: presentMetrics,
});
