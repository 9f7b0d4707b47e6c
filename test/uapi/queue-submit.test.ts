/**
 * Queue submission with timeline waits and signals: the driver's execbuf resolves in-syncobjs at
 * enqueue (R88, I25), so a wait-before-signal batch (R145) given straight to the kernel fails with
 * -EINVAL; Mesa's vk_queue (src/vulkan/runtime/vk_queue.c, R147) instead switches the queue to its
 * submit thread (vk_queue_submit, THREADED_ON_DEMAND) which holds the batch, in order, until
 * vk_sync_wait_many(WAIT_PENDING) sees its points materialize (vk_queue_submit_thread_func).
 * Mirrors IGT tests/syncobj_timeline.c wait-for-submit-delayed-submit (a WAIT_AVAILABLE waiter
 * returns only once the signalling submit reaches the kernel) and the shape of the Vulkan CTS group
 * dEQP-VK.synchronization.timeline_semaphore.wait_before_signal.
 */
import { describe, expect, test } from 'vitest';
import { hasTag } from '../../models/world.ts';
import {
  openDevice,
  drmOpen,
  join,
  at,
  advance,
  syncobjCreate,
  syncobjTimelineSignal,
  syncobjTimelineWaitAsync,
  syncobjQuery,
  drmRingCreate,
  drmExecbuf,
  vkQueueCreate,
  vkQueueSubmit,
  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE,
  EINVAL,
  ENOENT,
} from '../../models/uapi/index.ts';

function setup() {
  const dev = openDevice();
  const file = drmOpen(dev);
  const sem = syncobjCreate(file).handle; // a Vulkan timeline semaphore on a timeline syncobj
  const ring = drmRingCreate(file);
  return { dev, file, sem, ring };
}

describe('execbuf resolves every wait at enqueue (R88, I25)', () => {
  test('a wait on an unmaterialized point is -EINVAL and nothing is armed or published', () => {
    const { dev, file, sem, ring } = setup();
    const out = syncobjCreate(file).handle;
    expect(drmExecbuf(ring, { waits: [{ handle: sem, point: 1 }], signals: [{ handle: out, point: 1 }] }).result).toBe(
      EINVAL,
    );
    expect(ring.jobs).toEqual([]);
    expect(syncobjQuery(file, [out], 1).points).toEqual([0]); // LAST_SUBMITTED: no point added
    expect(drmExecbuf(ring, { waits: [{ handle: 99, point: 1 }], signals: [] }).result).toBe(ENOENT);
    expect(Object.keys(dev.w.o).some((id) => id.startsWith(`${ring.name}.job`))).toBe(false);
  });

  test('a signal point materializes at submit and signals when the GPU is done', () => {
    const { dev, file, sem, ring } = setup();
    const r = drmExecbuf(ring, { waits: [], signals: [{ handle: sem, point: 1 }], durationMs: 5 });
    expect(r.result).toBe(0);
    expect(syncobjQuery(file, [sem], 1).points).toEqual([1]); // submitted
    expect(syncobjQuery(file, [sem]).points).toEqual([0]); // not signaled yet
    advance(dev, 5);
    expect(hasTag(dev.w, r.fence!, 'signaled')).toBe(true);
    expect(syncobjQuery(file, [sem]).points).toEqual([1]);
  });
});

describe('vk_queue: wait-before-signal held by the submit thread (R145, R147)', () => {
  test('IMMEDIATE mode gives the kernel the future edge: -EINVAL (H2 refused by R88)', () => {
    const { sem, ring } = setup();
    const q = vkQueueCreate(ring, 'immediate');
    expect(vkQueueSubmit(q, { waits: [{ handle: sem, point: 1 }], signals: [] })).toBe(EINVAL);
  });

  test('THREADED_ON_DEMAND: the batch is held, then submitted once its point materializes', () => {
    const { dev, file, sem, ring } = setup();
    const out = syncobjCreate(file).handle;
    const q = vkQueueCreate(ring);
    expect(q.mode).toBe('immediate');
    const batch = { waits: [{ handle: sem, point: 2 }], signals: [{ handle: out, point: 1 }] };
    expect(vkQueueSubmit(q, batch)).toBe(0); // VK_SUCCESS at once
    expect(q.mode).toBe('threaded'); // the thread was started, for good
    expect([q.submits.length, ring.jobs.length]).toEqual([1, 0]);
    // IGT wait-for-submit-delayed-submit: a WAIT_AVAILABLE on the batch's signal point sleeps ...
    const avail = syncobjTimelineWaitAsync(file, [out], [1], DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE, 1000);
    // ... until the host signals the awaited value (vkSignalSemaphore -> TIMELINE_SIGNAL)
    at(dev, 50, () => syncobjTimelineSignal(file, [sem], [2]));
    expect(join(dev, avail).result).toBe(0);
    expect(avail.doneAt).toBe(50);
    expect([q.submits.length, ring.jobs.length]).toEqual([0, 1]);
  });

  test('batches leave in order: one held batch holds the batches behind it, even ready ones', () => {
    const { dev, file, sem, ring } = setup();
    const other = syncobjCreate(file).handle;
    const q = vkQueueCreate(ring);
    vkQueueSubmit(q, { waits: [{ handle: sem, point: 1 }], signals: [{ handle: other, point: 1 }] });
    vkQueueSubmit(q, { waits: [], signals: [{ handle: other, point: 2 }] }); // nothing to wait for
    expect([q.submits.length, ring.jobs.length]).toEqual([2, 0]);
    syncobjTimelineSignal(file, [sem], [1]);
    expect([q.submits.length, ring.jobs.length]).toEqual([0, 2]);
    advance(dev, 1);
    expect(syncobjQuery(file, [other]).points).toEqual([2]);
  });

  test('a chain of wait-before-signal batches across two queues resolves once the host signals', () => {
    const { dev, file, sem, ring } = setup();
    const mid = syncobjCreate(file).handle;
    const q1 = vkQueueCreate(ring);
    const q2 = vkQueueCreate(drmRingCreate(file));
    // q2's batch waits on what q1's held batch will signal: both held, no kernel future edge.
    vkQueueSubmit(q2, { waits: [{ handle: mid, point: 1 }], signals: [{ handle: sem, point: 10 }] });
    vkQueueSubmit(q1, { waits: [{ handle: sem, point: 1 }], signals: [{ handle: mid, point: 1 }] });
    expect([q1.submits.length, q2.submits.length]).toEqual([1, 1]);
    syncobjTimelineSignal(file, [sem], [1]);
    expect([q1.submits.length, q2.submits.length]).toEqual([0, 0]);
    advance(dev, 1);
    expect(syncobjQuery(file, [sem]).points).toEqual([10]);
  });

  test('a batch whose points never come stays held: the queue never submits it (the thread sleeps)', () => {
    const { dev, sem, ring } = setup();
    const q = vkQueueCreate(ring);
    vkQueueSubmit(q, { waits: [{ handle: sem, point: 1 }], signals: [] });
    advance(dev, 60_000);
    expect([q.submits.length, ring.jobs.length, q.lost]).toEqual([1, 0, 0]);
    expect(q.thread!.state).toBe('blocked');
  });
});
