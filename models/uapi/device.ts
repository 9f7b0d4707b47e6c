/**
 * A uAPI-level "device": a small mutable wrapper around a World with an fd table, a virtual clock,
 * timers and blocking waits, so a scenario test reads like an IGT or KUnit test:
 *
 *   const dev = openDevice();
 *   const tl = swSyncTimelineCreate(dev);
 *   const { fd } = swSyncCreateFence(dev, tl, 1);
 *   const t = fenceWaitAsync(dev, fd, 100);     // a blocking wait in another thread
 *   swSyncInc(dev, tl, 1);                      // a step done meanwhile
 *   expect(join(dev, t)).toBe(0);
 *
 * Time and threads (shared with models/uapi/syncobj.ts):
 * - `dev.now` is virtual milliseconds. Nothing happens between calls unless the test does it.
 * - `startWait(dev, label, check, timeoutMs, onTimeout)` starts a blocking call in another thread: it
 *   evaluates `check` at once and again after every change of the world (`update`) and every timer.
 *   `check` returns the call's result when its condition holds, or undefined to keep sleeping.
 *   timeoutMs 0 = poll (evaluated once); < 0 or Infinity = no timeout; else the wait returns
 *   `onTimeout` (normally -ETIME) when the clock reaches start + timeoutMs with the condition false.
 * - `at(dev, t, fn)` schedules work (another thread's steps) at virtual time t; `advance(dev, ms)`
 *   moves the clock, running due timers in time order and expiring waits whose deadline comes first.
 * - `join(dev, thread)` returns a finished thread's result. A thread still blocked: join advances
 *   the clock to its deadline (running timers on the way); if it has no deadline and no timer can
 *   wake it, join throws "blocks forever" (a deadlock in the scenario).
 * - `blockingCall` = startWait + join, the synchronous form: a finite timeout returns -ETIME unless
 *   the condition becomes true through timers scheduled before the deadline.
 * A check may update `dev.w` itself (dma_fence_is_signaled may signal an array, R9/R41) but must not
 * call `update` (no re-entrant wake-ups); a check that changes the world wakes the others again.
 *
 * Signals: `signalThread(dev, t, { saRestart })` delivers a signal to a thread sleeping interruptibly
 * (TASK_INTERRUPTIBLE). A kernel wait then returns -ERESTARTSYS (R12, R79); at the syscall boundary that
 * becomes a transparent restart of the same call with the same arguments (a handler with SA_RESTART,
 * or libdrm's drmIoctl loop on EINTR, as IGT's igt_while_interruptible relies on), or -EINTR to
 * userspace without SA_RESTART. Each blocking call says what it does (`interrupt`); a call without one
 * sleeps uninterruptibly and the signal does not wake it.
 */
import { emptyWorld, type World } from '../world.ts';
import {
  EINVAL,
  ENOENT,
  ETIME,
  ENOMEM,
  EOPNOTSUPP,
  EIO,
  ECANCELED,
  ESRCH,
  EDEADLK,
  ENODATA,
} from '../dma-buf/dma-fence.ts';
import { dma_fence_array_settle } from '../dma-buf/dma-fence-api.ts';

export { EINVAL, ENOENT, ETIME, ENOMEM, EOPNOTSUPP, EIO, ECANCELED, ESRCH, EDEADLK, ENODATA };
export const EBADF = -9;
export const EFAULT = -14;
export const ENOTTY = -25;
export const EINTR = -4;
/** The kernel-internal "restart the syscall" code; userspace never sees it (EINTR or a restart instead). */
export const ERESTARTSYS = -512;

/** What an fd refers to. `kind` is the file type ('sync_file', 'dma_buf', 'sw_sync', 'syncobj', ...). */
export interface FdEntry {
  kind: string;
  obj: string;
}

export interface Thread<T = number> {
  label: string;
  /** Virtual time the call started. */
  start: number;
  /** Absolute virtual deadline, or null for none. */
  deadline: number | null;
  state: 'blocked' | 'done';
  result?: T;
  /** Virtual time it returned. */
  doneAt?: number;
  check: (dev: Device) => T | undefined;
  onTimeout: T;
  /**
   * An interruptible sleep: what a signal does (`saRestart`: the syscall is restarted with the same
   * arguments). Returns the call's result, or undefined when the restarted call sleeps again.
   */
  interrupt?: (dev: Device, saRestart: boolean) => T | undefined;
  /** Signals delivered while it slept. */
  signals: number;
}

interface Timer {
  at: number;
  seq: number;
  fn: (dev: Device) => void;
}

export interface Device {
  w: World;
  now: number;
  fds: Map<number, FdEntry>;
  nextFd: number;
  /** Per-prefix counters for object names (deterministic ids: `sync_file0`, `sync_file1`, ...). */
  names: Map<string, number>;
  threads: Thread<any>[];
  timers: Timer[];
  timerSeq: number;
}

export function openDevice(w: World = emptyWorld): Device {
  return { w, now: 0, fds: new Map(), nextFd: 3, names: new Map(), threads: [], timers: [], timerSeq: 0 };
}

/** A fresh object name with this prefix. */
export function newName(dev: Device, prefix: string): string {
  const n = dev.names.get(prefix) ?? 0;
  dev.names.set(prefix, n + 1);
  return `${prefix}${n}`;
}

/** Commit a new world (after one kernel operation) and wake the threads whose condition now holds. */
export function update(dev: Device, w: World): void {
  dev.w = dma_fence_array_settle(w);
  wake(dev);
}

/** Apply `fn` to the world and commit. */
export function apply(dev: Device, fn: (w: World) => World): void {
  update(dev, fn(dev.w));
}

/** fd_install: the lowest fd above the last one handed out (fds are never reused in a scenario). */
export function fdInstall(dev: Device, kind: string, obj: string): number {
  const fd = dev.nextFd++;
  dev.fds.set(fd, { kind, obj });
  return fd;
}

/** The file behind `fd`, optionally only if it is of `kind`. */
export function fdLookup(dev: Device, fd: number, kind?: string): FdEntry | null {
  const e = dev.fds.get(fd);
  if (!e || (kind && e.kind !== kind)) return null;
  return e;
}

/** dup(fd): another fd on the same file. -EBADF for an unknown fd. */
export function dup(dev: Device, fd: number): number {
  const e = dev.fds.get(fd);
  return e ? fdInstall(dev, e.kind, e.obj) : EBADF;
}

/** Hooks run when the last fd of a file of that kind closes (sync_file release, sw_sync release ...). */
const releaseHooks = new Map<string, (w: World, obj: string) => World>();
export function onLastClose(kind: string, fn: (w: World, obj: string) => World): void {
  releaseHooks.set(kind, fn);
}

/** close(fd): 0, or -EBADF. The last fd of a file releases it. */
export function close(dev: Device, fd: number): number {
  const e = dev.fds.get(fd);
  if (!e) return EBADF;
  dev.fds.delete(fd);
  const still = [...dev.fds.values()].some((x) => x.kind === e.kind && x.obj === e.obj);
  const hook = releaseHooks.get(e.kind);
  if (!still && hook) update(dev, hook(dev.w, e.obj));
  return 0;
}

// ------------------------------------------------------------------------------------------------
// Threads, timers and timeouts
// ------------------------------------------------------------------------------------------------

function finish<T>(dev: Device, t: Thread<T>, r: T): void {
  t.state = 'done';
  t.result = r;
  t.doneAt = dev.now;
}

function wake(dev: Device): void {
  // A check may change the world (a submit thread submitting, an array signaling): wake everyone again
  // until nothing changes, so the order of the threads does not matter.
  for (let pass = 0; pass < 1000; pass++) {
    const before = dev.w;
    for (const t of dev.threads) {
      if (t.state !== 'blocked') continue;
      const r = t.check(dev);
      if (r !== undefined) finish(dev, t, r);
    }
    dev.threads = dev.threads.filter((t) => t.state === 'blocked');
    if (dev.w === before) return;
  }
  throw new Error('wake did not settle: threads keep changing the world');
}

/** Start a blocking call in another thread (see the file comment for the timeout convention). */
export function startWait<T>(
  dev: Device,
  label: string,
  check: (dev: Device) => T | undefined,
  timeoutMs: number,
  onTimeout: T,
  interrupt?: (dev: Device, saRestart: boolean) => T | undefined,
): Thread<T> {
  const infinite = timeoutMs < 0 || timeoutMs === Infinity;
  const t: Thread<T> = {
    label,
    start: dev.now,
    deadline: infinite ? null : dev.now + timeoutMs,
    state: 'blocked',
    check,
    onTimeout,
    interrupt,
    signals: 0,
  };
  const r = check(dev);
  if (r !== undefined) finish(dev, t, r);
  else if (!infinite && timeoutMs === 0) finish(dev, t, onTimeout);
  else dev.threads.push(t);
  return t;
}

/**
 * Deliver a signal to thread `t` (pthread_kill). True if it woke an interruptible sleep; a finished
 * thread or an uninterruptible one is not affected. `saRestart` (default true): the handler was
 * installed with SA_RESTART, or userspace retries on EINTR with the same arguments (drmIoctl).
 */
export function signalThread<T>(dev: Device, t: Thread<T>, opts: { saRestart?: boolean } = {}): boolean {
  if (t.state !== 'blocked' || !t.interrupt) return false;
  t.signals++;
  const r = t.interrupt(dev, opts.saRestart ?? true);
  if (r !== undefined) finish(dev, t, r);
  dev.threads = dev.threads.filter((x) => x.state === 'blocked');
  wake(dev);
  return true;
}

/** Schedule `fn` (another thread's steps) at virtual time `at` (>= now). */
export function at(dev: Device, atMs: number, fn: (dev: Device) => void): void {
  dev.timers.push({ at: Math.max(atMs, dev.now), seq: dev.timerSeq++, fn });
  dev.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
}

/** Expire blocked threads whose deadline is <= `t` (a wait that times out at t loses to nothing at t). */
function expire(dev: Device, t: number): void {
  for (const th of dev.threads) {
    if (th.state === 'blocked' && th.deadline !== null && th.deadline <= t) {
      const saved = dev.now;
      dev.now = th.deadline;
      // At the deadline the kernel checks once more (dma_fence_wait_timeout returns 1 if signaled).
      const r = th.check(dev);
      finish(dev, th, r !== undefined ? r : th.onTimeout);
      dev.now = Math.max(saved, dev.now);
    }
  }
  dev.threads = dev.threads.filter((x) => x.state === 'blocked');
}

/** Advance the clock by `ms`, running due timers (in time order) and expiring waits on the way. */
export function advance(dev: Device, ms: number): void {
  const end = dev.now + ms;
  while (dev.timers.length && dev.timers[0].at <= end) {
    const tm = dev.timers.shift()!;
    expire(dev, tm.at); // a deadline at the timer's instant passes first: "before the deadline" is strict
    dev.now = Math.max(dev.now, tm.at);
    tm.fn(dev);
    wake(dev);
  }
  expire(dev, end);
  dev.now = end;
}

/** The result of a thread; a blocked one is run to its deadline first, or throws if it would block forever. */
export function join<T>(dev: Device, t: Thread<T>): T {
  while (t.state === 'blocked') {
    const nextTimer = dev.timers.length ? dev.timers[0].at : Infinity;
    const until = Math.min(t.deadline ?? Infinity, nextTimer);
    if (until === Infinity) throw new Error(`thread '${t.label}' blocks forever: nothing left that could wake it`);
    advance(dev, Math.max(0, until - dev.now));
  }
  return t.result as T;
}

/** A synchronous blocking call in the calling thread. */
export function blockingCall<T>(
  dev: Device,
  label: string,
  check: (dev: Device) => T | undefined,
  timeoutMs: number,
  onTimeout: T,
): T {
  return join(dev, startWait(dev, label, check, timeoutMs, onTimeout));
}
