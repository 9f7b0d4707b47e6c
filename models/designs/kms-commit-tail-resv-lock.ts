/**
 * kms-commit-tail-resv-lock — an atomic commit tail takes a framebuffer BO's dma_resv lock (H4).
 *
 * Idea: a nonblocking atomic commit publishes its CRTC out-fence (OUT_FENCE_PTR, R134) at the ioctl;
 *   from then on the commit tail, up to the flip-done event, is the out-fence's signalling section
 *   (R135). Here the tail locks the framebuffer's resv (to read its fences, or to pin it) before it
 *   programs the flip. Meanwhile a CS or eviction thread holds that resv lock and waits on the commit's
 *   out-fence, which R23 allows: the tail blocks on the lock, the out-fence never signals.
 * Source: H4 ("drm/amdgpu/dc: Stop dma_resv_lock inversion in commit_tail", Daniel Vetter's 2020 series
 *   with H3); R23, R135; drm_atomic_helper.c commit_tail (the fences are collected in prepare_fb, before
 *   the point of no return, drm_gem_plane_helper_prepare_fb, R132).
 * Changes: R23 broken inside a signalling section (the seeded bug below; the twin
 *   kms-commit-tail-no-resv-lock is the fix: the tail uses what prepare_fb collected and takes no resv).
 * Models: one CRTC, `commits` nonblocking commits in sequence, each scanning out fb<k mod bos>;
 *   `processes` ioctl threads that lock a framebuffer's resv and wait on the pending commit's out-fence.
 *   Abstracted away: vblank timing (the flip lands once the tail has programmed it), plane state.
 */
import { defineDesign, defineStep, stepTable, type StepTable } from '../design.ts';
import { emptyWorld, spawn, ctx, must, idsOf, stateOf, setG, type World, type Json } from '../world.ts';
import { dmaFenceMachine, isSignaled } from '../dma-buf/dma-fence.ts';
import { kthreadMachine, mutex_lock, mutex_unlock, mutexOwner, type KthreadContext } from '../kernel/kthread.ts';

export interface CommitTailConfig {
  /** ioctl threads that lock a framebuffer's resv and wait on the out-fence (R23). */
  processes: number;
  /** nonblocking commits, one after the other. */
  commits: number;
  /** framebuffers: commit k scans out fb<k mod bos>. */
  bos: number;
  /** the seeded bug: the tail takes the framebuffer's dma_resv lock. */
  tailLocksResv: boolean;
}

const TAIL = 'crtc0.commit_tail';
const num = (v: Json | undefined): number => (typeof v === 'number' ? v : 0);
/** g.commit: the pending commit's index (-1 none); g.commits: commits made so far. */
const pending = (w: World): number => (typeof w.g.commit === 'number' ? w.g.commit : -1);
const outFence = (k: number) => `crtc0.out${k}`;
const fbOf = (cfg: CommitTailConfig, k: number) => `fb${k % cfg.bos}`;
const resvLock = (fb: string) => `resv:${fb}`;
const thread = (p: number) => `proc${p}.ioctl`;
const kt = (w: World, t: string) => ctx<KthreadContext>(w, t);

function init(cfg: CommitTailConfig): World {
  let w = spawn(emptyWorld, TAIL, kthreadMachine, {});
  for (let p = 0; p < cfg.processes; p++) w = spawn(w, thread(p), kthreadMachine, {});
  return setG(w, { commit: -1, commits: 0 });
}

const drm_mode_atomic_ioctl = defineStep<CommitTailConfig>({
  name: 'drm_mode_atomic_ioctl',
  role: 'user',
  actor: () => 'compositor',
  enabled: (w, _a, cfg) => pending(w) < 0 && num(w.g.commits) < cfg.commits,
  apply: (w) => {
    const k = num(w.g.commits);
    // R134: the out-fence is published to userspace at the ioctl; the tail must signal it
    w = spawn(w, outFence(k), dmaFenceMachine, { context: 2000, seqno: k + 1, ops: 'crtc', published: true });
    return setG(w, { commit: k, commits: k + 1 });
  },
  doc: 'R134: a nonblocking commit with OUT_FENCE_PTR; the out-fence is visible before the tail runs',
});

/** The tail has begun and, in the buggy variant, holds (or waits for) the framebuffer's resv lock. */
const drm_atomic_helper_commit_tail = defineStep<CommitTailConfig>({
  name: 'drm_atomic_helper_commit_tail',
  role: 'kernel',
  actor: () => TAIL,
  enabled: (w) => pending(w) >= 0 && stateOf(w, TAIL) === 'idle',
  apply: (w, _a, cfg) => {
    const k = pending(w);
    w = must(w, TAIL, { type: 'KTHREAD_WORK', work: `commit_tail ${k}`, sigFor: [outFence(k)] });
    // seeded bug (H4): dma_resv_lock inside the out-fence's signalling section (R23, R135)
    return cfg.tailLocksResv ? mutex_lock(w, TAIL, resvLock(fbOf(cfg, k))) : w;
  },
  doc: 'R135: the commit tail is the out-fence signalling section (the buggy tail locks the fb resv, H4)',
});

const drm_crtc_send_vblank_event = defineStep<CommitTailConfig>({
  name: 'drm_crtc_send_vblank_event',
  role: 'kernel',
  actor: () => TAIL,
  enabled: (w, _a, cfg) =>
    stateOf(w, TAIL) === 'running' &&
    (!cfg.tailLocksResv || kt(w, TAIL).locks.includes(resvLock(fbOf(cfg, pending(w))))),
  apply: (w, _a, cfg) => {
    const k = pending(w);
    if (cfg.tailLocksResv) w = mutex_unlock(w, TAIL, resvLock(fbOf(cfg, k)));
    w = must(w, outFence(k), { type: 'DMA_FENCE_SIGNAL' });
    w = must(w, TAIL, { type: 'KTHREAD_DONE' });
    return setG(w, { commit: -1 });
  },
  doc: 'R134: the flip landed; the vblank event signals the out-fence (dma_fence_signal_timestamp)',
});

/** An ioctl thread (CS, eviction) locks fb's resv and waits on the pending commit's out-fence (R23). */
const dma_resv_lock_then_wait = defineStep<CommitTailConfig, [thread: string, fb: string]>({
  name: 'dma_resv_lock_then_wait',
  role: 'user',
  actor: ([t]) => t,
  params: (_w, cfg) => {
    const out: [string, string][] = [];
    for (let p = 0; p < cfg.processes; p++) for (let b = 0; b < cfg.bos; b++) out.push([thread(p), `fb${b}`]);
    return out;
  },
  enabled: (w, [t]) => stateOf(w, t) === 'idle' && pending(w) >= 0 && !isSignaled(w, outFence(pending(w))),
  apply: (w, [t, fb]) => {
    w = must(w, t, { type: 'KTHREAD_WORK', work: `wait ${outFence(pending(w))} under ${resvLock(fb)}`, sigFor: [] });
    w = mutex_lock(w, t, resvLock(fb));
    return stateOf(w, t) === 'running' ? must(w, t, { type: 'KTHREAD_WAIT', on: outFence(pending(w)) }) : w;
  },
  doc: 'R23: anyone may dma_fence_wait holding a dma_resv lock (here: the out-fence of a commit)',
});

/** A thread handed the resv lock after blocking on it now waits on the fence its work names. */
const ioctl_wait_after_lock = defineStep<CommitTailConfig, [thread: string]>({
  name: 'ioctl_wait_after_lock',
  role: 'kernel',
  actor: ([t]) => t,
  params: (_w, cfg) => Array.from({ length: cfg.processes }, (_, p): [string] => [thread(p)]),
  enabled: (w, [t]) => stateOf(w, t) === 'running' && kt(w, t).locks.length > 0,
  apply: (w, [t]) => {
    const f = kt(w, t).work.split(' ')[1];
    if (!isSignaled(w, f)) return must(w, t, { type: 'KTHREAD_WAIT', on: f });
    w = mutex_unlock(w, t, kt(w, t).locks[0]);
    return must(w, t, { type: 'KTHREAD_DONE' });
  },
  doc: 'the lock was handed over (mutex.c): wait on the fence, or drop the lock if it already signaled',
});

const ioctl_wake = defineStep<CommitTailConfig, [thread: string]>({
  name: 'ioctl_wake',
  role: 'kernel',
  actor: ([t]) => t,
  params: (_w, cfg) => Array.from({ length: cfg.processes }, (_, p): [string] => [thread(p)]),
  enabled: (w, [t]) =>
    stateOf(w, t) === 'blocked' && mutexOwner(w, kt(w, t).waitingOn) === undefined && isSignaled(w, kt(w, t).waitingOn),
  apply: (w, [t]) => {
    w = must(w, t, { type: 'KTHREAD_WAKE' });
    for (const l of kt(w, t).locks) w = mutex_unlock(w, t, l);
    return must(w, t, { type: 'KTHREAD_DONE' });
  },
  doc: 'R12: the fence signaled; the thread unlocks the resv and returns',
});

const steps: StepTable<CommitTailConfig> = stepTable<CommitTailConfig>(
  drm_mode_atomic_ioctl,
  drm_atomic_helper_commit_tail,
  drm_crtc_send_vblank_event,
  dma_resv_lock_then_wait,
  ioctl_wait_after_lock,
  ioctl_wake,
);

/** The design's scopes and table, shared with the fixed twin (kms-commit-tail-no-resv-lock). */
export function commitTailDesign(tailLocksResv: boolean) {
  const small: CommitTailConfig = { processes: 1, commits: 1, bos: 1, tailLocksResv };
  return {
    configs: {
      small,
      default: { processes: 2, commits: 2, bos: 1, tailLocksResv },
      large: { processes: 4, commits: 6, bos: 2, tailLocksResv },
    },
    bounds: {
      exhaustive: { config: 'default', depth: 60, maxStates: 200_000 },
      random: { config: 'large', depth: 80, runs: 200 },
    },
    init,
    steps,
    pending: (w: World) => idsOf(w, 'dma_fence').filter((f) => !isSignaled(w, f)),
  };
}

export default defineDesign<CommitTailConfig>({
  name: 'kms-commit-tail-resv-lock',
  summary:
    "The atomic commit tail takes a framebuffer's dma_resv lock inside the out-fence's signalling section, " +
    'while a thread holding that lock waits on the out-fence (H4).',
  source: 'H4 ("drm/amdgpu/dc: Stop dma_resv_lock inversion in commit_tail", 2020); R23, R134, R135',
  ...commitTailDesign(true),
  expect: {
    'context-order': {
      verdict: 'n/a',
      why: "its precondition never occurs in this design's world (0 states reached at default)",
    },
    'no-userspace-wait-under-kernel-lock': {
      verdict: 'n/a',
      why: "its precondition never occurs in this design's world (0 states reached at default)",
    },
    'signalling-section-discipline': {
      verdict: 'violates',
      why: 'H4: the commit tail, the out-fence signalling section (R135), takes a dma_resv lock (R23)',
    },
    'acyclic-waits': {
      verdict: 'violates',
      why: 'H4: out-fence -> tail -> resv lock -> the ioctl thread holding it -> out-fence (I7)',
    },
    'finite-time': { verdict: 'violates', why: 'H4: the deadlock never ends; the out-fence never signals (I10)' },
    'one-shot': { verdict: 'holds', why: 'the out-fence signals once, from the vblank event (R4, R134)' },
    'no-deadlock': { verdict: 'violates', why: 'H4: the tail and the ioctl thread wait on each other forever' },
  },
});
