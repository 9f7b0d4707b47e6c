/**
 * What a design is: a TLA+-style spec over machine snapshots. `init(config)` builds the initial world;
 * `steps` is the flat Next disjunction, each step an enabling condition and an effect side by side;
 * `expect` is the designer's hypothesis per property, with the reason. Designs import this file, the
 * machines and models/<subsystem>/; they never import the engine (src/).
 */
import type { World, Json } from './world.ts';

/**
 * Who takes a step. The drain (finite-time) lets only kernel, gpu and timer steps run, fairly:
 * - user: a userspace process acts (submit, signal a user fence, present). Stops in a drain.
 * - kernel: kernel work that runs by itself once enabled (scheduler, eviction, workers, IRQ handling).
 * - gpu: the hardware makes progress (a job completes, a preemption lands).
 * - timer: a timeout fires (TDR, hang detection, fence-wait timeouts).
 * - fault: something goes wrong (a GPU hang, a crash). Never scheduled by the drain.
 */
export type Role = 'user' | 'kernel' | 'gpu' | 'timer' | 'fault';

export type Args = Json[];

export interface StepDef<C = any> {
  /** Kernel-style name: `drm_sched_job_timedout`, `DRM_IOCTL_AMDGPU_CS`, `gpu_ring_complete`. */
  name: string;
  role: Role;
  /** Which actor column this step belongs to (for traces): 'proc0', 'sched0', 'gpu0', 'ttm', 'display'. */
  actor: (args: Args, cfg: C) => string;
  /** Candidate arguments in a stable order (each tuple is tried). Omit for a step with no arguments. */
  params?: (w: World, cfg: C) => Args[];
  /** Enabling condition (pure). Omitted = always; `apply` may still refuse by returning null. */
  enabled?: (w: World, args: Args, cfg: C) => boolean;
  /** Effect: the next world, or null when not enabled (e.g. a machine refused an event). */
  apply: (w: World, args: Args, cfg: C) => World | null;
  /** One-line description citing rules or seeds. */
  doc?: string;
  /**
   * Optional footprint (issue 7): every object id (and '$g' for the design globals) this step reads or
   * writes for these arguments, in any world, including objects it spawns. When given, `params` must
   * depend on `cfg` only (it is then called once per config, with the initial world). The engine then
   * memoizes the step on the snapshots of exactly these objects, and treats steps with disjoint
   * footprints as independent (partial-order reduction). An object changed outside the footprint is
   * reported as a model error; a read outside it is not detected, so declare generously.
   */
  touches?: (args: Args, cfg: C) => string[];
}

export type Verdict = 'holds' | 'violates';

export interface Expectation {
  verdict: Verdict;
  /** One line of why, citing the seed or rule. */
  why: string;
}

export interface Bounds {
  /** Config name for this engine. */
  config: string;
  /** Exhaustive: max BFS depth; random: max steps per run. */
  depth: number;
  /** Exhaustive: max distinct states. */
  maxStates?: number;
  /** Random: number of runs. */
  runs?: number;
}

export interface Design<C = any> {
  name: string;
  /** Idea in 1-3 sentences. */
  summary: string;
  /** Seed document(s) and section this design comes from. */
  source: string;
  /** Named configs; every design has at least 'small' (exhaustive finishes) and 'default'. */
  configs: Record<string, C>;
  /** Default bounds per engine. */
  bounds: { exhaustive: Bounds; random: Bounds };
  init: (cfg: C) => World;
  steps: StepDef<C>[];
  expect: Record<string, Expectation>;
  /** Max drain steps before the drain counts as not settling (livelock). Default 400. */
  drainBound?: number;
  /**
   * Work not finished yet (e.g. jobs not completed), for the no-deadlock property: a state with no
   * enabled action while this list is non-empty is a deadlock. Omit when the design has no such notion.
   */
  pending?: (w: World, cfg: C) => string[];
  /**
   * Interchangeable objects (optional; issue 7 symmetry reduction). Each group is a list of members;
   * each member a tuple of object ids of the same length, e.g. [[['p0.ring','p0.bo'],['p1.ring','p1.bo']]].
   * Declaring a group promises that permuting its members (their snapshots, whole) maps every reachable
   * world to a reachable world with the same enabled moves up to that permutation, and that every
   * property the design declares is invariant under it: contexts must not name a member's identity.
   * The exhaustive explorer may then count worlds that differ only by such a permutation once.
   */
  symmetry?: (cfg: C) => string[][][];
  /** Numbers the design reports (over-synchronisation, latency), computed on a final or settled world. */
  metrics?: Record<string, (w: World, cfg: C) => number>;
}

/** Identity helper that keeps the config type. */
export function defineDesign<C>(d: Design<C>): Design<C> {
  return d;
}
