/**
 * A V4L2 memory-to-memory encoder fed dma-bufs, with implicit sync only: seed 004's "pesky media encoder
 * no one has converted" (drivers/media/v4l2-core/v4l2-mem2mem.c, videobuf2-core.c, V4L2_MEMORY_DMABUF).
 *
 * Contract (the importer's side of R62, "dynamic importers must obey write fences before device access,
 * and must add fences for any access they cannot stop immediately"):
 * - VIDIOC_QBUF of a dma-buf on the OUTPUT queue (the raw frames the encoder reads): the driver collects
 *   the fences a read must wait on, dma_resv_usage_rw(false) = WRITE (R54), once, at queue time (like
 *   drm_sched_job_add_implicit_dependencies at submit, R91: a snapshot, I17), arms a callback on each
 *   unsignalled one, and adds its own done fence to the resv as READ (R62), so an implicit writer of the
 *   buffer waits for the encode.
 * - v4l2_m2m_try_run -> device_run: one job at a time, in queue order, once all its fences signalled.
 * - the encoder's IRQ: v4l2_m2m_job_finish; the done fence signals; vb2_buffer_done makes the buffer
 *   dequeueable (VIDIOC_DQBUF), and only then does userspace hand the buffer back to its producer.
 * A sync_file in (explicit sync) is not accepted: the only way to order this encoder after an explicit
 * producer is to put the producer's fence into the resv (DMA_BUF_IOCTL_IMPORT_SYNC_FILE, R127).
 *
 * Models: the OUTPUT queue and the one running job; each job's done fence (one fence context per
 * encoder, seqno = queue order) and its read of the buffer as an access record (`access:<job>`, the
 * shape of models/userspace/buffer-sharing.ts AccessRecord), so hazard-free sees the encoder's reads.
 * Abstracted away (why that is sound): the CAPTURE (bitstream) queue, formats and the encoded data (no
 * property reads them); encoder hangs and resets (the hardware always finishes a job: its hazards are
 * those of the input buffer). Mainline vb2 drivers, as far as we know, wait on no dma-buf fence at
 * all (a V4L2 in-fence series was proposed and never merged): such an encoder is this one with the
 * WRITE query replaced by nothing, and would need its producer to wait on the CPU.
 *
 * Events: V4L2_QBUF {job, buf, waiting} (the rules -> the encoder), V4L2_FENCE_SIGNALED {fence} (a
 *   callback), V4L2_M2M_DEVICE_RUN (kernel), V4L2_M2M_JOB_FINISH (the encoder's IRQ), V4L2_DQBUF {job}.
 */
import { setup, assign, enqueueActions } from 'xstate';
import type { Json, World } from '../world.ts';
import { accepts, ctx, deliver, idsOf, must, send, setG, spawn } from '../world.ts';
import { withView, type Edge } from '../view.ts';
import { defineStep, type StepDef } from '../design.ts';
import { dmaFenceMachine, isSignaled } from '../dma-buf/dma-fence.ts';
import { dma_fence_context_alloc, dma_fence_publish } from '../dma-buf/dma-fence-api.ts';
import { dma_resv_add_fence_atomic, dma_resv_fences, dma_resv_usage_rw } from '../dma-buf/dma-resv.ts';

/** One encode job on the OUTPUT queue. */
interface V4l2Job {
  job: string;
  buf: string;
  /** implicit fences of the buffer not yet signalled (R62) */
  waiting: string[];
}

export interface V4l2EncoderContext {
  /** always: the encoder's fence context (its done fences), allocated at probe (R2). */
  fenceContext: number;
  /** always: buffers queued so far (the next job's seqno is queued + 1). */
  queued: number;
  /** always: queued jobs not started yet, oldest first. */
  queue: V4l2Job[];
  /** running: the job the hardware encodes ('' = idle). */
  running: string;
  /** always: finished jobs whose buffer has not been dequeued yet. */
  done: string[];
}

type E =
  | { type: 'V4L2_QBUF'; job: string; buf: string; waiting: string[] }
  | { type: 'V4L2_FENCE_SIGNALED'; fence: string }
  | { type: 'V4L2_M2M_DEVICE_RUN' }
  | { type: 'V4L2_M2M_JOB_FINISH' }
  | { type: 'V4L2_DQBUF'; job: string };

export const v4l2EncoderMachine = setup({
  types: { context: {} as V4l2EncoderContext, events: {} as E, input: {} as { fenceContext: number } },
  guards: {
    'a queued job waits on it': ({ context, event }) =>
      event.type === 'V4L2_FENCE_SIGNALED' && context.queue.some((j) => j.waiting.includes(event.fence)),
    'idle, head ready': ({ context }) =>
      context.running === '' && context.queue.length > 0 && context.queue[0].waiting.length === 0,
    running: ({ context }) => context.running !== '',
    'job done': ({ context, event }) => event.type === 'V4L2_DQBUF' && context.done.includes(event.job),
  },
  actions: {
    deliver: (_, _p: unknown) => {},
    /** v4l2_m2m_job_finish: the done fence signals, the buffer becomes dequeueable. */
    finish: enqueueActions(({ context, enqueue }) => {
      enqueue.assign({ running: '', done: [...context.done, context.running] });
      enqueue(deliver(`${context.running}.finished`, { type: 'DMA_FENCE_SIGNAL' }));
    }),
  },
}).createMachine({
  id: 'v4l2_m2m_encoder',
  context: ({ input }) => ({ fenceContext: input.fenceContext, queued: 0, queue: [], running: '', done: [] }),
  on: {
    V4L2_QBUF: {
      description: 'R62: the buffer joins the OUTPUT queue with the implicit fences it must wait for',
      actions: assign(({ context, event }) => ({
        queued: context.queued + 1,
        queue: [...context.queue, { job: event.job, buf: event.buf, waiting: event.waiting }],
      })),
    },
    V4L2_FENCE_SIGNALED: {
      guard: 'a queued job waits on it',
      actions: assign({
        queue: ({ context, event }) =>
          context.queue.map((j) => ({ ...j, waiting: j.waiting.filter((f) => f !== event.fence) })),
      }),
    },
    V4L2_M2M_DEVICE_RUN: {
      guard: 'idle, head ready',
      description: 'v4l2_m2m_try_run: the head job starts once every fence it waits on signalled',
      actions: assign(({ context }) => ({ running: context.queue[0].job, queue: context.queue.slice(1) })),
    },
    V4L2_M2M_JOB_FINISH: { guard: 'running', actions: 'finish', description: 'the encode IRQ: the job is done' },
    V4L2_DQBUF: {
      guard: 'job done',
      actions: assign({ done: ({ context, event }) => context.done.filter((j) => j !== event.job) }),
    },
  },
});

// A queued job's done fence waits on its buffer's implicit fences (R62) and on the job before it (in order).
withView(v4l2EncoderMachine, {
  waitEdges: (id, c: V4l2EncoderContext) => {
    const out: Edge[] = [];
    c.queue.forEach((j, i) => {
      for (const f of j.waiting) out.push([`${j.job}.finished`, f, `${id} waits for the implicit fences (R62)`]);
      const prev = i > 0 ? c.queue[i - 1].job : c.running;
      if (prev) out.push([`${j.job}.finished`, `${prev}.finished`, `${id} encodes in queue order`]);
    });
    return out;
  },
});

/** Probe: the encoder `dev` with a fence context of its own (R2). */
export function v4l2_encoder_probe(w: World, dev: string): World {
  const a = dma_fence_context_alloc(w, 1);
  return spawn(a.w, dev, v4l2EncoderMachine, { fenceContext: a.context });
}

/** The job VIDIOC_QBUF creates next on `dev`. */
export const v4l2NextJob = (w: World, dev: string): string => `${dev}.j${ctx<V4l2EncoderContext>(w, dev).queued}`;

/**
 * VIDIOC_QBUF(V4L2_MEMORY_DMABUF) of `buf` on `dev`'s OUTPUT queue, as one kernel operation: the WRITE
 * fences of the buffer's resv are the job's dependencies (R54, R62), the job's done fence is added as
 * READ (R62), and the read is recorded as an access on the encoder's queue.
 */
export function vidioc_qbuf(w: World, dev: string, buf: string): World {
  const c = ctx<V4l2EncoderContext>(w, dev);
  const job = v4l2NextJob(w, dev);
  const resv = `${buf}.resv`;
  const deps = dma_resv_fences(w, resv, dma_resv_usage_rw(false));
  const done = `${job}.finished`;
  w = spawn(w, done, dmaFenceMachine, { context: c.fenceContext, seqno: c.queued + 1, ops: 'v4l2.done', owner: dev });
  const waiting: string[] = [];
  for (const f of deps) {
    if (isSignaled(w, f)) continue;
    w = dma_fence_publish(w, f, `${dev} implicit dependency`);
    const cb = { to: dev, ev: { type: 'V4L2_FENCE_SIGNALED', fence: f } };
    const n = send(w, f, { type: 'DMA_FENCE_ADD_CALLBACK', cb });
    if (n) {
      w = n;
      waiting.push(f);
    }
  }
  w = must(w, dev, { type: 'V4L2_QBUF', job, buf, waiting });
  w = dma_resv_add_fence_atomic(w, resv, done, 'READ', dev).w;
  const rec = { proc: dev, acc: [[buf, 'r']], deps, queue: dev, seq: c.queued };
  return setG(w, { [`access:${job}`]: rec as unknown as Json });
}

/** VIDIOC_DQBUF may return `job`'s buffer: the encode is done (vb2_buffer_done). */
export const vidioc_dqbuf_enabled = (w: World, dev: string, job: string): boolean =>
  accepts(w, dev, { type: 'V4L2_DQBUF', job });

export const vidioc_dqbuf = (w: World, dev: string, job: string): World => must(w, dev, { type: 'V4L2_DQBUF', job });

/** The encoder's own steps: the m2m framework starting a job and the hardware finishing it. */
export function v4l2EncoderSteps<C>(): StepDef<C, [dev: string]>[] {
  const devs = (w: World) => idsOf(w, 'v4l2_m2m_encoder').map((d): [string] => [d]);
  const ev = (type: 'V4L2_M2M_DEVICE_RUN' | 'V4L2_M2M_JOB_FINISH') => ({ type });
  return [
    defineStep<C, [dev: string]>({
      name: 'v4l2_m2m_device_run',
      role: 'kernel',
      actor: ([d]) => d,
      params: devs,
      enabled: (w, [d]) => accepts(w, d, ev('V4L2_M2M_DEVICE_RUN')),
      apply: (w, [d]) => must(w, d, ev('V4L2_M2M_DEVICE_RUN')),
      doc: 'v4l2_m2m_try_run: the head job starts once its implicit fences signalled (R62)',
    }),
    defineStep<C, [dev: string]>({
      name: 'v4l2_m2m_job_finish',
      role: 'gpu',
      actor: ([d]) => d,
      params: devs,
      enabled: (w, [d]) => accepts(w, d, ev('V4L2_M2M_JOB_FINISH')),
      apply: (w, [d]) => must(w, d, ev('V4L2_M2M_JOB_FINISH')),
      doc: "the encoder's IRQ: the job is done, its done fence signals",
    }),
  ];
}
