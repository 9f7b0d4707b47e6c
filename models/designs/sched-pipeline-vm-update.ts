/**
 * sched-pipeline-vm-update — a job that depends on a page-table update of the same scheduler is
 * pipelined on the update's `scheduled` fence (H6).
 *
 * Idea: drm_sched lets a job that depends on an error-free finished fence of the same scheduler wait
 *   only for that job's scheduled fence (R93): the ring executes in order. A VM page-table update's
 *   effect (the new mapping, with its TLB flush) is not ordered by the ring with a later job's memory
 *   accesses: it is visible only once the update's finished fence signals. Pipelined on `scheduled`,
 *   the later job runs on the hardware while the mapping it uses is still being updated, and reads or
 *   writes through stale page tables.
 * Source: H6 (7b476affcccf "drm/sched: add DRM_SCHED_FENCE_DONT_PIPELINE flag", Christian König,
 *   2022-10-14; 01f2cf53844b applies it to amdgpu VM updates); R93 (sched_entity.c
 *   drm_sched_entity_add_dependency_cb); I19.
 * Changes: the seeded bug below (no DONT_PIPELINE on the update's finished fence); the twin
 *   sched-dont-pipeline-vm-update sets it.
 * Models: one scheduler and ring (`creditLimit` jobs on it at once), `processes` clients, each with a
 *   VM-update entity and a submission entity on that scheduler: one GEM_VA map of its BO (a job whose
 *   finished fence makes the mapping valid: the BO is `moving`, i.e. its mapping is in flux, until then)
 *   and `jobs` CS jobs using the BO, each depending on the map. TDR on, `maxHangs` hangs.
 */
import { defineDesign, defineStep, stepTable, type StepTable } from '../design.ts';
import { emptyWorld, spawn, ctx, must, idsOf, setG, accepts, type World } from '../world.ts';
import { dmaFenceMachine } from '../dma-buf/dma-fence.ts';
import { processMachine, type ProcessContext } from '../userspace/process.ts';
import {
  addScheduler,
  addEntity,
  drm_sched_job_init,
  drm_sched_job_add_dependency,
  drm_sched_job_arm,
  drm_sched_entity_push_job,
  drmSchedSteps,
  DRM_SCHED_FENCE_DONT_PIPELINE,
} from '../drm-sched/sched-main.ts';
import { ttm_bo_create } from '../ttm/ttm-bo.ts';
import { TDR_RECOVERS_EXPECT } from '../drm-sched/tdr-expect.ts';

export interface PipelineConfig {
  processes: number;
  /** CS jobs per process after its map. */
  jobs: number;
  creditLimit: number;
  maxHangs: number;
  /** the fix: the VM update's finished fence carries DRM_SCHED_FENCE_DONT_PIPELINE. */
  dontPipeline: boolean;
}

const mapJob = (p: string) => `${p}.vm_update`;

function init(cfg: PipelineConfig): World {
  let w = addScheduler(emptyWorld, 'sched0', 'gpu0', { timeout: true, creditLimit: cfg.creditLimit });
  for (let p = 0; p < cfg.processes; p++) {
    w = ttm_bo_create(w, `proc${p}.bo`, 'SYSTEM');
    // one GEM_VA map, then `jobs` CS submissions
    w = spawn(w, `proc${p}`, processMachine, { jobs: cfg.jobs + 1 });
    w = addEntity(w, `proc${p}.vm`);
    w = addEntity(w, `proc${p}.ctx`);
  }
  return w;
}

/** amdgpu_gem_va_ioctl: a page-table update job; the BO's mapping is valid once it finishes. */
function gemVaMap(w: World, p: string, cfg: PipelineConfig): World {
  const job = mapJob(p);
  w = drm_sched_job_init(w, job, `${p}.vm`, 'sched0');
  w = drm_sched_job_arm(w, job);
  const fin = `${job}.finished`;
  if (cfg.dontPipeline) w = must(w, fin, { type: 'DMA_FENCE_SET_USER_BIT', bit: DRM_SCHED_FENCE_DONT_PIPELINE });
  // the mapping is in flux until the update (and its TLB flush) is done: the BO "moves" into its GTT mapping
  const m = `${p}.bo.map`;
  w = spawn(w, m, dmaFenceMachine, { context: 600, seqno: 1, ops: 'move', owner: `${p}.bo`, published: true });
  w = must(w, `${p}.bo`, { type: 'TTM_BO_MOVE', to: 'GTT', fence: m, deps: [], neededBy: [] });
  w = must(w, fin, { type: 'DMA_FENCE_ADD_CALLBACK', cb: { to: `${p}.bo`, ev: { type: 'TTM_BO_MOVE_DONE' } } });
  return drm_sched_entity_push_job(w, job);
}

const DRM_IOCTL_SUBMIT = defineStep<PipelineConfig, [proc: string]>({
  name: 'DRM_IOCTL_SUBMIT',
  role: 'user',
  actor: ([p]) => p,
  params: (w) => idsOf(w, 'process').map((p): [string] => [p]),
  enabled: (w, [p]) => accepts(w, p, { type: 'PROCESS_SUBMITTED' }),
  apply: (w, [p], cfg) => {
    const k = ctx<ProcessContext>(w, p).next;
    if (k === 0) return must(gemVaMap(w, p, cfg), p, { type: 'PROCESS_SUBMITTED' });
    const job = `${p}.j${k}`;
    w = drm_sched_job_init(w, job, `${p}.ctx`, 'sched0');
    // R93: same scheduler, no error: pipelined on vm_update.scheduled unless DONT_PIPELINE (H6)
    w = drm_sched_job_add_dependency(w, job, `${mapJob(p)}.finished`);
    w = drm_sched_job_arm(w, job);
    w = setG(w, { [`bos:${job}`]: [`${p}.bo`] });
    w = drm_sched_entity_push_job(w, job);
    return must(w, p, { type: 'PROCESS_SUBMITTED' });
  },
  doc: 'the first submission maps the BO (a VM update job); later CS jobs use it and depend on the map (R93)',
});

const steps: StepTable<PipelineConfig> = stepTable<PipelineConfig>(
  DRM_IOCTL_SUBMIT,
  drmSchedSteps({ maxHangs: (c: PipelineConfig) => c.maxHangs }),
);

/** Scopes and table shared with the twin (sched-dont-pipeline-vm-update). */
export function pipelineDesign(dontPipeline: boolean) {
  return {
    configs: {
      small: { processes: 1, jobs: 1, creditLimit: 2, maxHangs: 0, dontPipeline },
      default: { processes: 2, jobs: 1, creditLimit: 2, maxHangs: 1, dontPipeline },
      large: { processes: 2, jobs: 3, creditLimit: 3, maxHangs: 1, dontPipeline },
    },
    bounds: {
      exhaustive: { config: 'default', depth: 80, maxStates: 500_000 },
      random: { config: 'large', depth: 100, runs: 200 },
    },
    init,
    steps,
  };
}

export default defineDesign<PipelineConfig>({
  name: 'sched-pipeline-vm-update',
  summary:
    "A CS job depending on a page-table update of the same scheduler waits only for the update's scheduled fence, " +
    'and runs before the new mapping is visible (H6).',
  source: 'H6 (7b476affcccf "drm/sched: add DRM_SCHED_FENCE_DONT_PIPELINE flag", 01f2cf53844b); R93; I19',
  ...pipelineDesign(false),
  expect: {
    'context-order': { verdict: 'holds', why: 'explored: holds, precondition reached in 836 state(s) at default' },
    'errors-propagate': {
      verdict: 'n/a',
      why: "its precondition never occurs in this design's world (0 states reached at default)",
    },
    'eviction-after-fences': {
      verdict: 'n/a',
      why: "its precondition never occurs in this design's world (0 states reached at default)",
    },
    'hazard-free': {
      verdict: 'n/a',
      why: "its precondition never occurs in this design's world (0 states reached at default)",
    },
    'hw-access-resident': {
      verdict: 'n/a',
      why:
        "the job's BO is mapped through a VM update into GTT page tables, not placed in VRAM: VRAM residency " +
        '(I19 as hw-access-resident states it) is not what H6 is about; no-access-while-moving judges the mapping',
    },
    'innocent-context-survives': {
      verdict: 'violates',
      why:
        "R102: a reset cancels the other entities' pending jobs on the ring (-ECANCELED collateral), as drm_sched " +
        'does',
    },
    'memory-eventually-freed': {
      verdict: 'n/a',
      why: "its precondition never occurs in this design's world (0 states reached at default)",
    },
    'no-eviction-with-free-slot': {
      verdict: 'n/a',
      why: "its precondition never occurs in this design's world (0 states reached at default)",
    },
    'no-priority-inversion': {
      verdict: 'n/a',
      why: "its precondition never occurs in this design's world (0 states reached at default)",
    },
    'vram-within-capacity': { verdict: 'n/a', why: 'the design declares no VRAM slots (no placement pressure here)' },
    'no-access-while-moving': {
      verdict: 'violates',
      why: 'H6: pipelined on vm_update.scheduled, the job runs while its mapping is still being updated (I19)',
    },
    'finite-time': { verdict: 'holds', why: 'every job completes; TDR bounds a hang (R20, R98)' },
    'one-shot': { verdict: 'holds', why: 'each fence signals once (R4)' },
    'acyclic-waits': { verdict: 'holds', why: 'jobs depend on older fences only (R93)' },
    ...TDR_RECOVERS_EXPECT,
  },
});
