/**
 * entity-kill-unbounded-dep — a killed process's teardown waits on a dependency that has no bound (H11).
 *
 * Idea: when a process is SIGKILLed, drm_sched_entity_flush calls drm_sched_entity_kill (R105): the
 *   entity is stopped, and each queued job is completed with -ESRCH only after the previous job's
 *   finished fence and all of this job's dependencies have signaled, to avoid data corruption. Here the
 *   killed process's gfx jobs depend (implicit sync on a shared BO) on another client's compute job on a
 *   ring whose scheduler has no timeout (timeout MAX_SCHEDULE_TIMEOUT, as amdgpu's compute rings
 *   long were by default). That compute job hangs: the dead process's jobs are never completed and never
 *   freed, and its fences never signal.
 * Source: H11; R105 (sched_entity.c drm_sched_entity_kill, drm_sched_entity_kill_jobs_cb), R98, R20;
 *   I10, I22.
 * Changes: the seeded bug below (no timeout on the producer's scheduler); the twin
 *   entity-kill-bounded-dep gives it one (R20: every fence needs a bound, so teardown stays bounded).
 * Models: proc0 submits `jobs` compute jobs writing bo0 on sched0 (TDR per `computeTimeout`); proc1
 *   submits `jobs` gfx jobs reading bo0 and writing bo1 on sched1 (TDR on), and may be SIGKILLed
 *   (`maxKills`); `maxHangs` GPU hangs; each job's finished fence is reference-counted (the process's
 *   reference, dropped when it dies; the scheduler's, dropped by free_job).
 */
import { defineDesign, defineStep, stepTable, withSteps, type StepTable } from '../design.ts';
import { accepts, emptyWorld, spawn, ctx, must, idsOf, stateOf, setG, has, type World, type Json } from '../world.ts';
import { ESRCH, isSignaled } from '../dma-buf/dma-fence.ts';
import { dmaResvMachine } from '../dma-buf/dma-resv.ts';
import {
  dma_fence_ref_init,
  dma_fence_get,
  dma_fence_put,
  fenceRef,
  type KrefContext,
} from '../dma-buf/dma-fence-ref.ts';
import { processMachine, type ProcessContext } from '../userspace/process.ts';
import type { DrmSchedEntityContext } from '../drm-sched/drm-sched-entity.ts';
import type { DrmSchedJobContext } from '../drm-sched/drm-sched-job.ts';
import {
  addScheduler,
  addEntity,
  drm_sched_job_init,
  drm_sched_job_arm,
  drm_sched_entity_push_job,
  drm_sched_run_job as drmSchedRunJob,
  drm_sched_run_job_enabled,
  drmSchedStepTable,
} from '../drm-sched/sched-main.ts';
import { add_implicit_dependencies, publish_implicit, type BoAccess } from '../drm-sched/implicit-sync.ts';
import { TDR_RECOVERS_EXPECT } from '../drm-sched/tdr-expect.ts';

export interface EntityKillConfig {
  jobs: number;
  maxHangs: number;
  maxKills: number;
  creditLimit: number;
  /** the producer's scheduler has a finite job timeout (R20, R98). */
  computeTimeout: boolean;
}

const num = (v: Json | undefined): number => (typeof v === 'number' ? v : 0);
const SCHED_REF = 'drm_sched job';
const killed = (w: World, p: string) => !!w.g[`killed:${p}`];
const stopped = (w: World, e: string) => !!w.g[`stopped:${e}`];
const holders = (w: World, f: string) => (has(w, fenceRef(f)) ? ctx<KrefContext>(w, fenceRef(f)).holders : []);

function init(cfg: EntityKillConfig): World {
  let w = addScheduler(emptyWorld, 'sched0', 'gpu0', { timeout: cfg.computeTimeout, creditLimit: cfg.creditLimit });
  w = addScheduler(w, 'sched1', 'gpu1', { timeout: true, creditLimit: cfg.creditLimit });
  for (const b of ['bo0', 'bo1']) w = spawn(w, `${b}.resv`, dmaResvMachine, {});
  for (const p of ['proc0', 'proc1']) {
    w = spawn(w, p, processMachine, { jobs: cfg.jobs });
    w = addEntity(w, `${p}.ctx`);
  }
  return w;
}

const LISTS: Record<string, BoAccess[]> = {
  proc0: [{ bo: 'bo0', write: true }],
  proc1: [
    { bo: 'bo0', write: false },
    { bo: 'bo1', write: true },
  ],
};

const DRM_IOCTL_CS = defineStep<EntityKillConfig, [proc: string]>({
  name: 'DRM_IOCTL_CS',
  role: 'user',
  actor: ([p]) => p,
  params: () => [['proc0'], ['proc1']],
  enabled: (w, [p]) => !killed(w, p) && accepts(w, p, { type: 'PROCESS_SUBMITTED' }),
  apply: (w, [p]) => {
    const job = `${p}.j${ctx<ProcessContext>(w, p).next}`;
    w = drm_sched_job_init(w, job, `${p}.ctx`, p === 'proc0' ? 'sched0' : 'sched1');
    w = add_implicit_dependencies(w, job, LISTS[p]);
    w = drm_sched_job_arm(w, job);
    // the process keeps a reference (its out-fence / syncobj), the job another until free_job
    w = dma_fence_get(dma_fence_ref_init(w, `${job}.finished`, p), `${job}.finished`, SCHED_REF);
    w = publish_implicit(w, `${job}.finished`, LISTS[p], p);
    w = drm_sched_entity_push_job(w, job);
    return must(w, p, { type: 'PROCESS_SUBMITTED' });
  },
  doc: 'proc0: compute job writing bo0 (sched0); proc1: gfx job reading bo0, writing bo1 (sched1); R54, R91',
});

/** R105: a stopped entity is off its run queue: the scheduler never pops it again. */
const drm_sched_run_job = defineStep<EntityKillConfig, [sched: string, entity: string]>({
  name: 'drm_sched_run_job',
  role: 'kernel',
  actor: ([s]) => s,
  params: (w) =>
    idsOf(w, 'drm_gpu_scheduler').flatMap((s) => idsOf(w, 'drm_sched_entity').map((e): [string, string] => [s, e])),
  enabled: (w, [s, e]) => !stopped(w, e) && drm_sched_run_job_enabled(w, s, e),
  apply: (w, [s, e]) => drmSchedRunJob(w, s, e),
  doc: "R93-R95 (R105: not for a stopped entity): the selected entity's head job is handed to the ring",
});

const process_sigkill = defineStep<EntityKillConfig, [proc: string]>({
  name: 'process_sigkill',
  role: 'fault',
  actor: ([p]) => p,
  params: () => [['proc1']],
  enabled: (w, [p], cfg) => !killed(w, p) && num(w.g.kills) < cfg.maxKills,
  apply: (w, [p]) => {
    w = setG(w, { [`killed:${p}`]: true, kills: num(w.g.kills) + 1 });
    // the dead process's file is released: it drops its fence references
    for (const r of idsOf(w, 'kref'))
      if (ctx<KrefContext>(w, r).holders.includes(p)) w = dma_fence_put(w, r.replace(/\.ref$/, ''), p);
    return w;
  },
  doc: 'the client is SIGKILLed; drm_file release drops its references (R105 starts from here)',
});

const drm_sched_entity_kill = defineStep<EntityKillConfig, [proc: string]>({
  name: 'drm_sched_entity_kill',
  role: 'kernel',
  actor: ([p]) => `${p}.ctx`,
  params: () => [['proc1']],
  enabled: (w, [p]) => killed(w, p) && !stopped(w, `${p}.ctx`),
  apply: (w, [p]) => setG(w, { [`stopped:${p}.ctx`]: true }),
  doc: 'R105 drm_sched_entity_flush -> drm_sched_entity_kill: the entity is stopped and taken off its run queue',
});

/** R105 drm_sched_entity_kill_jobs_cb: the head job, once its predecessor and dependencies signaled: -ESRCH. */
const drm_sched_entity_kill_jobs_cb = defineStep<EntityKillConfig, [proc: string]>({
  name: 'drm_sched_entity_kill_jobs_cb',
  role: 'kernel',
  actor: ([p]) => `${p}.ctx`,
  params: () => [['proc1']],
  enabled: (w, [p]) => {
    const e = ctx<DrmSchedEntityContext>(w, `${p}.ctx`);
    if (!stopped(w, `${p}.ctx`) || !e.queue.length) return false;
    const prev = e.lastScheduled;
    return (
      ctx<DrmSchedJobContext>(w, e.queue[0]).deps.length === 0 &&
      (prev === '' || isSignaled(w, ctx<DrmSchedJobContext>(w, prev).finished))
    );
  },
  apply: (w, [p]) => {
    const job = ctx<DrmSchedEntityContext>(w, `${p}.ctx`).queue[0];
    w = must(w, `${p}.ctx`, { type: 'DRM_SCHED_ENTITY_POP' });
    // scheduled signals with no parent, finished with -ESRCH (R105)
    return must(w, job, { type: 'DRM_SCHED_RUN_JOB', parent: '', error: ESRCH });
  },
  doc: "R105: after the previous job's finished fence and all dependencies: finished = -ESRCH, free_job",
});

const drm_sched_free_job = defineStep<EntityKillConfig, [job: string]>({
  name: 'drm_sched_free_job',
  role: 'kernel',
  actor: ([j]) => (j.startsWith('proc0') ? 'sched0' : 'sched1'),
  params: (w) => idsOf(w, 'drm_sched_job').map((j): [string] => [j]),
  enabled: (w, [j]) => stateOf(w, j) === 'done' && holders(w, `${j}.finished`).includes(SCHED_REF),
  apply: (w, [j]) => dma_fence_put(w, `${j}.finished`, SCHED_REF),
  doc: "R96: free_job drops the job's reference on its finished fence",
});

const steps: StepTable<EntityKillConfig> = stepTable<EntityKillConfig>(
  DRM_IOCTL_CS,
  process_sigkill,
  drm_sched_entity_kill,
  drm_sched_entity_kill_jobs_cb,
  drm_sched_free_job,
  Object.values(withSteps(drmSchedStepTable({ maxHangs: (c: EntityKillConfig) => c.maxHangs }), { drm_sched_run_job })),
);

/** Scopes and table shared with the twin (entity-kill-bounded-dep). */
export function entityKillDesign(computeTimeout: boolean) {
  const base = { maxKills: 1, computeTimeout };
  return {
    configs: {
      small: { ...base, jobs: 1, maxHangs: 1, creditLimit: 1 },
      default: { ...base, jobs: 2, maxHangs: 1, creditLimit: 1 },
      large: { ...base, jobs: 3, maxHangs: 2, creditLimit: 2 },
    },
    bounds: {
      // default (jobs 2) is ~120k states, two minutes with the drains: BFS runs small, random runs large
      exhaustive: { config: 'small', depth: 80, maxStates: 500_000 },
      random: { config: 'large', depth: 100, runs: 200 },
    },
    init,
    steps,
  };
}

export default defineDesign<EntityKillConfig>({
  name: 'entity-kill-unbounded-dep',
  summary:
    "A SIGKILLed client's entity teardown waits on a dependency from a scheduler without a timeout; the hung " +
    "producer keeps the dead client's jobs from ever being completed or freed (H11).",
  source: 'H11; R105 (drm_sched_entity_kill), R98, R20; I10, I22',
  ...entityKillDesign(false),
  expect: {
    'acyclic-waits': { verdict: 'holds', why: 'explored: holds, precondition reached in 30 state(s) at default' },
    'context-order': {
      verdict: 'n/a',
      why: "its precondition never occurs in this design's world (0 states reached at default)",
    },
    'errors-propagate': {
      verdict: 'n/a',
      why: "its precondition never occurs in this design's world (0 states reached at default)",
    },
    'hazard-free': {
      verdict: 'n/a',
      why: "its precondition never occurs in this design's world (0 states reached at default)",
    },
    'innocent-context-survives': {
      verdict: 'holds',
      why: 'explored: holds, precondition reached in 70 state(s) at default',
    },
    'no-priority-inversion': {
      verdict: 'n/a',
      why: "its precondition never occurs in this design's world (0 states reached at default)",
    },
    'memory-eventually-freed': {
      verdict: 'violates',
      why: "H11: the dead client's jobs wait on the hung compute job forever; their fences are never freed (I5)",
    },
    'finite-time': {
      verdict: 'violates',
      why: 'H11: no timeout bounds the compute job, so neither it nor the -ESRCH teardown ever signals (I10)',
    },
    'one-shot': { verdict: 'holds', why: 'each fence signals once (R4)' },
    'hang-recovers-with-error': {
      verdict: 'violates',
      why:
        'the compute scheduler has no timeout (the H11 bug itself), so a hang on gpu0 is never reset and its fences ' +
        'never signal (I22, R20)',
    },
    'reset-completes-with-error': TDR_RECOVERS_EXPECT['reset-completes-with-error'],
  },
});
