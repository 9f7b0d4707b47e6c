/**
 * io-uring-mixed-submit — seed 003's open question: a process submits through io_uring and through the
 * ordinary ioctl, and an ioctl job waits on the fence of an io_uring entry.
 *
 * Idea: io_uring_enter returns as soon as the entry is in the SQ; the SQ thread turns it into a job
 *   later. An ioctl submission that names that entry's fence before the SQ thread consumed it names a
 *   fence that does not exist yet. The kernel's rule is -EINVAL before arm (R88, I25); this design lets
 *   the ioctl through with a placeholder that binds once the entry is consumed, i.e. a future edge in
 *   the scheduler's dependency graph (the "Indefinite DMA Fences" doc's rejected proxy fences, H2).
 * Source: seed 003 ("mixing io_uring and ioctl submissions?"); I8, I25; R88; H2.
 * Models: io-uring-submit's program and SQ thread, plus one DRM_IOCTL_SUBMIT on its own entity that waits
 *   on entry `after`.
 * Related: io-uring-submit.
 */
import { defineDesign, defineStep, stepTable } from '../design.ts';
import { addEntity } from '../drm-sched/sched-main.ts';
import { ioUringInit, ioUringSteps, drm_ioctl_submit_after_sqe, type IoUringConfig } from '../io-uring/io-uring-drm.ts';
import type { IoUringContext } from '../io-uring/io-uring.ts';
import { ctx, setG } from '../world.ts';
import base from './io-uring-submit.ts';
import { TDR_RECOVERS_EXPECT } from '../drm-sched/tdr-expect.ts';

interface MixedConfig extends IoUringConfig {
  /** the ioctl submission: its GPU queue and the io_uring entry whose fence it waits on. */
  ioctl: { queue: number; after: number };
}

const entered = (w: Parameters<typeof ctx>[0]) => {
  const c = ctx<IoUringContext>(w, 'uring0');
  return c.consumed + c.sq.length;
};

const DRM_IOCTL_SUBMIT = defineStep<MixedConfig>({
  name: 'DRM_IOCTL_SUBMIT',
  role: 'user',
  actor: () => 'proc0',
  enabled: (w, _a, cfg) => !w.g.ioctlSubmitted && entered(w) > cfg.ioctl.after,
  apply: (w, _a, cfg) =>
    setG(
      drm_ioctl_submit_after_sqe(w, 'uring0', 'proc0.ioctl0', 'proc0.ctx', `sched${cfg.ioctl.queue}`, cfg.ioctl.after),
      { ioctlSubmitted: true },
    ),
  doc: "seed 003: an ioctl submission waiting on an io_uring entry's fence, which may not exist yet (R88)",
});

const small: MixedConfig = { ...base.configs.small, ioctl: { queue: 1, after: 0 } };

export default defineDesign<MixedConfig>({
  ...base,
  name: 'io-uring-mixed-submit',
  summary:
    "An ioctl submission waits on an io_uring entry's fence before the SQ thread consumed it: a placeholder " +
    'dependency (future edge).',
  source: 'seed 003 (mixing io_uring and ioctl submissions); I8, I25, R88, H2',
  configs: {
    small,
    default: { ...base.configs.default, ioctl: { queue: 1, after: 2 } },
    large: { ...base.configs.large, ioctl: { queue: 1, after: 3 } },
  },
  init: (cfg) => addEntity(ioUringInit(cfg), 'proc0.ctx'),
  steps: stepTable<MixedConfig>(Object.values(ioUringSteps('fence-signaled')), DRM_IOCTL_SUBMIT),
  expect: {
    ...base.expect,
    'no-future-edges': {
      verdict: 'violates',
      why:
        'the ioctl job is armed on a placeholder for an entry still in the SQ; R88 would have returned -EINVAL ' +
        '(seed 003, I8)',
    },
    'innocent-context-survives': {
      verdict: 'violates',
      why:
        "collateral damage, as drm_sched does it: the reset after another entity's hang (or a timeout) cancels every " +
        "job on the reset ring with -ECANCELED (R101, R102), so an innocent entity's job ends with an error (R20 " +
        'asks ' +
        'for only the offending context)',
    },
    ...TDR_RECOVERS_EXPECT,
  },
});
