/**
 * userq-wait-for-submit-under-resv — the user-queue wait ioctl waits for a syncobj point to be submitted
 * while holding BO resv locks (I12, H16's related pattern).
 *
 * Idea: amdgpu_userq_wait_ioctl locks the BOs of its wait list with drm_exec, then resolves the
 *   timeline points with drm_syncobj_find_fence(..., DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT), which
 *   sleeps until userspace submits the point, for up to 5 s (R78, R88, R125). The process that would
 *   submit it runs a CS that needs one of those resv locks (implicit sync on a shared BO): it blocks
 *   behind the waiter, the point never materializes, and the wait ends only by its timeout (-ETIME).
 * Source: R78 (drm_syncobj_find_fence asserts lockdep_assert_none_held_once() before waiting), R88,
 *   R125 (amdgpu_userq_wait_ioctl, in the snapshot studied: drm_exec first, then WAIT_FOR_SUBMIT); H16.
 * Changes: the seeded bug below (lock, then wait); the twin userq-wait-for-submit-unlocked resolves the
 *   points first, with no lock held, and locks the BOs only to collect their fences.
 * Models: `waiters` processes each running one wait ioctl on point k of a timeline and on a BO,
 *   one submitter that submits the `points` points in order, each a CS writing a BO (k mod bos), and
 *   WAIT_FOR_SUBMIT's timeout as a timer. A point that materializes is a fence-like event only
 *   userspace brings about (signaller 'user', unpublished: no dma_fence depends on it).
 */
import { defineDesign, defineStep, stepTable, type StepTable } from '../design.ts';
import { emptyWorld, spawn, ctx, must, idsOf, stateOf, setG, type World, type Json } from '../world.ts';
import { dmaFenceMachine, isSignaled } from '../dma-buf/dma-fence.ts';
import { kthreadMachine, mutex_lock, mutex_unlock, type KthreadContext } from '../kernel/kthread.ts';

export interface WaitForSubmitConfig {
  waiters: number;
  points: number;
  bos: number;
  /** the seeded bug: drm_exec locks the BOs before the WAIT_FOR_SUBMIT resolve. */
  lockFirst: boolean;
}

const SUBMIT = 'proc0.cs';
const num = (v: Json | undefined): number => (typeof v === 'number' ? v : 0);
const waiter = (i: number) => `proc${i + 1}.wait_ioctl`;
const point = (k: number) => `syncobj0@${k + 1}`;
const boOf = (cfg: WaitForSubmitConfig, k: number) => `resv:bo${k % cfg.bos}`;
const kt = (w: World, t: string) => ctx<KthreadContext>(w, t);
/** Waiter i waits on point (i mod points) and locks bo (i mod bos). */
const wantPoint = (cfg: WaitForSubmitConfig, i: number) => point(i % cfg.points);
const wantBo = (cfg: WaitForSubmitConfig, i: number) => boOf(cfg, i);

function init(cfg: WaitForSubmitConfig): World {
  let w = spawn(emptyWorld, SUBMIT, kthreadMachine, {});
  for (let i = 0; i < cfg.waiters; i++) w = spawn(w, waiter(i), kthreadMachine, {});
  // "materialized" events of the timeline points: only userspace (a submit) brings them about (R81, R88)
  for (let k = 0; k < cfg.points; k++)
    w = spawn(w, point(k), dmaFenceMachine, { context: 5000, seqno: k + 1, ops: 'syncobj-submit', signaller: 'user' });
  return setG(w, { submitted: 0 });
}

/** Collect the BO's fences, drop the lock, return (the ioctl's tail: fences go back to userspace, R125). */
function finishWait(w: World, t: string): World {
  for (const l of kt(w, t).locks) w = mutex_unlock(w, t, l);
  return must(w, t, { type: 'KTHREAD_DONE' });
}

/** The next phase of waiter `t` from where it stands (running, holding what it holds). */
function waitPhase(w: World, t: string, i: number, cfg: WaitForSubmitConfig): World {
  const locked = kt(w, t).locks.includes(wantBo(cfg, i));
  const p = wantPoint(cfg, i);
  if (cfg.lockFirst && !locked) {
    w = mutex_lock(w, t, wantBo(cfg, i));
    if (stateOf(w, t) === 'blocked') return w;
  }
  if (!isSignaled(w, p)) return must(w, t, { type: 'KTHREAD_WAIT', on: p });
  if (!cfg.lockFirst && !locked) {
    w = mutex_lock(w, t, wantBo(cfg, i));
    if (stateOf(w, t) === 'blocked') return w;
  }
  return finishWait(w, t);
}

const amdgpu_userq_wait_ioctl = defineStep<WaitForSubmitConfig, [thread: string]>({
  name: 'amdgpu_userq_wait_ioctl',
  role: 'user',
  actor: ([t]) => t,
  params: (_w, cfg) => Array.from({ length: cfg.waiters }, (_, i): [string] => [waiter(i)]),
  enabled: (w, [t]) => stateOf(w, t) === 'idle' && !w.g[`done:${t}`],
  apply: (w, [t], cfg) => {
    const i = Number(t.slice(4, t.indexOf('.'))) - 1;
    w = setG(must(w, t, { type: 'KTHREAD_WORK', work: `amdgpu_userq_wait_ioctl ${wantPoint(cfg, i)}`, sigFor: [] }), {
      [`done:${t}`]: true,
    });
    // seeded bug: drm_exec_lock_obj on the BOs, then drm_syncobj_find_fence(WAIT_FOR_SUBMIT) (R78, R88)
    return waitPhase(w, t, i, cfg);
  },
  doc: 'R125: wait for the timeline point to be submitted (WAIT_FOR_SUBMIT, R78) and collect the BO fences',
});

const amdgpu_userq_wait_resume = defineStep<WaitForSubmitConfig, [thread: string]>({
  name: 'amdgpu_userq_wait_resume',
  role: 'kernel',
  actor: ([t]) => t,
  params: (_w, cfg) => Array.from({ length: cfg.waiters }, (_, i): [string] => [waiter(i)]),
  enabled: (w, [t]) =>
    (stateOf(w, t) === 'blocked' && isSignaled(w, kt(w, t).waitingOn)) ||
    (stateOf(w, t) === 'running' && kt(w, t).locks.length > 0),
  apply: (w, [t], cfg) => {
    const i = Number(t.slice(4, t.indexOf('.'))) - 1;
    if (stateOf(w, t) === 'blocked') w = must(w, t, { type: 'KTHREAD_WAKE' });
    return waitPhase(w, t, i, cfg);
  },
  doc: 'the point materialized (drm_syncobj_add_point wakes the waiter), or the resv lock was handed over',
});

const drm_syncobj_wait_for_submit_timeout = defineStep<WaitForSubmitConfig, [thread: string]>({
  name: 'drm_syncobj_wait_for_submit_timeout',
  role: 'timer',
  actor: ([t]) => t,
  params: (_w, cfg) => Array.from({ length: cfg.waiters }, (_, i): [string] => [waiter(i)]),
  enabled: (w, [t]) =>
    stateOf(w, t) === 'blocked' && kt(w, t).waitingOn.startsWith('syncobj') && !isSignaled(w, kt(w, t).waitingOn),
  apply: (w, [t]) => finishWait(must(w, t, { type: 'KTHREAD_WAKE' }), t),
  doc: 'R78: DRM_SYNCOBJ_WAIT_FOR_SUBMIT_TIMEOUT (5 s) expired: -ETIME, the ioctl unwinds',
});

/** The submitter's CS: implicit sync on BO (k mod bos) needs its resv lock; the point then materializes. */
const amdgpu_cs_ioctl = defineStep<WaitForSubmitConfig>({
  name: 'amdgpu_cs_ioctl',
  role: 'user',
  actor: () => SUBMIT,
  enabled: (w, _a, cfg) => stateOf(w, SUBMIT) === 'idle' && num(w.g.submitted) < cfg.points,
  apply: (w, _a, cfg) => {
    const k = num(w.g.submitted);
    w = must(w, SUBMIT, { type: 'KTHREAD_WORK', work: `amdgpu_cs_ioctl ${point(k)}`, sigFor: [] });
    w = mutex_lock(w, SUBMIT, boOf(cfg, k));
    return stateOf(w, SUBMIT) === 'blocked' ? w : submitPoint(w, cfg);
  },
  doc: 'R62, R82: the CS locks its BOs (implicit sync), adds its fence, and adds the timeline point',
});

function submitPoint(w: World, cfg: WaitForSubmitConfig): World {
  const k = num(w.g.submitted);
  w = must(w, point(k), { type: 'DMA_FENCE_SIGNAL' });
  w = mutex_unlock(w, SUBMIT, boOf(cfg, k));
  return setG(must(w, SUBMIT, { type: 'KTHREAD_DONE' }), { submitted: k + 1 });
}

const amdgpu_cs_resume = defineStep<WaitForSubmitConfig>({
  name: 'amdgpu_cs_resume',
  role: 'kernel',
  actor: () => SUBMIT,
  enabled: (w) => stateOf(w, SUBMIT) === 'running' && kt(w, SUBMIT).locks.length > 0,
  apply: (w, _a, cfg) => submitPoint(w, cfg),
  doc: 'the resv lock was handed over: the CS goes on and the point materializes',
});

const steps: StepTable<WaitForSubmitConfig> = stepTable<WaitForSubmitConfig>(
  amdgpu_userq_wait_ioctl,
  amdgpu_userq_wait_resume,
  drm_syncobj_wait_for_submit_timeout,
  amdgpu_cs_ioctl,
  amdgpu_cs_resume,
);

/** Scopes and table shared with the twin (userq-wait-for-submit-unlocked). */
export function waitForSubmitDesign(lockFirst: boolean) {
  return {
    configs: {
      small: { waiters: 1, points: 1, bos: 1, lockFirst },
      default: { waiters: 2, points: 2, bos: 1, lockFirst },
      large: { waiters: 4, points: 3, bos: 2, lockFirst },
    },
    bounds: {
      exhaustive: { config: 'default', depth: 80, maxStates: 500_000 },
      random: { config: 'large', depth: 80, runs: 200 },
    },
    init,
    steps,
    pending: (w: World) => idsOf(w, 'kthread').filter((t) => stateOf(w, t) !== 'idle'),
  };
}

export default defineDesign<WaitForSubmitConfig>({
  name: 'userq-wait-for-submit-under-resv',
  summary:
    'The user-queue wait ioctl holds BO resv locks while it waits for a timeline point to be submitted; the ' +
    'submitting CS needs one of those locks (I12).',
  source: 'R78, R88, R125 (amdgpu_userq_wait_ioctl, snapshot studied); I12; H16',
  ...waitForSubmitDesign(true),
  expect: {
    'acyclic-waits': { verdict: 'holds', why: 'explored: holds, precondition reached in 25 state(s) at default' },
    'context-order': { verdict: 'holds', why: 'explored: holds, precondition reached in 27 state(s) at default' },
    'finite-time': {
      verdict: 'n/a',
      why: "its precondition never occurs in this design's world (0 states reached at default)",
    },
    'one-shot': { verdict: 'holds', why: 'explored: holds, precondition reached in 36 state(s) at default' },
    'signalling-section-discipline': {
      verdict: 'n/a',
      why: "its precondition never occurs in this design's world (0 states reached at default)",
    },
    'no-userspace-wait-under-kernel-lock': {
      verdict: 'violates',
      why: 'R78, I12: WAIT_FOR_SUBMIT sleeps with the drm_exec resv locks held',
    },
    'no-deadlock': {
      verdict: 'holds',
      why: 'the 5 s WAIT_FOR_SUBMIT timeout (R78) breaks the stall: the wait fails with -ETIME',
    },
  },
});
