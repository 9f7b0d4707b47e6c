/**
 * timeline-wbs-direct — wait-before-signal handed straight to the kernel scheduler (rejected; H2).
 *
 * Idea: the same app as timeline-submit-thread, without the submit thread: vkQueueSubmit always calls
 *   the kernel at once. When a batch waits on a point that has not materialized, a naive driver arms
 *   the job with a dependency on a placeholder fence for that point (signaller: userspace, who has to
 *   submit the point eventually) and publishes the job's finished fence as its signal point. When the
 *   point materializes, the placeholder stands for the fence find_seqno resolves it to (R47).
 * Source: seed 000 "Timeline semaphores don't [complete in guaranteed time]: they allow
 *   wait-before-signal. This makes a mockery of our dependency scheduler"; H2; "Indefinite DMA Fences"
 *   (proxy/future fences rejected).
 * Changes: R88 relaxed: the submit path does not fail with -EINVAL on an unmaterialized point.
 * Related: timeline-submit-thread (the design mainline plus Mesa use instead).
 *
 * What it shows: (1) a published job fence whose completion only userspace can bring (I8, I10);
 * (2) points reach the timeline out of order, which the kernel only logs (I14, R82); (3) a wait-for
 * cycle (I7): once the job's own point v is on the timeline, v-1 counts as materialized (R81: the
 * head's seqno is >= v-1), and find_seqno resolves it to the node that contains the job itself; an
 * unordered lower point resolves to the new head the same way (H10).
 */
import { defineDesign, type StepDef, stepTable, withSteps } from '../design.ts';
import { setG, type World } from '../world.ts';
import {
  drm_sched_job_init,
  drm_sched_job_add_dependency,
  drm_sched_job_arm,
  drm_sched_entity_push_job,
} from '../drm-sched/sched-main.ts';
import { drm_syncobj_add_point } from '../drm-syncobj/drm-syncobj-api.ts';
import { bindPlaceholders, wbsDependency } from '../drm-syncobj/wbs-placeholder.ts';
import base, {
  TIMELINE,
  gNum,
  jobOf,
  queueBatches,
  timelineSignal,
  vkSignalSemaphore,
  type TimelineConfig,
} from './timeline-submit-thread.ts';
import { TDR_RECOVERS_EXPECT } from '../drm-sched/tdr-expect.ts';

/** The naive submit ioctl: an unmaterialized wait point becomes a placeholder dependency. */
function submitBatchDirect(w: World, q: number, v: number): World {
  const job = jobOf(q, v);
  w = drm_sched_job_init(w, job, `q${q}.ctx`, 'sched0');
  if (v > 1) {
    const r = wbsDependency(w, TIMELINE, v - 1);
    w = r.w;
    const dep = r.dep;
    w = drm_sched_job_add_dependency(w, job, dep);
  }
  w = drm_sched_job_arm(w, job);
  w = drm_syncobj_add_point(w, TIMELINE, `${job}.finished`, v).w;
  w = drm_sched_entity_push_job(w, job);
  return bindPlaceholders(w);
}

const vkQueueSubmitDirect: StepDef<TimelineConfig, [q: number]> = {
  name: 'vkQueueSubmit',
  role: 'user',
  actor: ([q]) => `q${q}`,
  params: (_w, cfg) => Array.from({ length: cfg.queues }, (_, q): [number] => [q]),
  enabled: (w, [q], cfg) => gNum(w, `q${q}.next`) < queueBatches(cfg, q).length,
  apply: (w, [q], cfg) => {
    const v = queueBatches(cfg, q)[gNum(w, `q${q}.next`)];
    return submitBatchDirect(setG(w, { [`q${q}.next`]: gNum(w, `q${q}.next`) + 1 }), q, v);
  },
  doc: 'H2: every batch goes to the kernel at once, wait-before-signal included',
};

const hostSignalDirect: StepDef<TimelineConfig, []> = {
  ...vkSignalSemaphore,
  apply: (w) => {
    const v = gNum(w, 'host') + 1;
    return bindPlaceholders(setG(timelineSignal(w, v), { host: v }));
  },
};

export default defineDesign<TimelineConfig>({
  ...base,
  name: 'timeline-wbs-direct',
  summary:
    'Wait-before-signal batches go straight to the kernel scheduler with a placeholder dependency for the future ' +
    'point.',
  source: 'seed 000 "This makes a mockery of our dependency scheduler"; H2, H10; "Indefinite DMA Fences"',
  // The direct path replaces the submit thread's userspace steps (vkSignalSemaphore, vkQueueSubmit).
  steps: stepTable(
    hostSignalDirect,
    vkQueueSubmitDirect,
    Object.values(withSteps(base.steps, { vkSignalSemaphore: null, vkQueueSubmit: null })),
  ),
  expect: {
    'context-order': {
      verdict: 'holds',
      why: 'one entity per queue; drm_sched signals its finished fences in order (R97, I4)',
    },
    'one-shot': { verdict: 'holds', why: 'placeholders signal once, through the fence they were bound to' },
    'acyclic-waits': {
      verdict: 'violates',
      why:
        "the job's own point v materializes v-1 (R81: head seqno >= v-1), so its placeholder binds to the node " +
        'containing the job itself (H2, H10)',
    },
    'finite-time': {
      verdict: 'violates',
      why:
        'a published job waits on a placeholder only userspace can make real; once userspace stops it never ' +
        'signals (H2, R30)',
    },
    'no-future-edges': {
      verdict: 'violates',
      why: 'the job is armed with a dependency on an unmaterialized point (I8; mainline returns -EINVAL, R88)',
    },
    'timeline-monotonic': {
      verdict: 'violates',
      why: 'the higher point reaches the timeline before the lower one it waits on; the kernel only logs it (R82, I14)',
    },
    'chain-prefix-closed': {
      verdict: 'holds',
      why:
        'chains still signal in prefix order (R45); the damage is in what the points resolve to, not in signal ' +
        'order',
    },
    'errors-propagate': {
      verdict: 'n/a',
      why:
        'never reached here (a job completes after one of its dependencies signaled with an error) in small+default: ' +
        'exploration (issue 11.2)',
    },
    'innocent-context-survives': {
      verdict: 'holds',
      why:
        'shown by exploration (applies by default, issue 14.2); a context killed or a job cancelled: reached 49 ' +
        'times',
    },
    'no-priority-inversion': {
      verdict: 'n/a',
      why:
        'never reached here (ready entities of different priorities compete for a ring) in small+default: ' +
        'exploration (issue 11.2)',
    },
    ...TDR_RECOVERS_EXPECT,
  },
});
