/**
 * timeline-self-deadlock — a client whose timeline waits form a cycle in userspace, beside an innocent
 * process and the compositor, all on one GPU scheduler.
 *
 * Idea: seed 001 "Clients can deadlock themselves: client gets to keep the pieces"; with the submit
 *   thread "any deadlocks stay in userspace". The client's `cycle` Vulkan queues each wait on the point
 *   the next one signals (q<i> waits on T@((i+1) mod n)+1, signals T@i+1): no point ever materializes,
 *   so every batch stays in its submit thread and no fence of the client reaches the kernel. The other
 *   process renders `otherJobs` frames on its own timeline U, each after the previous one, and the
 *   compositor samples its last frame. Isolation: finite-time holds for every published fence; the
 *   client's own stall is what `pending` lists (no-deadlock scoped to the client) and the metric counts.
 * Source: seed 001 "High-performance clients want timelines" (caveats, submit thread); R145-R147, I10.
 * Changes: none: mainline's policy; the cycle is the client's.
 * Related: timeline-submit-thread (the policy, without a cycle), timeline-wbs-direct (without the policy).
 * Models: `cycle` client queues, `otherJobs` frames of the other process, one compositor job, TDR with a
 *   hang budget. Abstracted away: the winsys protocol (the compositor samples when the frame's point
 *   materialized), the client's own timeout (Vulkan's vkWaitSemaphores timeout is the client's business).
 */
import { defineDesign, type StepDef, stepTable } from '../design.ts';
import { emptyWorld, setG, type Json, type World } from '../world.ts';
import {
  addScheduler,
  addEntity,
  drm_sched_job_init,
  drm_sched_job_add_dependency,
  drm_sched_job_arm,
  drm_sched_entity_push_job,
  drmSchedSteps,
} from '../drm-sched/sched-main.ts';
import {
  drm_syncobj_add_point,
  drm_syncobj_create,
  drm_syncobj_find_fence,
  drm_syncobj_point_materialized,
} from '../drm-syncobj/drm-syncobj-api.ts';
import { TDR_RECOVERS_EXPECT } from '../drm-sched/tdr-expect.ts';

export interface SelfDeadlockConfig {
  /** the client's queues whose waits form one cycle (>= 2) */
  cycle: number;
  /** frames of the other process, a chain on its timeline U */
  otherJobs: number;
  maxHangs: number;
}

/** A batch: its queue (entity), the point it waits on ('' = none), the point it signals. */
interface Batch {
  queue: string;
  job: string;
  wait: [syncobj: string, point: number] | null;
  signal: [syncobj: string, point: number] | null;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

function batches(cfg: SelfDeadlockConfig): Batch[] {
  const client = range(cfg.cycle).map(
    (i): Batch => ({
      queue: `client.q${i}`,
      job: `client.q${i}.b0`,
      wait: ['T', ((i + 1) % cfg.cycle) + 1],
      signal: ['T', i + 1],
    }),
  );
  const other = range(cfg.otherJobs).map(
    (k): Batch => ({
      queue: 'other.q0',
      job: `other.q0.b${k}`,
      wait: k > 0 ? ['U', k] : null,
      signal: ['U', k + 1],
    }),
  );
  const comp: Batch = { queue: 'comp.q0', job: 'comp.q0.b0', wait: ['U', cfg.otherJobs], signal: null };
  return [...client, ...other, comp];
}

const gList = (w: World, k: string): string[] => {
  const v = w.g[k];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
};
const submitted = (w: World) => gList(w, 'submitted');
const held = (w: World) => gList(w, 'held');
const ready = (w: World, b: Batch) => !b.wait || drm_syncobj_point_materialized(w, b.wait[0], b.wait[1]);

function initSelfDeadlock(cfg: SelfDeadlockConfig): World {
  let w = addScheduler(emptyWorld, 'sched0', 'gpu0', { timeout: true, creditLimit: 2 });
  const queues = [...new Set(batches(cfg).map((b) => b.queue))];
  for (const q of queues) w = addEntity(w, `${q}.ctx`);
  w = drm_syncobj_create(w, 'T');
  w = drm_syncobj_create(w, 'U');
  return setG(w, { submitted: [], held: [] });
}

/** The CS ioctl: the wait point has materialized (R88), arm, add the signal point, push. */
function submit(w: World, b: Batch): World {
  w = drm_sched_job_init(w, b.job, `${b.queue}.ctx`, 'sched0');
  if (b.wait) {
    const r = drm_syncobj_find_fence(w, b.wait[0], b.wait[1], 0);
    if (r.ret || !r.fence) throw new Error(`submit(${b.job}): find_fence returned ${r.ret} (R88)`);
    w = drm_sched_job_add_dependency(r.w, b.job, r.fence);
  }
  w = drm_sched_job_arm(w, b.job);
  if (b.signal) w = drm_syncobj_add_point(w, b.signal[0], `${b.job}.finished`, b.signal[1]).w;
  return drm_sched_entity_push_job(w, b.job);
}

const byJob = (cfg: SelfDeadlockConfig, job: string) => batches(cfg).find((b) => b.job === job)!;
/** A queue submits in order: the batch is the queue's first not yet submitted nor held. */
const nextOfQueue = (w: World, cfg: SelfDeadlockConfig, b: Batch) =>
  batches(cfg).find((x) => x.queue === b.queue && !submitted(w).includes(x.job) && !held(w).includes(x.job))?.job ===
  b.job;

const vkQueueSubmit: StepDef<SelfDeadlockConfig, [job: string]> = {
  name: 'vkQueueSubmit',
  role: 'user',
  actor: ([j]) => j.slice(0, j.lastIndexOf('.')),
  params: (_w, cfg) => batches(cfg).map((b): [string] => [b.job]),
  enabled: (w, [j], cfg) => nextOfQueue(w, cfg, byJob(cfg, j)),
  apply: (w, [j], cfg) => {
    const b = byJob(cfg, j);
    if (!ready(w, b)) return setG(w, { held: [...held(w), j].sort() as Json });
    return submit(setG(w, { submitted: [...submitted(w), j].sort() as Json }), b);
  },
  doc: "R145, R147: a batch whose wait point is not there yet goes to the queue's submit thread",
};

const vk_queue_submit_thread: StepDef<SelfDeadlockConfig, [job: string]> = {
  name: 'vk_queue_submit_thread',
  role: 'user',
  actor: ([j]) => `${j.slice(0, j.lastIndexOf('.'))}.thread`,
  params: (_w, cfg) => batches(cfg).map((b): [string] => [b.job]),
  enabled: (w, [j], cfg) => held(w).includes(j) && ready(w, byJob(cfg, j)),
  apply: (w, [j], cfg) =>
    submit(
      setG(w, { held: held(w).filter((x) => x !== j), submitted: [...submitted(w), j].sort() as Json }),
      byJob(cfg, j),
    ),
  doc: 'R84 WAIT_AVAILABLE returned: the submit thread hands the batch to the kernel (R88)',
};

const steps = stepTable<SelfDeadlockConfig>(
  vkQueueSubmit,
  vk_queue_submit_thread,
  ...drmSchedSteps({ maxHangs: (c: SelfDeadlockConfig) => c.maxHangs }),
);

/** The client's batches that never reach the kernel: the pieces the client keeps (seed 001). */
const clientStuck = (w: World) => [...held(w)].filter((j) => j.startsWith('client.'));

export default defineDesign<SelfDeadlockConfig>({
  name: 'timeline-self-deadlock',
  summary:
    "A client's timeline waits form a cycle; the submit thread keeps it in userspace: the other process and the " +
    'compositor finish.',
  source: 'seed 001 "Clients can deadlock themselves", "Any deadlocks stay in userspace"; R145-R147',
  configs: {
    small: { cycle: 2, otherJobs: 1, maxHangs: 0 },
    default: { cycle: 2, otherJobs: 2, maxHangs: 1 },
    large: { cycle: 3, otherJobs: 3, maxHangs: 1 },
  },
  bounds: {
    exhaustive: { config: 'default', depth: 100, maxStates: 1_000_000 },
    random: { config: 'large', depth: 100, runs: 200 },
  },
  init: initSelfDeadlock,
  steps,
  // the client's own stall, scoped to the client: no-deadlock reads only these
  pending: (w) => clientStuck(w),
  metrics: { 'client-batches-stuck-in-userspace': (w) => clientStuck(w).length },
  expect: {
    'one-shot': { verdict: 'holds', why: 'jobs and chain nodes each signal once (R4, R45)' },
    'finite-time': {
      verdict: 'holds',
      why:
        "seed 001 'any deadlocks stay in userspace': no client fence is ever published; the other process's and " +
        "the compositor's jobs depend only on materialized points; TDR bounds hangs (I10, R20)",
    },
    'acyclic-waits': {
      verdict: 'holds',
      why: "the client's cycle is in userspace (held batches), outside the kernel's wait-for graph",
    },
    'no-deadlock': {
      verdict: 'violates',
      why: "seed 001 'client gets to keep the pieces': the client's held batches wait on each other forever",
    },
    'no-future-edges': {
      verdict: 'n/a',
      why: 'the submit thread submits only materialized waits (R88): no fence for a future point ever exists',
    },
    'chain-prefix-closed': { verdict: 'holds', why: "U's chain signals in prefix order (R45)" },
    'context-order': { verdict: 'holds', why: 'one entity per queue; drm_sched signals in order (R97, I4)' },
    'timeline-monotonic': {
      verdict: 'holds',
      why: "the other process's points arrive in order; no client point ever reaches T (R82, I14)",
    },
    'errors-propagate': {
      verdict: 'n/a',
      why:
        'never reached here (a job completes after one of its dependencies signaled with an error) in default+large: ' +
        'exploration (issue 11.2)',
    },
    'innocent-context-survives': {
      verdict: 'holds',
      why:
        'shown by exploration (applies by default, issue 14.2); a context killed or a job cancelled: reached 432 ' +
        'times',
    },
    'no-priority-inversion': {
      verdict: 'n/a',
      why:
        'never reached here (ready entities of different priorities compete for a ring) in default+large: ' +
        'exploration (issue 11.2)',
    },
    ...TDR_RECOVERS_EXPECT,
  },
});
