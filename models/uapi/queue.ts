/**
 * Queue submission over a Device: a driver's execbuf ioctl (`drmExecbuf`: in-syncobjs resolved at
 * enqueue, out-syncobjs given the job's fence) and, above it, Mesa's vk_queue (`vkQueueSubmit`,
 * src/vulkan/runtime/vk_queue.c), whose submit thread holds wait-before-signal batches in userspace
 * until their points materialize, so the kernel never sees a future edge.
 *
 * - R88 (and I25) execbuf resolves every in-syncobj with drm_syncobj_find_fence(flags 0) (R78) before
 *       anything is armed: an unknown handle is -ENOENT, a NULL payload or an unmaterialized point is
 *       -EINVAL, and nothing is published. Then the job's fence (a fresh seqno on the ring's context, R2)
 *       is added at each out point (drm_syncobj_add_point, R82; point 0 replaces the payload, R80), so a
 *       point materializes when the batch signalling it reaches the kernel (R81), not when it executes.
 *       The GPU runs the batch once every in-fence has signaled and signals its fence `durationMs` later.
 * - R145 a Vulkan batch may wait on a timeline value whose signal is not submitted yet.
 * - R147 vk_queue_submit (THREADED_ON_DEMAND, the mode of drivers on kernel timeline syncobjs): a zero-
 *       timeout WAIT_PENDING over the batch's waits; if any is not materialized, the queue switches to
 *       THREADED for good (vk_queue_enable_submit_thread). IMMEDIATE calls the driver at once. THREADED
 *       appends the batch to the queue's list; the submit thread (vk_queue_submit_thread_func) takes the
 *       list's first batch, waits with WAIT_PENDING and no timeout until all its points materialize, and
 *       only then submits it: batches leave in submission order, so one held batch holds all after it.
 *       A failed driver submit marks the device lost (vk_queue_set_lost) and the thread stops.
 */
import type { Device, Thread } from './device.ts';
import { newName, update, at, startWait, ENOENT } from './device.ts';
import type { DrmFile } from './syncobj.ts';
import { syncobjObject } from './syncobj.ts';
import { spawn } from '../world.ts';
import { dmaFenceMachine } from '../dma-buf/dma-fence.ts';
import {
  dma_fence_context_alloc,
  dma_fence_is_signaled,
  dma_fence_signal,
  dma_fence_publish,
} from '../dma-buf/dma-fence-api.ts';
import {
  drm_syncobj_find_fence,
  drm_syncobj_add_point,
  drm_syncobj_replace_fence,
  drm_syncobj_point_materialized,
} from '../drm-syncobj/drm-syncobj-api.ts';

/** A syncobj handle and a timeline point (0: the binary payload). */
export interface SyncPoint {
  handle: number;
  point: number;
}

export interface Batch {
  waits: SyncPoint[];
  signals: SyncPoint[];
  /** How long the GPU runs the batch once its in-fences signaled (virtual ms); 0 = at once. */
  durationMs?: number;
}

/** A hardware ring: one fence context, seqnos in submission order. */
export interface Ring {
  file: DrmFile;
  name: string;
  context: number;
  seqno: number;
  /** Job fences in submission order. */
  jobs: string[];
}

export function drmRingCreate(file: DrmFile): Ring {
  const a = dma_fence_context_alloc(file.dev.w, 1);
  update(file.dev, a.w);
  return { file, name: newName(file.dev, 'ring'), context: a.context, seqno: 0, jobs: [] };
}

/**
 * The body of the execbuf ioctl on `dev.w`, without waking anyone (the submit thread runs it from a
 * wake-up): {result, fence}.
 */
function execbuf(ring: Ring, batch: Batch): { result: number; fence: string | null } {
  const dev = ring.file.dev;
  let w = dev.w;
  const deps: string[] = [];
  for (const s of batch.waits) {
    const r = drm_syncobj_find_fence(w, syncobjObject(ring.file, s.handle), s.point, 0);
    if (r.ret) return { result: r.ret, fence: null }; // I25: nothing armed, nothing published
    w = r.w;
    deps.push(r.fence!);
  }
  const outs = batch.signals.map((s) => syncobjObject(ring.file, s.handle));
  if (outs.some((o) => !o)) return { result: ENOENT, fence: null }; // before arming
  // A ring executes in order: the previous job's fence comes first (I4 on the ring's context).
  if (ring.jobs.length) deps.push(ring.jobs[ring.jobs.length - 1]);
  const fence = `${ring.name}.job${ring.jobs.length}`;
  ring.seqno++;
  ring.jobs.push(fence);
  w = spawn(w, fence, dmaFenceMachine, { context: ring.context, seqno: ring.seqno, ops: 'hw', owner: ring.name });
  batch.signals.forEach((s, i) => {
    w = s.point ? drm_syncobj_add_point(w, outs[i], fence, s.point).w : drm_syncobj_replace_fence(w, outs[i], fence);
    w = dma_fence_publish(w, fence, outs[i]);
  });
  dev.w = w;
  // The GPU: the batch runs once every dependency signaled, then its fence signals.
  const duration = batch.durationMs ?? 0;
  startWait(
    dev,
    `gpu ${fence}`,
    (d) => {
      for (const f of deps) {
        const r = dma_fence_is_signaled(d.w, f);
        d.w = r.w;
        if (!r.signaled) return undefined;
      }
      if (duration === 0) d.w = dma_fence_signal(d.w, fence).w;
      else at(d, d.now + duration, (x) => update(x, dma_fence_signal(x.w, fence).w));
      return 0;
    },
    -1,
    0,
  );
  return { result: 0, fence };
}

/** The driver's execbuf ioctl on `ring` (R88): {result, fence}. */
export function drmExecbuf(ring: Ring, batch: Batch): { result: number; fence: string | null } {
  const r = execbuf(ring, batch);
  if (!r.result) update(ring.file.dev, ring.file.dev.w);
  return r;
}

export type VkQueueSubmitMode = 'immediate' | 'threaded-on-demand';

export interface VkQueue {
  ring: Ring;
  /** vk_device submit_mode. */
  deviceMode: VkQueueSubmitMode;
  /** queue->submit.mode: IMMEDIATE until a wait-before-signal batch starts the thread. */
  mode: 'immediate' | 'threaded';
  /** queue->submit.submits: batches the thread has not submitted yet, in order. */
  submits: Batch[];
  /** The submit thread, once started. */
  thread: Thread<number> | null;
  /** vk_queue_set_lost: the driver error that stopped the thread (0 = not lost). */
  lost: number;
}

export function vkQueueCreate(ring: Ring, deviceMode: VkQueueSubmitMode = 'threaded-on-demand'): VkQueue {
  return { ring, deviceMode, mode: 'immediate', submits: [], thread: null, lost: 0 };
}

/** vk_sync_wait_many(..., VK_SYNC_WAIT_PENDING, 0): is every wait point materialized (R81)? */
function waitsPending(q: VkQueue, b: Batch, dev: Device): boolean {
  return b.waits.every((s) => {
    const o = syncobjObject(q.ring.file, s.handle);
    return o !== '' && drm_syncobj_point_materialized(dev.w, o, s.point);
  });
}

/** vk_queue_submit_thread_func, one wake-up: submit batches from the head while their points exist. */
function submitThreadRun(q: VkQueue, dev: Device): number | undefined {
  while (q.submits.length && !q.lost) {
    const head = q.submits[0];
    if (!waitsPending(q, head, dev)) return undefined; // the thread sleeps in WAIT_PENDING
    const r = execbuf(q.ring, head);
    if (r.result) {
      q.lost = r.result;
      return r.result; // "queue::driver_submit failed": the thread exits
    }
    q.submits.shift();
  }
  return q.lost || undefined;
}

/**
 * vkQueueSubmit of one batch (vk_queue_submit): 0 (VK_SUCCESS), or in IMMEDIATE mode the driver's
 * error (a wait-before-signal batch given straight to the kernel fails with -EINVAL, R88), or the
 * error that lost the device.
 */
export function vkQueueSubmit(q: VkQueue, batch: Batch): number {
  const dev = q.ring.file.dev;
  if (q.lost) return q.lost;
  if (q.deviceMode === 'threaded-on-demand' && q.mode === 'immediate' && !waitsPending(q, batch, dev)) {
    q.mode = 'threaded';
    q.thread = startWait(dev, `vk_queue_submit_thread(${q.ring.name})`, (d) => submitThreadRun(q, d), -1, 0);
  }
  if (q.mode === 'immediate') return drmExecbuf(q.ring, batch).result;
  q.submits.push(batch);
  update(dev, dev.w); // cnd_signal(&queue->submit.push)
  return 0;
}
