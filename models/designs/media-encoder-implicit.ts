/**
 * media-encoder-implicit — screen capture through a hardware encoder that only does implicit sync,
 * reading the buffers of an explicit-sync compositor that does not bridge.
 *
 * Idea: the compositor renders each frame of the screen on its GPU (drm_sched sched0, ring gpu0) into
 *   one of `buffers` dma-bufs, explicitly (a Vulkan renderer: the job's fence is BOOKKEEP in the
 *   buffer's resv, R53, and an out sync_file, R64), and hands the buffer to the screencast client
 *   (PipeWire). The client queues it on a V4L2 encoder (models/media/v4l2-encoder.ts), whose driver
 *   waits only on the buffer's implicit WRITE fences (R54, R62) and takes no sync_file. Nobody puts
 *   the render fence into the resv, so the encoder finds nothing to wait for and reads the frame
 *   while the GPU still renders it. The client returns each buffer after VIDIOC_DQBUF; the compositor
 *   renders into it again only then.
 * Source: seed 004 "someone decides that they want to screen capture their Wayland session via some
 *   hardware media encoder that doesn't support explicit sync", "that pesky media encoder no one has
 *   converted"; seed 000 "Kernel dmabuf users: DRM, V4L2, others"; H8; R53, R54, R62, R127.
 * Changes: `bridge: false` (seeded bug); media-encoder-bridge sets it: the compositor calls
 *   DMA_BUF_IOCTL_IMPORT_SYNC_FILE(WRITE) with its render sync_file before the hand-off (R127, seed
 *   004: "stuff it into the dma-buf before handing it to KMS ... or that pesky media encoder").
 * Models: `frames` frames through `buffers` shared BOs; two devices: the compositor's GPU (a
 *   drm_gpu_scheduler with TDR, `maxHangs` hangs) and the encoder (its own fence context). Abstracted
 *   away: the encoded bitstream, PipeWire's buffer negotiation (the hand-off and the return are one
 *   step each), the compositor's scanout (prime-render-offload and the present-* designs have it).
 */
import { defineDesign, defineStep, stepTable, type Expectation, type StepDef } from '../design.ts';
import { ctx, emptyWorld, hasTag, idsOf, setG, spawn, type Json, type World } from '../world.ts';
import { dmaResvMachine } from '../dma-buf/dma-resv.ts';
import { dma_buf_import_sync_file, DMA_BUF_SYNC_WRITE } from '../dma-buf/dma-buf.ts';
import { addEntity, addScheduler, drmSchedStepTable } from '../drm-sched/sched-main.ts';
import {
  v4l2EncoderSteps,
  v4l2_encoder_probe,
  v4l2NextJob,
  vidioc_dqbuf,
  vidioc_dqbuf_enabled,
  vidioc_qbuf,
  type V4l2EncoderContext,
} from '../media/v4l2-encoder.ts';
import { DEV_A, drm_ioctl_cs } from './prime-render-offload.ts';
import { TDR_RECOVERS_EXPECT } from '../drm-sched/tdr-expect.ts';

export interface MediaConfig {
  /** frames the compositor renders and the encoder reads */
  frames: number;
  /** shared dma-bufs the compositor cycles through */
  buffers: number;
  /** DMA_BUF_IOCTL_IMPORT_SYNC_FILE(WRITE) of the render sync_file before the hand-off (the fix, R127) */
  bridge: boolean;
  /** GPU hangs per run */
  maxHangs: number;
  /** drm_sched credit_limit */
  creditLimit: number;
}

const COMP = 'comp';
const CAPTURE = 'capture';
const VENC = 'venc0';
const buf = (b: number) => `buf${b}`;

interface CompState {
  /** next frame to render */
  next: number;
  /** what the compositor does next with frame next - 1: bridge it, hand it off, or render the next one */
  phase: 'render' | 'import' | 'send';
  /** buffers the capture client has returned (or never had) */
  free: number[];
}

interface CaptureState {
  /** buffers handed over by the compositor, not yet queued on the encoder */
  inbox: string[];
  /** [job, buffer] queued on the encoder, oldest first */
  queued: [string, string][];
}

const comp = (w: World) => w.g.comp as unknown as CompState;
const capture = (w: World) => w.g.capture as unknown as CaptureState;
const setComp = (w: World, s: CompState) => setG(w, { comp: s as unknown as Json });
const setCapture = (w: World, s: CaptureState) => setG(w, { capture: s as unknown as Json });
const bufferOf = (cfg: MediaConfig, k: number) => k % cfg.buffers;
const outFence = (k: number) => `${COMP}.f${k}`;

function initMedia(cfg: MediaConfig): World {
  let w = addScheduler(emptyWorld, DEV_A.sched, DEV_A.ring, { timeout: true, creditLimit: cfg.creditLimit });
  for (let b = 0; b < cfg.buffers; b++) w = spawn(w, `${buf(b)}.resv`, dmaResvMachine, {});
  w = addEntity(w, `${COMP}.ctx`);
  w = v4l2_encoder_probe(w, VENC);
  w = setComp(w, { next: 0, phase: 'render', free: Array.from({ length: cfg.buffers }, (_, b) => b) });
  return setCapture(w, { inbox: [], queued: [] });
}

const user = <A extends [string, ...string[]]>(s: Omit<StepDef<MediaConfig, A>, 'role' | 'actor'>) =>
  defineStep<MediaConfig, A>({ ...s, role: 'user', actor: ([p]) => p });

/** The compositor's explicit render of its next frame (BOOKKEEP and an out sync_file, R53, R64). */
const cs = user<[proc: string]>({
  name: 'DRM_IOCTL_CS',
  params: () => [[COMP]],
  enabled: (w, _a, cfg) => {
    const c = comp(w);
    return c.phase === 'render' && c.next < cfg.frames && c.free.includes(bufferOf(cfg, c.next));
  },
  apply: (w, _a, cfg) => {
    const c = comp(w);
    const b = bufferOf(cfg, c.next);
    const j = { job: `${COMP}.j${c.next}`, entity: `${COMP}.ctx`, ...DEV_A, seq: c.next, bo: buf(b), implicit: false };
    w = drm_ioctl_cs(w, j, outFence(c.next));
    return setComp(w, { next: c.next + 1, phase: cfg.bridge ? 'import' : 'send', free: c.free.filter((x) => x !== b) });
  },
  doc: 'R53, R64, R89-R92: an explicit render into the shared buffer: BOOKKEEP in its resv, an out sync_file',
});

/** The bridge (media-encoder-bridge): the render sync_file goes into the resv as WRITE (R127). */
const importSyncFile = user<[proc: string]>({
  name: 'DMA_BUF_IOCTL_IMPORT_SYNC_FILE',
  params: () => [[COMP]],
  enabled: (w) => comp(w).phase === 'import',
  apply: (w, _a, cfg) => {
    const k = comp(w).next - 1;
    const r = dma_buf_import_sync_file(w, `${buf(bufferOf(cfg, k))}.resv`, DMA_BUF_SYNC_WRITE, outFence(k), COMP);
    if (r.ret) throw new Error(`DMA_BUF_IOCTL_IMPORT_SYNC_FILE returned ${r.ret}`);
    return setComp(r.w, { ...comp(w), phase: 'send' });
  },
  doc: 'R127: promote the explicit render fence to implicit sync (WRITE) before the hand-off (seed 004)',
});

/** pw_stream_queue_buffer: the compositor hands the frame's buffer to the screencast client. */
const queueBuffer = user<[proc: string]>({
  name: 'pw_stream_queue_buffer',
  params: () => [[COMP]],
  enabled: (w) => comp(w).phase === 'send',
  apply: (w, _a, cfg) => {
    const k = comp(w).next - 1;
    w = setCapture(w, { ...capture(w), inbox: [...capture(w).inbox, buf(bufferOf(cfg, k))] });
    return setComp(w, { ...comp(w), phase: 'render' });
  },
  doc: 'the buffer (no fence: the encoder takes none) reaches the capture client',
});

/** VIDIOC_QBUF: the capture client queues the oldest buffer it got on the encoder (R62 implicit wait). */
const qbuf = user<[proc: string]>({
  name: 'VIDIOC_QBUF',
  params: () => [[CAPTURE]],
  enabled: (w) => capture(w).inbox.length > 0,
  apply: (w) => {
    const [b, ...inbox] = capture(w).inbox;
    const job = v4l2NextJob(w, VENC);
    w = vidioc_qbuf(w, VENC, b);
    return setCapture(w, { inbox, queued: [...capture(w).queued, [job, b]] });
  },
  doc: 'R54, R62: the encoder driver waits on the WRITE fences of the dma-buf, and adds its own as READ',
});

/** VIDIOC_DQBUF, then the buffer goes back to the compositor (PipeWire's buffer recycling). */
const dqbuf = user<[proc: string]>({
  name: 'VIDIOC_DQBUF',
  params: () => [[CAPTURE]],
  enabled: (w) => capture(w).queued.length > 0 && vidioc_dqbuf_enabled(w, VENC, capture(w).queued[0][0]),
  apply: (w) => {
    const [[job, b], ...queued] = capture(w).queued;
    w = setCapture(vidioc_dqbuf(w, VENC, job), { ...capture(w), queued });
    return setComp(w, { ...comp(w), free: [...comp(w).free, Number(b.slice(3))].sort((x, y) => x - y) });
  },
  doc: 'the encode is done (vb2_buffer_done); the buffer is returned to the compositor',
});

function mediaSteps(): StepDef<MediaConfig>[] {
  const sched = drmSchedStepTable<MediaConfig>({ maxHangs: (c) => c.maxHangs });
  return [cs, importSyncFile, queueBuffer, qbuf, dqbuf, ...v4l2EncoderSteps<MediaConfig>(), ...Object.values(sched)];
}

/** The scopes of both media designs, with or without the bridge. */
export const mediaConfigs = (bridge: boolean): Record<string, MediaConfig> => ({
  small: { frames: 2, buffers: 2, bridge, maxHangs: 1, creditLimit: 2 },
  default: { frames: 3, buffers: 2, bridge, maxHangs: 1, creditLimit: 2 },
  large: { frames: 6, buffers: 3, bridge, maxHangs: 2, creditLimit: 2 },
});

/** Frames not encoded and returned yet, and compositor jobs not finished (no-deadlock). */
function pending(w: World, cfg: MediaConfig): string[] {
  const out: string[] = [];
  const returned = ctx<V4l2EncoderContext>(w, VENC).queued - capture(w).queued.length;
  for (let k = returned; k < cfg.frames; k++) out.push(`frame ${k}`);
  for (const j of idsOf(w, 'drm_sched_job')) if (!hasTag(w, j, 'done')) out.push(j);
  return out;
}

/** The cells both media designs share; media-encoder-bridge overrides what the bridge changes. */
export const MEDIA_EXPECT: Record<string, Expectation> = {
  ...TDR_RECOVERS_EXPECT,
  'one-shot': { verdict: 'holds', why: 'each fence has one signalling path: its ring, its job, the encoder IRQ (R4)' },
  'acyclic-waits': {
    verdict: 'holds',
    why: "the encoder waits at most on the compositor's render, which waits on nothing (R62, R93)",
  },
  'finite-time': {
    verdict: 'holds',
    why: 'every published fence is a kernel fence: TDR bounds the GPU (R20), the encoder finishes each job it starts',
  },
  'context-order': {
    verdict: 'holds',
    why: 'one entity on one in-order ring, one encoder fence context in queue order (R90, R97, I4)',
  },
  'snapshot-stable': { verdict: 'holds', why: "the render's out sync_file keeps its fence (R64, I17)" },
  'hazard-free': {
    verdict: 'violates',
    why:
      "the encoder's read waits on the WRITE fences (R54, R62), but the explicit render fence is BOOKKEEP (R53) and " +
      'nobody imported it (R127): the encoder reads the frame while the GPU writes it (H8)',
  },
  'errors-propagate': {
    verdict: 'n/a',
    why: 'no job ever waits on a fence: the render waits on nothing and the encoder finds no implicit fence (the bug)',
  },
  'innocent-context-survives': {
    verdict: 'holds',
    why: "one entity on the compositor's GPU: a reset harms only the guilty context (R20); the encoder is not reset",
  },
  'no-deadlock': { verdict: 'holds', why: 'every frame is encoded and returned: renders complete or time out (R99)' },
  'no-priority-inversion': {
    verdict: 'n/a',
    why: 'one NORMAL entity on the one scheduler: entities of different priorities never compete',
  },
};

export const mediaBase = {
  source:
    'seed 004 "Chicken and egg problems" (the screen-capture media encoder), "A proposal: Implicit and explicit sync ' +
    'together"; seed 000 "Kernel dmabuf users: DRM, V4L2, others"; H8; R53, R54, R62, R127',
  bounds: {
    exhaustive: { config: 'default', depth: 80, maxStates: 500_000 },
    random: { config: 'large', depth: 120, runs: 200 },
  },
  init: initMedia,
  steps: stepTable(mediaSteps()),
  pending,
};

export default defineDesign<MediaConfig>({
  ...mediaBase,
  name: 'media-encoder-implicit',
  summary:
    'An explicit compositor hands its buffers to an implicit-only V4L2 encoder without ' +
    'DMA_BUF_IOCTL_IMPORT_SYNC_FILE: the encoder reads frames still being rendered.',
  configs: mediaConfigs(false), // seeded bug: no bridge
  expect: MEDIA_EXPECT,
});
