/**
 * io-uring-jit-batching — seed 003's "crazy idea": switching just in time between sending jobs to the
 * kernel one by one and batching them in user space.
 *
 * Idea: an io_uring entry costs no syscall to write; the kernel entry (io_uring_enter, a context
 *   switch) is what userspace chooses when to pay. Sent one by one, every job enters the kernel at once
 *   and is submitted inline: lowest latency, one kernel entry per job. Batched, userspace queues `batch`
 *   entries and enters once (inline, or by waking the SQ thread under SQPOLL): fewer kernel entries,
 *   but the first job of a batch waits for the rest to be written. JIT: one by one while the client has
 *   nothing in flight (the GPU is waiting for it), batched while it has. The submission path and the
 *   fences are io-uring-submit's, so every ordering and liveness property holds in every mode; what
 *   changes is measured: `kernel-entries` and `first-job-latency-steps` (the design's metrics).
 * Source: seed 003 (Liviu Dudau, "io_uring for DRM"): "We avoid paying the context switch cost for
 *   small submissions", "crazy idea: JIT switching between sending jobs one by one to the kernel vs
 *   batching them in user space", "Jobs added to the submission queue can be executed immediately by
 *   the kernel or a kthread can be started after a number of submissions".
 * Models: io-uring-submit's programs; the mode (`--set mode=one-by-one|batched|jit`), the batch size and
 *   SQPOLL are config knobs; the configs `one-by-one` and `jit` are `default` in those modes, so the
 *   metrics compare like with like. Abstracted away: the cost of a context switch itself (a kernel
 *   entry is counted, not timed), SQPOLL idle timeouts, min_complete waits in io_uring_enter.
 * Related: io-uring-submit.
 */
import { defineDesign } from '../design.ts';
import {
  firstJobLatency,
  ioUringEnterInit,
  ioUringEnterSteps,
  kernelEntries,
  type IoUringEnterConfig,
} from '../io-uring/io-uring-enter.ts';
import base from './io-uring-submit.ts';
import { TDR_RECOVERS_EXPECT } from '../drm-sched/tdr-expect.ts';

const small: IoUringEnterConfig = { ...base.configs.small, mode: 'batched', batch: 2, sqpoll: false };
const dflt: IoUringEnterConfig = { ...base.configs.default, mode: 'batched', batch: 3, sqpoll: true };

export default defineDesign<IoUringEnterConfig>({
  ...base,
  name: 'io-uring-jit-batching',
  summary:
    'io_uring submission entering the kernel one entry at a time, in batches, or switching just in time: fewer ' +
    'kernel entries against first-job latency.',
  source: 'seed 003 (JIT switching between one-by-one and batched submission; "executed immediately ... or a kthread")',
  configs: {
    small,
    default: dflt,
    large: { ...base.configs.large, mode: 'jit', batch: 3, sqpoll: true },
    'one-by-one': { ...dflt, mode: 'one-by-one' },
    jit: { ...dflt, mode: 'jit' },
  },
  init: ioUringEnterInit,
  steps: ioUringEnterSteps(),
  expect: {
    ...base.expect,
    'innocent-context-survives': {
      verdict: 'holds',
      why:
        "one client, one entity per scheduler: a reset takes only the hung entity's jobs; shown by exploration in " +
        'every mode (when userspace enters changes no fence)',
    },
    ...TDR_RECOVERS_EXPECT,
  },
  metrics: {
    'kernel-entries': (w) => kernelEntries(w),
    'first-job-latency-steps': (_w, cfg) => firstJobLatency(cfg),
  },
});
