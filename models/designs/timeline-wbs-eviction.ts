/**
 * timeline-wbs-eviction — wait-before-signal handed to the kernel, under memory pressure (H2, H5).
 *
 * Idea: pairs of processes share a timeline syncobj T<i>. The waiter proc<2i+1> submits a job that
 *   waits on T<i>@1 and writes its BO, which is in VRAM; the signaller proc<2i> submits the job whose
 *   finished fence becomes T<i>@1 and writes its BO, which is not. Either may submit first. Submitted
 *   directly (R88 relaxed, models/drm-syncobj/wbs-placeholder.ts), the waiter's job depends on a
 *   placeholder for the future point, and its finished fence sits in its BO's resv like any implicit
 *   job. The signaller's job must validate its BO into VRAM: the eviction waits on the waiter's
 *   finished fence, which waits on the placeholder, which stands for the signaller's job, which waits on
 *   the move in, which waits on the eviction. Under the submit-thread policy (submitThread) the waiter's
 *   batch stays in userspace until its point has materialized, and no such fence reaches a resv.
 * Source: seed 000 "Painful interactions with memory management: swap, reclaim, etc", "can't provide the
 *   same interop with implicit sync because it might never fire"; H2, H5; seed 001 submit thread.
 * Changes: `submitThread: false` relaxes R88 (a placeholder dependency); timeline-wbs-eviction-submit-thread
 *   substitutes `submitThread: true`, the policy mainline and Mesa use.
 * Related: timeline-wbs-direct (the self-binding chain node, without memory), umf-wrapped (the same cycle
 *   through a user memory fence).
 * Models: `pairs` waiter/signaller pairs, one timeline each, one BO per process, `vramSlots` VRAM slots,
 *   TDR with a hang budget. Each timeline has one point, so no chain node can bind to itself (R81).
 *   Validation is the CS ioctl's (amdgpu_cs_parser_bos): a BO stays pinned for its job until the job ran,
 *   unless the job is blocked on a dependency other than a move (the LRU finds its BO idle longest).
 *   Open (3 pairs, 2 slots): that policy also evicts the BO of a submitted consumer blocked on its
 *   producer, and prepare_job then waits for the BO its own eviction holds (H5), even with the submit
 *   thread: a pipelined eviction (the move runs after the job) would not; large stays at 2 pairs.
 */
import { defineDesign, defineStep, type StepTable, stepTable } from '../design.ts';
import { emptyWorld, spawn, ctx, must, setG, stateOf, type World } from '../world.ts';
import type { DrmSchedJobContext } from '../drm-sched/drm-sched-job.ts';
import { isSignaled, type DmaFenceContext } from '../dma-buf/dma-fence.ts';
import { userProcessMachine, type UserProcessContext } from '../userspace/user-process.ts';
import { gpuContextMachine } from '../gpu/gpu-context.ts';
import {
  addScheduler,
  addEntity,
  drm_sched_job_init,
  drm_sched_job_arm,
  drm_sched_entity_push_job,
  drm_sched_job_add_dependency,
  drmSchedSteps,
} from '../drm-sched/sched-main.ts';
import { add_implicit_dependencies, publish_implicit } from '../drm-sched/implicit-sync.ts';
import {
  ttm_bo_create,
  ttm_bo_move_copy,
  ttm_bo_move_buffer,
  can_ttm_bo_validate,
  validateChoices,
  resident,
  TTM_EXPECTATIONS,
} from '../ttm/ttm-bo.ts';
import { setJobBos, residentJobOps, pinnedUntilRun } from '../userq/umf-jobs.ts';
import {
  drm_syncobj_add_point,
  drm_syncobj_create,
  drm_syncobj_point_materialized,
} from '../drm-syncobj/drm-syncobj-api.ts';
import { bindPlaceholders, wbsDependency } from '../drm-syncobj/wbs-placeholder.ts';
import { TDR_RECOVERS_EXPECT } from '../drm-sched/tdr-expect.ts';

export interface WbsEvictionConfig {
  /** waiter/signaller process pairs, one timeline syncobj each */
  pairs: number;
  /** VRAM capacity in BOs (the waiters' BOs start there, the signallers' in system memory) */
  vramSlots: number;
  /** GPU hangs allowed per run (fault budget) */
  maxHangs: number;
  /** the submit-thread policy: a batch whose wait point has not materialized is held in userspace */
  submitThread: boolean;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const procs = (cfg: WbsEvictionConfig) => range(2 * cfg.pairs).map((i) => `proc${i}`);
const idx = (p: string) => Number(p.slice(4));
const isWaiter = (p: string) => idx(p) % 2 === 1;
const timelineOf = (p: string) => `T${Math.floor(idx(p) / 2)}`;
const boOf = (p: string) => `bo${idx(p)}`;
const pc = (w: World, p: string) => ctx<UserProcessContext>(w, p).pc;
const held = (w: World, p: string) => w.g[`held:${p}`] === true;

function initWbsEviction(cfg: WbsEvictionConfig): World {
  let w = addScheduler(emptyWorld, 'sched0', 'gpu0', { timeout: true, creditLimit: 2 });
  let inVram = 0;
  for (const p of procs(cfg)) {
    const vram = isWaiter(p) && inVram < cfg.vramSlots;
    if (vram) inVram++;
    w = ttm_bo_create(w, boOf(p), vram ? 'VRAM' : 'SYSTEM');
  }
  for (const i of range(cfg.pairs)) w = drm_syncobj_create(w, `T${i}`);
  for (const p of procs(cfg)) {
    w = spawn(w, p, userProcessMachine, {});
    w = addEntity(w, `${p}.entity`);
    w = spawn(w, `${p}.ctx`, gpuContextMachine, { proc: p });
  }
  return w;
}

const RESIDENT = 'resident';
const HOLD = 'held by the submit thread';
const FREE_SLOT = 'free slot';
const victimOf = (choice: string) => (choice.startsWith('evict ') ? choice.slice('evict '.length) : '');

/**
 * TTM's victim policy here: a BO validated for a job stays until the job ran, unless the job is blocked
 * on a dependency other than a memory move (LRU order does not know jobs; a BO whose job cannot run is
 * the one the LRU finds idle longest). Its eviction then waits on that job's fence (I19).
 */
const stillPinned = (w: World) => (who: string) => {
  if (!pinnedUntilRun(w)(who)) return false;
  const job = ctx<DrmSchedJobContext>(w, who.slice(0, -'.finished'.length));
  return job.deps.every((d) => isSignaled(w, d) || ctx<DmaFenceContext>(w, d).ops === 'move');
};

/** The CS ioctl's validation choices for `p`'s BO: already resident, a free slot, or a victim to evict. */
function csChoices(w: World, p: string, cfg: WbsEvictionConfig): string[] {
  const b = boOf(p);
  if (resident(w, b)) return [RESIDENT];
  return validateChoices(w, b, cfg.vramSlots, stillPinned(w))
    .filter((v) => can_ttm_bo_validate(w, b, v, cfg.vramSlots))
    .map((v) => (v ? `evict ${v}` : FREE_SLOT));
}

/**
 * The CS ioctl (one atomic step), amdgpu's order: validate the BO list (a full VRAM evicts a victim, whose
 * move waits on its resv, I19; the BO stays pinned for this job until it ran), then implicit deps (the
 * move fence among them, R53), the wait point (waiter), arm, resv, push.
 */
function submit(w: World, p: string, choice: string): World {
  const job = `${p}.j0`;
  const f = `${job}.finished`;
  const list = [{ bo: boOf(p), write: true }];
  w =
    choice === RESIDENT
      ? must(w, boOf(p), { type: 'TTM_BO_PIN', for: f })
      : ttm_bo_move_buffer(w, boOf(p), victimOf(choice), [f], [f]);
  w = drm_sched_job_init(w, job, `${p}.entity`, 'sched0');
  w = setJobBos(w, job, [boOf(p)]);
  w = add_implicit_dependencies(w, job, list);
  if (isWaiter(p)) {
    const r = wbsDependency(w, timelineOf(p), 1);
    w = drm_sched_job_add_dependency(r.w, job, r.dep);
  }
  w = drm_sched_job_arm(w, job);
  w = publish_implicit(w, `${job}.finished`, list, p);
  if (!isWaiter(p)) w = drm_syncobj_add_point(w, timelineOf(p), `${job}.finished`, 1).w;
  w = drm_sched_entity_push_job(w, job);
  return bindPlaceholders(w);
}

/** R145, R147: the submit thread takes a batch whose wait point is not there yet. */
const holds = (w: World, p: string, cfg: WbsEvictionConfig) =>
  cfg.submitThread && isWaiter(p) && !drm_syncobj_point_materialized(w, timelineOf(p), 1);

const vkQueueSubmit = defineStep<WbsEvictionConfig, [proc: string, what: string, choice: string]>({
  name: 'vkQueueSubmit',
  role: 'user',
  actor: ([p]) => p,
  params: (w, cfg) =>
    procs(cfg).flatMap((p) =>
      (holds(w, p, cfg) ? [HOLD] : csChoices(w, p, cfg)).map((c): [string, string, string] => [
        p,
        isWaiter(p)
          ? `j0 waits on ${timelineOf(p)}@1, writes ${boOf(p)}`
          : `j0 writes ${boOf(p)}, signals ${timelineOf(p)}@1`,
        c,
      ]),
    ),
  enabled: (w, [p, , c], cfg) =>
    stateOf(w, p) === 'running' && pc(w, p) === 0 && (holds(w, p, cfg) ? c === HOLD : csChoices(w, p, cfg).includes(c)),
  apply: (w, [p, , c], _cfg) => {
    if (c === HOLD) return setG(must(w, p, { type: 'PROC_ADVANCE' }), { [`held:${p}`]: true });
    return submit(must(w, p, { type: 'PROC_ADVANCE' }), p, c);
  },
  doc: 'H2: wait-before-signal: the waiter may submit before its point exists',
});

const vk_queue_submit_thread = defineStep<WbsEvictionConfig, [proc: string, choice: string]>({
  name: 'vk_queue_submit_thread',
  role: 'user',
  actor: ([p]) => `${p}.thread`,
  params: (w, cfg) =>
    procs(cfg)
      .filter((p) => held(w, p))
      .flatMap((p) => csChoices(w, p, cfg).map((c): [string, string] => [p, c])),
  enabled: (w, [p, c], cfg) =>
    held(w, p) && drm_syncobj_point_materialized(w, timelineOf(p), 1) && csChoices(w, p, cfg).includes(c),
  apply: (w, [p, c]) => submit(setG(w, { [`held:${p}`]: false }), p, c),
  doc: 'R84 WAIT_AVAILABLE returned, so find_fence(flags = 0) succeeds: submit to the kernel (R88)',
});

const steps: StepTable<WbsEvictionConfig> = stepTable<WbsEvictionConfig>(
  vkQueueSubmit,
  vk_queue_submit_thread,
  // prepare_job makes a job ready once its BOs are resident (ENTITY READINESS); validation was the CS ioctl's
  drmSchedSteps({ maxHangs: (c: WbsEvictionConfig) => c.maxHangs, ops: residentJobOps }),
  ttm_bo_move_copy,
);

const direct = (pairs: number, vramSlots: number, maxHangs: number): WbsEvictionConfig => ({
  pairs,
  vramSlots,
  maxHangs,
  submitThread: false,
});

export default defineDesign<WbsEvictionConfig>({
  name: 'timeline-wbs-eviction',
  summary:
    'A wait-before-signal job with a placeholder dependency sits in a BO resv; evicting that BO for the signaller ' +
    'closes a cycle.',
  source: 'seed 000 "Painful interactions with memory management: swap, reclaim, etc"; H2, H5',
  configs: { small: direct(1, 1, 0), default: direct(1, 1, 1), large: direct(2, 1, 1) },
  bounds: {
    exhaustive: { config: 'default', depth: 80, maxStates: 1_000_000 },
    random: { config: 'large', depth: 80, runs: 200 },
  },
  init: initWbsEviction,
  steps,
  expect: {
    ...TTM_EXPECTATIONS,
    'chain-prefix-closed': { verdict: 'n/a', why: 'one point per timeline: no chain prefix to keep closed' },
    'timeline-monotonic': { verdict: 'n/a', why: 'one point per timeline: points cannot arrive out of order' },
    'context-order': { verdict: 'n/a', why: 'one job per entity: no two fences of one context in flight' },
    'preempt-fence-bounded': { verdict: 'n/a', why: 'dma_fence jobs only: no preempt or eviction fence' },
    'one-shot': { verdict: 'holds', why: 'placeholders signal once, through the fence they were bound to' },
    'acyclic-waits': {
      verdict: 'violates',
      why:
        "the signaller's move in waits on evicting the waiter's BO, whose resv holds the waiter's job, which waits " +
        'on ' +
        "the placeholder bound to the signaller's job (H2, H5, I7)",
    },
    'finite-time': {
      verdict: 'violates',
      why:
        'seed 000 "it might never fire": the waiter\'s published fence waits on a placeholder only userspace can ' +
        'make ' +
        'real; with the eviction behind it, not even userspace can (I10, H2)',
    },
    'no-future-edges': {
      verdict: 'violates',
      why: "the waiter's job is armed with a dependency on an unmaterialized point (I8; mainline returns -EINVAL, R88)",
    },
    'eviction-after-fences': { verdict: 'holds', why: "every move waits on its BO's resv fences (I19)" },
    'no-access-while-moving': { verdict: 'holds', why: 'jobs run only on resident BOs (I19)' },
    'errors-propagate': {
      verdict: 'n/a',
      why:
        'never reached here (a job completes after one of its dependencies signaled with an error) in default+large: ' +
        'exploration (issue 11.2)',
    },
    'hazard-free': {
      verdict: 'n/a',
      why:
        'never reached here (two queues touched one buffer, at least one writing) in default+large: exploration ' +
        '(issue 11.2)',
    },
    'innocent-context-survives': {
      verdict: 'holds',
      why:
        'shown by exploration (applies by default, issue 14.2); a context killed or a job cancelled: reached 60 ' +
        'times',
    },
    'memory-eventually-freed': {
      verdict: 'n/a',
      why: 'never reached here (a fence or BO released by its owner) in default+large: exploration (issue 11.2)',
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
