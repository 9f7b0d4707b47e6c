/**
 * single-fifo-implicit — "a simple example from a simpler time" (seed 000).
 *
 * Idea: one device, one FIFO command queue. Processes submit through a CS ioctl that takes a list of
 *   {BO, access mode}; the kernel syncs each job against the BOs' fences (implicit sync, dma_resv) and
 *   places the job's fence on them. Mapping a BO for the CPU stalls until its work is done. A hung job
 *   is caught by TDR, the GPU reset, and the hung job's fence signalled with an error (R20, R98-R102).
 * Source: 000_84e1af140274dbad.txt, "Step 2: send the GPU into action", "Implicit synchronisation".
 * Models: processes, one drm_sched entity each, one scheduler and ring, BOs with a dma_resv each.
 * Abstracted away: BO allocation (BOs exist from the start), the command stream's content, GEM handles.
 *
 * Job k of process p writes BO (p+k) mod B and, with more than one BO, reads BO (p+k+1) mod B, so
 * processes share BOs and implicit sync creates cross-process dependencies.
 * Time (models/kernel/timer.ts): the TDR fires on a hung ring, and `timeouts` times per run on a healthy
 *   one (seed 002: a timeout cannot tell a hang from a long job); the scheduler's guilty logic and the
 *   reset pick the victims (R99-R103), so innocent work dies: the timed-out healthy job, and the other
 *   entities' jobs queued behind the bad one on the ring (R102).
 * Scope: processes, jobs per process, BOs, credit limit, hang budget, timeout budget; `priorities` puts
 *   process p's entity on run queue priorities[p] (default NORMAL), `computeSteps` makes process 0's
 *   jobs long compute dispatches of that many GPU steps (compute-under-tdr).
 */
import { defineDesign, defineStep, stepTable } from '../design.ts';
import { accepts, emptyWorld, spawn, ctx, must, idsOf, setG, type World } from '../world.ts';
import { dmaResvMachine, dma_resv_test_signaled } from '../dma-buf/dma-resv.ts';
import { processMachine, type ProcessContext } from '../userspace/process.ts';
import {
  addScheduler,
  addEntity,
  drm_sched_job_init,
  drm_sched_job_arm,
  drm_sched_entity_push_job,
  drmSchedSteps,
} from '../drm-sched/sched-main.ts';
import { add_implicit_dependencies, publish_implicit, type BoAccess } from '../drm-sched/implicit-sync.ts';
import type { DrmSchedPriority } from '../drm-sched/drm-sched-entity.ts';

export interface SingleFifoConfig {
  processes: number;
  jobs: number;
  bos: number;
  /** GPU hangs allowed per run (fault budget). */
  maxHangs: number;
  /** false = TDR disabled (timeout MAX_SCHEDULE_TIMEOUT). */
  tdr: boolean;
  /** Jobs on the hardware at once (drm_sched credit_limit). */
  creditLimit: number;
  /** Wrong TDR timeouts per run: fired while the head job is healthy and progressing (timeout budget). */
  timeouts?: number;
  /** Run-queue priority of process p's entity (drm_sched_priority); absent: NORMAL for all. */
  priorities?: DrmSchedPriority[];
  /** GPU steps each job of process 0 takes (a long compute dispatch); absent: 1. */
  computeSteps?: number;
  /** The scheduler's run queues (drm_sched_init_args.num_rqs); absent: one per priority. */
  numRqs?: number;
}

/** The design globals: the compute client's job length, fixed at init (the driver's hw_steps reads it). */
const computeSteps = (w: World): number => {
  const n = w.g.computeSteps;
  return typeof n === 'number' ? n : 1;
};

/** The driver's view of a job's length: process 0's jobs are `computeSteps` long (R95, seed 001). */
const singleFifoOps = { hw_steps: (w: World, job: string) => (job.startsWith('proc0.') ? computeSteps(w) : 1) };

/** The BO list of job k of process p. */
function boList(cfg: SingleFifoConfig, p: number, k: number): BoAccess[] {
  const out: BoAccess[] = [{ bo: `bo${(p + k) % cfg.bos}`, write: true }];
  if (cfg.bos > 1) out.push({ bo: `bo${(p + k + 1) % cfg.bos}`, write: false });
  return out;
}

export function initSingleFifo(cfg: SingleFifoConfig): World {
  const { tdr: timeout, creditLimit, numRqs } = cfg;
  let w = addScheduler(emptyWorld, 'sched0', 'gpu0', { timeout, creditLimit, numRqs });
  for (let b = 0; b < cfg.bos; b++) w = spawn(w, `bo${b}.resv`, dmaResvMachine, {});
  for (let p = 0; p < cfg.processes; p++) {
    w = spawn(w, `proc${p}`, processMachine, { jobs: cfg.jobs });
    w = addEntity(w, `proc${p}.ctx`, cfg.priorities?.[p]);
  }
  return cfg.computeSteps && cfg.computeSteps > 1 ? setG(w, { computeSteps: cfg.computeSteps }) : w;
}

/** The CS ioctl: init the job, add implicit dependencies, arm, publish the fence, push (one atomic step). */
export const DRM_IOCTL_CS = defineStep<SingleFifoConfig, [proc: string]>({
  name: 'DRM_IOCTL_CS',
  role: 'user',
  actor: ([p]) => p,
  params: (w) => idsOf(w, 'process').map((p): [string] => [p]),
  enabled: (w, [p]) => accepts(w, p, { type: 'PROCESS_SUBMITTED' }),
  apply: (w, [proc], cfg) => {
    const k = ctx<ProcessContext>(w, proc).next;
    const job = `${proc}.j${k}`;
    const list = boList(cfg, Number(proc.slice(4)), k);
    w = drm_sched_job_init(w, job, `${proc}.ctx`, 'sched0');
    w = add_implicit_dependencies(w, job, list);
    w = drm_sched_job_arm(w, job);
    w = publish_implicit(w, `${job}.finished`, list, proc);
    w = drm_sched_entity_push_job(w, job);
    return must(w, proc, { type: 'PROCESS_SUBMITTED' });
  },
  doc: 'seed 000 step 2 + implicit sync: BO list -> dependencies (R54, R91) -> arm (R90) -> resv (R56) -> push (R92)',
});

/** The BO the process wrote last, which it maps to read the result back. */
const lastWritten = (w: World, cfg: SingleFifoConfig, proc: string): string =>
  boList(cfg, Number(proc.slice(4)), ctx<ProcessContext>(w, proc).jobs - 1)[0].bo;

/** CPU map of the last BO the process wrote: stalls until every fence on it has signaled (seed 000 step 3). */
const drm_gem_cpu_map = defineStep<SingleFifoConfig, [proc: string]>({
  name: 'drm_gem_cpu_map',
  role: 'user',
  actor: ([p]) => p,
  params: (w) => idsOf(w, 'process').map((p): [string] => [p]),
  enabled: (w, [p], cfg) =>
    accepts(w, p, { type: 'PROCESS_READ_BACK' }) && dma_resv_test_signaled(w, `${lastWritten(w, cfg, p)}.resv`, 'READ'),
  apply: (w, [p]) => must(w, p, { type: 'PROCESS_READ_BACK' }),
  doc: 'the map ioctl waits for all commands on the BO (R59 test_signaled at READ = every implicit fence)',
});

export default defineDesign<SingleFifoConfig>({
  name: 'single-fifo-implicit',
  summary:
    'One device, one FIFO queue, BO list on the CS ioctl, implicit sync via dma_resv, CPU map stalls; TDR recovers ' +
    'hangs.',
  source: 'seed 000 "A simple example from a simpler time", "Implicit synchronisation"',
  configs: {
    small: { processes: 2, jobs: 2, bos: 2, maxHangs: 1, tdr: true, creditLimit: 1, timeouts: 1 },
    default: { processes: 2, jobs: 2, bos: 2, maxHangs: 1, tdr: true, creditLimit: 2, timeouts: 1 },
    large: { processes: 3, jobs: 3, bos: 2, maxHangs: 2, tdr: true, creditLimit: 2, timeouts: 1 },
  },
  bounds: {
    exhaustive: { config: 'small', depth: 60, maxStates: 200_000 },
    random: { config: 'default', depth: 80, runs: 300 },
  },
  init: initSingleFifo,
  steps: stepTable([
    DRM_IOCTL_CS,
    drm_gem_cpu_map,
    ...drmSchedSteps({
      maxHangs: (c: SingleFifoConfig) => c.maxHangs,
      maxTimeouts: (c: SingleFifoConfig) => c.timeouts ?? 0,
      ops: singleFifoOps,
    }),
  ]),
  expect: {
    'one-shot': { verdict: 'holds', why: 'every fence is signalled by one path: its ring, its job or reset (R4)' },
    'acyclic-waits': {
      verdict: 'holds',
      why: 'implicit deps only point at fences that already exist, and the FIFO only adds older-first edges (R2, R93)',
    },
    'finite-time': {
      verdict: 'holds',
      why: 'TDR catches a hung ring, reset signals every pending fence with an error (R20, R98-R102)',
    },
    'hang-recovers-with-error': {
      verdict: 'holds',
      why: 'TDR resets a hung ring; its hardware fences are force-completed with an error (I22, R99-R102)',
    },
    'reset-completes-with-error': {
      verdict: 'holds',
      why: 'drm_sched_job_timedout completes the guilty job with -ETIME, the rest with -ECANCELED (R102)',
    },
    'innocent-context-survives': {
      verdict: 'violates',
      why:
        'seed 002: the TDR cannot tell a long job from a hung one; fired on a healthy job, it completes it with ' +
        '-ETIME and marks its entity guilty (R99, R103), and the reset cancels the jobs behind it (R102)',
    },
    'context-order': {
      verdict: 'holds',
      why:
        'shown by exploration (applies by default, issue 14.2); two fences of one context in flight, the earlier one ' +
        'unsignalled: reached 2450 times',
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
    'no-priority-inversion': {
      verdict: 'n/a',
      why:
        'never reached here (ready entities of different priorities compete for a ring) in small+default: ' +
        'exploration (issue 11.2)',
    },
  },
});
