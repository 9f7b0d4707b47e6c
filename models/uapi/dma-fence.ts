/**
 * The kernel's blocking dma_fence waits (drivers/dma-buf/dma-fence.c) run as threads on a Device, so a
 * scenario can wait with a positive timeout and read the remaining time as the kernel returns it. The
 * device clock counts jiffies as virtual milliseconds (HZ = 1000): `timeout` is in jiffies, and the
 * result of a wait that succeeds is the deadline minus the instant the fence signaled.
 *
 * - R12 dma_fence_wait_timeout(f, intr, t): t < 0 WARNs and is -EINVAL; enable signaling first (R8); a
 *       fence already signaled returns t (1 when t == 0, dma_fence_default_wait's `timeout ? timeout : 1`);
 *       t == 0 on an unsignaled fence is 0; otherwise it sleeps: the remaining jiffies (> 0) once the
 *       fence signals, 0 at the deadline, -ERESTARTSYS on a signal if `intr` (TASK_INTERRUPTIBLE; without
 *       `intr` the sleep is uninterruptible and a signal does not end it).
 * - R13 dma_fence_wait(f, intr) = wait_timeout(MAX_SCHEDULE_TIMEOUT): 0 or -ERESTARTSYS.
 * - R14 dma_fence_wait_any_timeout(fences, n, intr, t, &idx): no fences or t < 0 is -EINVAL; the remaining
 *       jiffies and the index of the first fence found signaled (in array order), 0, or -ERESTARTSYS.
 * A kernel wait is not a syscall: -ERESTARTSYS goes back to its caller, which decides (an ioctl returns
 * it and the syscall layer restarts or fails with -EINTR: see models/uapi/syncobj.ts).
 */
import type { Device, Thread } from './device.ts';
import { startWait, join, update, EINVAL, ERESTARTSYS } from './device.ts';
import { dma_fence_enable_sw_signaling, dma_fence_is_signaled } from '../dma-buf/dma-fence-api.ts';

/** MAX_SCHEDULE_TIMEOUT: no deadline. */
export const MAX_SCHEDULE_TIMEOUT = Infinity;

/** The first of `fences` signaled now (dma_fence_is_signaled may signal it, R9), or -1. */
function firstSignaled(dev: Device, fences: string[]): number {
  for (let i = 0; i < fences.length; i++) {
    const r = dma_fence_is_signaled(dev.w, fences[i]);
    dev.w = r.w;
    if (r.signaled) return i;
  }
  return -1;
}

/** R12/R14 shared body: a thread over `fences` (any of them); `out(ret, idx)` is the call's result. */
function waitAny<T>(
  dev: Device,
  label: string,
  fences: string[],
  intr: boolean,
  timeout: number,
  out: (ret: number, idx: number) => T,
): Thread<T> {
  if (!fences.length || timeout < 0) return startWait(dev, label, () => out(EINVAL, -1), 0, out(EINVAL, -1));
  let w = dev.w;
  for (const f of fences) w = dma_fence_enable_sw_signaling(w, f);
  update(dev, w);
  const start = dev.now;
  const deadline = start + timeout;
  return startWait(
    dev,
    label,
    (d) => {
      const i = firstSignaled(d, fences);
      if (i < 0) return undefined;
      // Signaled on entry: `timeout ? timeout : 1`; later: what schedule_timeout left (0 at the deadline).
      if (d.now === start) return out(timeout === 0 ? 1 : timeout, i);
      return out(deadline - d.now, i);
    },
    timeout,
    out(0, -1),
    intr ? () => out(ERESTARTSYS, -1) : undefined,
  );
}

/** R12 dma_fence_wait_timeout(f, intr, timeout) in a kernel thread: join it for the result. */
export function dmaFenceWaitTimeoutAsync(dev: Device, fence: string, intr: boolean, timeout: number): Thread<number> {
  return waitAny(dev, `dma_fence_wait_timeout(${fence})`, [fence], intr, timeout, (ret) => ret);
}

/** R12 dma_fence_wait_timeout in the calling thread. */
export function dmaFenceWaitTimeout(dev: Device, fence: string, intr: boolean, timeout: number): number {
  return join(dev, dmaFenceWaitTimeoutAsync(dev, fence, intr, timeout));
}

/** R13 dma_fence_wait(f, intr): 0 once signaled, or -ERESTARTSYS; no deadline. */
export function dmaFenceWaitAsync(dev: Device, fence: string, intr: boolean): Thread<number> {
  const label = `dma_fence_wait(${fence})`;
  return waitAny(dev, label, [fence], intr, MAX_SCHEDULE_TIMEOUT, (ret) => Math.min(ret, 0));
}

/** R14 dma_fence_wait_any_timeout(fences, intr, timeout) in a kernel thread: {ret, idx}. */
export function dmaFenceWaitAnyTimeoutAsync(
  dev: Device,
  fences: string[],
  intr: boolean,
  timeout: number,
): Thread<{ ret: number; idx: number }> {
  const label = `dma_fence_wait_any_timeout(${fences.join(',')})`;
  return waitAny(dev, label, fences, intr, timeout, (ret, idx) => ({ ret, idx: ret > 0 ? idx : -1 }));
}
