/**
 * Kernel dma_fence_wait_timeout with a positive timeout (R12), dma_fence_wait (R13) and
 * dma_fence_wait_any_timeout (R14), on the device clock (1 jiffy = 1 virtual ms). Mirrors the kernel's
 * KUnit drivers/dma-buf/st-dma-fence.c test_wait (t == 0: 0, then 1 once signaled) and
 * test_wait_timeout (a 1-jiffy wait times out with 0; with a timer signaling the fence, a wait of HZ
 * returns non-zero: the time left).
 */
import { describe, expect, test } from 'vitest';
import { spawn } from '../../models/world.ts';
import { dmaFenceMachine } from '../../models/dma-buf/dma-fence.ts';
import { dma_fence_signal } from '../../models/dma-buf/dma-fence-api.ts';
import {
  openDevice,
  update,
  at,
  join,
  advance,
  signalThread,
  dmaFenceWaitTimeout,
  dmaFenceWaitTimeoutAsync,
  dmaFenceWaitAsync,
  dmaFenceWaitAnyTimeoutAsync,
  EINVAL,
  ERESTARTSYS,
  type Device,
} from '../../models/uapi/index.ts';

const HZ = 1000;

/** mock_fence(): an unsignaled kernel fence. */
function mockFence(dev: Device, id: string, seqno = 1): string {
  update(dev, spawn(dev.w, id, dmaFenceMachine, { context: 7, seqno }));
  return id;
}
const signalAt = (dev: Device, t: number, f: string) => at(dev, t, (d) => update(d, dma_fence_signal(d.w, f).w));

describe('dma_fence_wait_timeout with a positive timeout (R12)', () => {
  test('st-dma-fence test_wait: t == 0 polls (0, then 1 once signaled)', () => {
    const dev = openDevice();
    const f = mockFence(dev, 'f');
    expect(dmaFenceWaitTimeout(dev, f, false, 0)).toBe(0);
    update(dev, dma_fence_signal(dev.w, f).w);
    expect(dmaFenceWaitTimeout(dev, f, false, 0)).toBe(1);
  });

  test('st-dma-fence test_wait_timeout: 0 after 1 jiffy; with a timer at +1, HZ - 1 jiffies left', () => {
    const dev = openDevice();
    const f = mockFence(dev, 'f');
    expect(dmaFenceWaitTimeout(dev, f, false, 1)).toBe(0);
    expect(dev.now).toBe(1); // the wait slept its whole timeout
    signalAt(dev, dev.now + 1, f); // mod_timer(&wt.timer, jiffies + 1)
    expect(dmaFenceWaitTimeout(dev, f, false, HZ)).toBe(HZ - 1);
  });

  test('the remaining time is the deadline minus the instant of the signal', () => {
    const dev = openDevice();
    const f = mockFence(dev, 'f');
    advance(dev, 500); // the clock does not start at 0 for the wait
    const t = dmaFenceWaitTimeoutAsync(dev, f, true, 300);
    signalAt(dev, 720, f);
    expect(join(dev, t)).toBe(80);
    expect(t.doneAt).toBe(720);
  });

  test('already signaled: the whole timeout back; t < 0: -EINVAL (a WARN)', () => {
    const dev = openDevice();
    const f = mockFence(dev, 'f');
    update(dev, dma_fence_signal(dev.w, f).w);
    expect(dmaFenceWaitTimeout(dev, f, false, 250)).toBe(250);
    expect(dmaFenceWaitTimeout(dev, f, false, -1)).toBe(EINVAL);
  });

  test('a fence signaled exactly at the deadline is a timeout (schedule_timeout returned 0)', () => {
    const dev = openDevice();
    const f = mockFence(dev, 'f');
    const t = dmaFenceWaitTimeoutAsync(dev, f, false, 100);
    signalAt(dev, 100, f);
    expect(join(dev, t)).toBe(0);
  });

  test('intr: a signal ends the sleep with -ERESTARTSYS; !intr: the sleep is uninterruptible', () => {
    const dev = openDevice();
    const f = mockFence(dev, 'f');
    const a = dmaFenceWaitTimeoutAsync(dev, f, true, 100);
    const b = dmaFenceWaitTimeoutAsync(dev, f, false, 100);
    at(dev, 10, (d) => {
      expect(signalThread(d, a)).toBe(true);
      expect(signalThread(d, b)).toBe(false);
    });
    signalAt(dev, 40, f);
    expect(join(dev, a)).toBe(ERESTARTSYS);
    expect(a.doneAt).toBe(10);
    expect(join(dev, b)).toBe(60);
  });
});

describe('dma_fence_wait (R13) and dma_fence_wait_any_timeout (R14)', () => {
  test('dma_fence_wait: 0 once signaled, however long it took; -ERESTARTSYS on a signal', () => {
    const dev = openDevice();
    const f = mockFence(dev, 'f');
    const t = dmaFenceWaitAsync(dev, f, true);
    signalAt(dev, 5000, f);
    expect(join(dev, t)).toBe(0);
    const g = mockFence(dev, 'g', 2);
    const u = dmaFenceWaitAsync(dev, g, true);
    at(dev, dev.now + 1, (d) => signalThread(d, u));
    expect(join(dev, u)).toBe(ERESTARTSYS);
  });

  test('wait_any: the remaining time and the index of the first signaled; 0 and -EINVAL', () => {
    const dev = openDevice();
    const f = mockFence(dev, 'f');
    const g = mockFence(dev, 'g', 2);
    const t = dmaFenceWaitAnyTimeoutAsync(dev, [f, g], false, 100);
    signalAt(dev, 30, g);
    expect(join(dev, t)).toEqual({ ret: 70, idx: 1 });
    const h = mockFence(dev, 'h', 3);
    expect(join(dev, dmaFenceWaitAnyTimeoutAsync(dev, [h], false, 10))).toEqual({ ret: 0, idx: -1 });
    expect(join(dev, dmaFenceWaitAnyTimeoutAsync(dev, [], false, 10)).ret).toBe(EINVAL);
  });
});
