/**
 * ttm-ignore-move-fence — a driver's CS syncs on a BO's implicit fences but not on its pending move (H9).
 *
 * Idea: TTM pipelines moves: validating a BO into VRAM (evicting a victim when VRAM is full) queues a
 *   copy whose fence enters the BO's resv as KERNEL (R53). Before 2022 the move fence was also kept in
 *   bo->moving, and a driver or importer path that consulted only the shared/exclusive fences, or only
 *   bo->moving on some paths, started GPU access while the copy was still in flight. Here the CS takes
 *   its implicit dependencies from the resv but drops KERNEL entries: the job runs on the hardware while
 *   its BO is being copied.
 * Source: H9 (b29895e18304 "dma-buf: add DMA_RESV_USAGE_KERNEL v3": waiting on these is mandatory;
 *   8bb31587820a "drm/ttm: remove bo->moving"); R53, R54, R62; I19.
 * Changes: the seeded bug below (KERNEL usage skipped); the twin ttm-wait-move-fence takes
 *   dma_resv_usage_rw(write), which includes KERNEL by R53's order.
 * Models: `processes` clients with one entity each on one scheduler and ring, `jobs` jobs per process,
 *   job k of process p writing bo<(p+k) mod bos>; `bos` BOs starting in system memory, `vramSlots` VRAM
 *   slots; each CS validates its BO into VRAM first (every victim choice is explored), then syncs,
 *   arms, publishes as WRITE and pushes. TDR on, `maxHangs` hangs.
 */
import { defineDesign, defineStep, stepTable, type Expectation, type StepTable } from '../design.ts';
import { accepts, emptyWorld, spawn, ctx, must, idsOf, setG, type World } from '../world.ts';
import { processMachine, type ProcessContext } from '../userspace/process.ts';
import { dma_resv_usage_rw, type DmaResvContext } from '../dma-buf/dma-resv.ts';
import {
  addScheduler,
  addEntity,
  drm_sched_job_init,
  drm_sched_job_add_dependency,
  drm_sched_job_arm,
  drm_sched_entity_push_job,
  drmSchedSteps,
} from '../drm-sched/sched-main.ts';
import { publish_implicit } from '../drm-sched/implicit-sync.ts';
import {
  ttm_bo_create,
  ttm_bo_move_buffer,
  ttm_bo_move_copy,
  validateChoices,
  bo,
  boIdle,
  TTM_EXPECTATIONS,
} from '../ttm/ttm-bo.ts';
import { usageRank } from '../dma-buf/dma-resv.ts';
import { TDR_RECOVERS_EXPECT } from '../drm-sched/tdr-expect.ts';

export interface MoveFenceConfig {
  processes: number;
  jobs: number;
  bos: number;
  vramSlots: number;
  maxHangs: number;
  creditLimit: number;
  /** the seeded bug: the CS skips the resv's KERNEL (move) fences. */
  ignoreKernelFences: boolean;
}

const boFor = (cfg: MoveFenceConfig, p: string, k: number) => `bo${(Number(p.slice(4)) + k) % cfg.bos}`;

function init(cfg: MoveFenceConfig): World {
  let w = addScheduler(emptyWorld, 'sched0', 'gpu0', { timeout: true, creditLimit: cfg.creditLimit });
  for (let b = 0; b < cfg.bos; b++) w = ttm_bo_create(w, `bo${b}`, 'SYSTEM');
  for (let p = 0; p < cfg.processes; p++) {
    w = spawn(w, `proc${p}`, processMachine, { jobs: cfg.jobs });
    w = addEntity(w, `proc${p}.ctx`);
  }
  return w;
}

const NO_VALIDATE = 'resident';
const choice = (v: string) => (v ? `evict ${v}` : 'free slot');

/** The CS ioctl: validate the BO (ttm_bo_validate), implicit deps from its resv, arm, publish, push. */
const DRM_IOCTL_CS = defineStep<MoveFenceConfig, [proc: string, validate: string]>({
  name: 'DRM_IOCTL_CS',
  role: 'user',
  actor: ([p]) => p,
  params: (w, cfg) =>
    idsOf(w, 'process').flatMap((p) => {
      const b = boFor(cfg, p, ctx<ProcessContext>(w, p).next);
      if (!boIdle(w, b) || bo(w, b).placement === 'VRAM') return [[p, NO_VALIDATE] as [string, string]];
      return validateChoices(w, b, cfg.vramSlots, () => false).map((v): [string, string] => [p, choice(v)]);
    }),
  // a BO on its way out is validated once that eviction landed (ttm_bo_validate waits for it first)
  enabled: (w, [p], cfg) => {
    const b = boFor(cfg, p, ctx<ProcessContext>(w, p).next);
    return accepts(w, p, { type: 'PROCESS_SUBMITTED' }) && (boIdle(w, b) || bo(w, b).target === 'VRAM');
  },
  apply: (w, [proc, validate], cfg) => {
    const k = ctx<ProcessContext>(w, proc).next;
    const job = `${proc}.j${k}`;
    const b = boFor(cfg, proc, k);
    // the job waits for the move in, so the move does not wait on the job's own fence (neededBy, H5)
    const victim = validate.replace(/^evict |^free slot$/, '');
    if (validate !== NO_VALIDATE) w = ttm_bo_move_buffer(w, b, victim, [`${job}.finished`]);
    else if (!boIdle(w, b)) w = must(w, b, { type: 'TTM_BO_NEEDED_BY', by: `${job}.finished` });
    w = drm_sched_job_init(w, job, `${proc}.ctx`, 'sched0');
    const usage = dma_resv_usage_rw(true);
    for (const e of ctx<DmaResvContext>(w, `${b}.resv`).fences) {
      if (usageRank(e.usage) > usageRank(usage)) continue;
      // seeded bug (H9): the driver syncs only to the implicit (shared/exclusive) fences, not the move
      if (cfg.ignoreKernelFences && e.usage === 'KERNEL') continue;
      w = drm_sched_job_add_dependency(w, job, e.fence);
    }
    w = drm_sched_job_arm(w, job);
    w = publish_implicit(w, `${job}.finished`, [{ bo: b, write: true }], proc);
    w = setG(w, { [`bos:${job}`]: [b] });
    w = drm_sched_entity_push_job(w, job);
    return must(w, proc, { type: 'PROCESS_SUBMITTED' });
  },
  doc: 'R53, R54, I19: validate the BO, then sync on its resv at dma_resv_usage_rw(write) (KERNEL included)',
});

const steps: StepTable<MoveFenceConfig> = stepTable<MoveFenceConfig>(
  DRM_IOCTL_CS,
  ttm_bo_move_copy,
  drmSchedSteps({ maxHangs: (c: MoveFenceConfig) => c.maxHangs }),
);

/** Scopes and table shared with the twin (ttm-wait-move-fence). */
export function moveFenceDesign(ignoreKernelFences: boolean) {
  const base = { creditLimit: 2, ignoreKernelFences };
  return {
    configs: {
      small: { ...base, processes: 1, jobs: 2, bos: 2, vramSlots: 1, maxHangs: 0 },
      default: { ...base, processes: 2, jobs: 2, bos: 2, vramSlots: 1, maxHangs: 0 },
      large: { ...base, processes: 2, jobs: 3, bos: 3, vramSlots: 2, maxHangs: 1 },
    },
    bounds: {
      exhaustive: { config: 'default', depth: 80, maxStates: 500_000 },
      random: { config: 'large', depth: 100, runs: 200 },
    },
    init,
    steps,
  };
}

/** The properties whose precondition neither twin's world reaches (shown by exploration at default). */
const na = (): Expectation => ({
  verdict: 'n/a',
  why: "its precondition never occurs in this design's world (0 states reached at default)",
});
export const MOVE_FENCE_NA: Record<string, Expectation> = {
  'errors-propagate': na(),
  'hazard-free': na(),
  'innocent-context-survives': na(),
  'memory-eventually-freed': na(),
  'no-priority-inversion': na(),
};

export default defineDesign<MoveFenceConfig>({
  name: 'ttm-ignore-move-fence',
  summary: "The CS syncs on a BO's implicit fences but skips its KERNEL move fence; the job runs during the copy (H9).",
  source: 'H9 (b29895e18304 "dma-buf: add DMA_RESV_USAGE_KERNEL v3", 8bb31587820a); R53, R54; I19',
  ...moveFenceDesign(true),
  expect: {
    'acyclic-waits': { verdict: 'holds', why: 'explored: holds, precondition reached in 1744 state(s) at default' },
    'context-order': { verdict: 'holds', why: 'explored: holds, precondition reached in 696 state(s) at default' },
    ...MOVE_FENCE_NA,
    ...TTM_EXPECTATIONS,
    'no-access-while-moving': {
      verdict: 'violates',
      why: 'H9: the job reaches the hardware while the copy engine still moves its BO (I19, R53)',
    },
    'hw-access-resident': {
      verdict: 'violates',
      why: 'H9: the job runs before its BO landed in VRAM (the move fence is what orders it, R53)',
    },
    'eviction-after-fences': { verdict: 'holds', why: 'TTM itself waits on every resv fence before a move (I19)' },
    'finite-time': { verdict: 'holds', why: 'moves and jobs complete; TDR bounds hangs (R20, R98)' },
    'one-shot': { verdict: 'holds', why: 'each fence signals once (R4)' },
    ...TDR_RECOVERS_EXPECT,
  },
});
