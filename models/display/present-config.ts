/**
 * The present designs' configuration, object ids and the two named extension points every present
 * design chooses from (seed 000 display part; seed 002 §2.1):
 * - `sync` (SyncMode): how the client's fences travel: 'implicit' (dma-buf resv + xshmfence, R62,
 *   R132), 'syncobj' (linux-drm-syncobj-v1 timeline points, R137-R141), 'submit-return' (seed 002's
 *   submit and return fences). Each mode is one file: models/display/sync-<mode>.ts.
 * - `policy` (LatchPolicy): the compositor's decision at paint, models/display/latch-policy.ts.
 * The registry that maps the names to the implementations is models/display/present.ts.
 */
import type { World } from '../world.ts';
import type { StepDef } from '../design.ts';
import type { SurfaceCommit } from './compositor.ts';

export type SyncModeName = 'implicit' | 'syncobj' | 'submit-return' | 'sync-file' | 'hwc';
/** The compositor's choice at paint (models/display/latch-policy.ts). */
export type PaintPolicy = 'naive' | 'transaction' | 'late-binding' | 'kms-fence';

export interface PresentConfig {
  clients: number;
  frames: number;
  buffers: number;
  /** vblanks in a run (after that the display only finishes a pending flip). */
  vblanks: number;
  /** GPU queues per client; frame k renders on queue k mod queues, so frames may finish out of order. */
  queues: number;
  /** clients may present before submitting the render (R141, R145), where the sync mode allows it. */
  wbs: boolean;
  sync: SyncModeName;
  policy: PaintPolicy;
  /** fault budgets per run. */
  clientCrashes: number;
  compositorCrashes: number;
  /** crashes of any kind per run (default: no total limit beyond the two budgets). */
  maxCrashes?: number;
  /** submit-return: the kernel signals a crashed side's fences (seed 002); false only to show it matters. */
  crashRecovery?: boolean;
  /**
   * The compositor passes each plane's acquire fence to KMS as IN_FENCE_FD (R131); false: it forgets
   * to (present-forgotten-in-fence), so only prepare_fb's implicit fences, if any, order the flip (R132).
   */
  kmsInFence?: boolean;
  /**
   * 'planes' (default): each surface's buffer on its own plane (direct scanout). 'gpu': the compositor
   * samples every surface's current buffer in a GPU job of its own into one of its own buffers, and
   * scans that out on the primary plane with the job's fence as IN_FENCE_FD (present-gpu-composition).
   */
  composition?: 'planes' | 'gpu';
}

export const CRTC = 'crtc0';
export const COMPOSITOR = 'compositor';
export const clientId = (i: number) => `client${i}`;
/** The client's index (its fence contexts are derived from it). */
export const clientIndex = (client: string) => Number(client.slice(6));
export const bufId = (client: string, b: number) => `${client}.buf${b}`;
export const planeOf = (client: string) => `plane${client.slice(6)}`;
/** The render job of frame k is `${client}.j${k}` (hazard-free's job naming); its completion fence: */
export const renderJob = (client: string, k: number) => `${client}.j${k}`;
export const renderFence = (client: string, k: number) => `${renderJob(client, k)}.finished`;
export const ringOf = (client: string, q: number) => `${client}.gpu${q}`;
/** GPU composition: the compositor's ring, its two buffers and the primary plane. */
export const COMPOSITOR_RING = `${COMPOSITOR}.gpu0`;
export const compositorBuf = (i: number) => `${COMPOSITOR}.buf${i}`;
export const PRIMARY_PLANE = 'primary';

/**
 * Extension point: how a client's frames are synchronized with the display. Each function is one
 * kernel or protocol path of that mode, an effect only: the present steps (models/display/present.ts)
 * decide when it runs.
 */
export interface SyncMode {
  /** The key of the client's present step (the request's name: wl_surface_commit, xcb_present_pixmap). */
  presentStep: string;
  /** May a client present before its render is submitted (R145)? Implicit sync: no, the fence rides the resv (R62). */
  waitBeforeSignal: boolean;
  /**
   * HWC2: the release of a plane's previous commit is handed out at the atomic commit that replaces it,
   * as a fence that signals at that flip (R134), not at flip-done.
   */
  releaseAtCommit?: boolean;
  /** The acquire and release handles of frame k in `buf` (models/display/present-view.ts reads them). */
  acquireHandle(client: string, buf: string, k: number): string;
  releaseHandle(client: string, buf: string, k: number): string;
  /** The client's per-surface and per-buffer objects, after its GPU rings. */
  initClient(w: World, client: string, buffers: number): World;
  /** Where frame k's render fence goes once the job is submitted (R62 resv WRITE, R82 the acquire point). */
  attachRender(w: World, client: string, buf: string, fence: string, k: number): World;
  /** The present request: the commit reaches the compositor (or its corpse). */
  present(w: World, cfg: PresentConfig, commit: SurfaceCommit): World;
  /**
   * IN_FENCE_FD for a commit's plane ('' = none, R132 implicit): the fence or sync_file KMS waits on,
   * and the fds the compositor closes after the atomic ioctl.
   */
  kmsInFence(w: World, commit: SurfaceCommit): { w: World; inFence: string; close: string[] };
  /** R139: signal a commit's release once the compositor no longer uses it. */
  release(w: World, commit: SurfaceCommit): World;
  /** The kernel's cleanup when a client dies, and when the dead compositor's DRM file is closed (seed 002). */
  clientCrashed(w: World, cfg: PresentConfig, client: string): World;
  compositorFileReleased(w: World, cfg: PresentConfig): World;
  /** Steps only this mode has (inserted after the vblank step). */
  steps: readonly StepDef<PresentConfig, any>[];
}

/** Extension point: the compositor's decision for one surface at paint (seed 000 late binding). */
export interface LatchPolicy {
  /** How many queued commits to take, and whether the last taken one is shown (COMPOSITOR_LATCH). */
  decide(w: World, queue: SurfaceCommit[]): { n: number; use: boolean };
  /**
   * A latched commit whose acquire fence exists but has not signalled goes to KMS with that fence as
   * its in-fence (the commit tail waits, R133) instead of a CPU wait at paint.
   */
  kmsWaits?: boolean;
}
