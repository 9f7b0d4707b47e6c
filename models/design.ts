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

/** A step's arguments: a JSON tuple, typed per step (`StepDef<C, [proc: string]>`). */
export type Args = readonly Json[];

/**
 * One action an explorer may take, as a TLA+ action: an enabling condition and an effect side by side.
 * `enabled` is pure and decides; `apply` is the effect only and must succeed whenever `enabled` holds
 * (the enumerator reports a refusal as a model error, so a guard is never hidden inside an effect).
 */
export interface StepDef<C = any, A extends Args = any> {
  /** The step's key: the kernel function or ioctl name (`drm_sched_job_timedout`), unique in a design. */
  name: string;
  role: Role;
  /** Which actor column this step belongs to (for traces): 'proc0', 'sched0', 'gpu0', 'ttm', 'display'. */
  actor: (args: A, cfg: C) => string;
  /** Candidate arguments in a stable order (each tuple is tried). Omit for a step with no arguments. */
  params?: (w: World, cfg: C) => readonly A[];
  /** Enabling condition (pure, reads only). */
  enabled: (w: World, args: A, cfg: C) => boolean;
  /**
   * Effect only: the next world. Called only where `enabled` holds, and it must then succeed: a machine
   * refusing an event here means the enabling condition is wrong, and the enumerator reports it.
   */
  apply: (w: World, args: A, cfg: C) => World;
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
  touches?: (args: A, cfg: C) => string[];
}

/** Identity helper that types a step's arguments from its `params`. */
export function defineStep<C, A extends Args = []>(s: StepDef<C, A>): StepDef<C, A> {
  return s;
}

/**
 * A design's Next relation: steps by key, in the order the explorers try them (insertion order; BFS
 * takes the first shortest trace in this order, so it is part of the design).
 */
export type StepTable<C = any> = Readonly<Record<string, StepDef<C, any>>>;

/**
 * A step table from steps and lists of steps (each keyed by its name); a repeated key is a design error.
 * Another table joins as `Object.values(table)`.
 */
export function stepTable<C>(...groups: (StepDef<C, any> | readonly StepDef<C, any>[])[]): StepTable<C> {
  const out: Record<string, StepDef<C, any>> = {};
  for (const g of groups) {
    for (const s of Array.isArray(g) ? g : [g as StepDef<C, any>]) {
      if (Object.hasOwn(out, s.name)) throw new Error(`step '${s.name}' is defined twice`);
      out[s.name] = s;
    }
  }
  return out;
}

/**
 * Override steps of `base` by key, keeping their place in the order: a StepDef replaces the step (its
 * name must be the key), null removes it. A key `base` does not have is a design error, so an override
 * never silently misses after a rename. New steps are added with `stepTable(base, extra)`.
 */
export function withSteps<C>(
  from: StepTable<C> | readonly StepDef<C, any>[],
  overrides: Record<string, StepDef<C, any> | null>,
): StepTable<C> {
  const base = Array.isArray(from) ? stepTable(from) : (from as StepTable<C>);
  for (const k of Object.keys(overrides)) {
    if (!Object.hasOwn(base, k))
      throw new Error(`withSteps: no step '${k}' to override (have: ${Object.keys(base).join(', ')})`);
    const o = overrides[k];
    if (o && o.name !== k) throw new Error(`withSteps: the override of '${k}' is named '${o.name}'`);
  }
  const out: Record<string, StepDef<C, any>> = {};
  for (const [k, s] of Object.entries(base)) {
    const o = Object.hasOwn(overrides, k) ? overrides[k] : s;
    if (o) out[k] = o;
  }
  return out;
}

export type Verdict = 'holds' | 'violates';

/**
 * The designer's hypothesis for one property. 'n/a' opts the design out of a property that would
 * otherwise apply to it (issue 14.2: properties apply by default), with the reason shown in the matrix.
 */
export interface Expectation {
  verdict: Verdict | 'n/a';
  /** One line of why, citing the seed or rule; for 'n/a', why the property cannot be reached here. */
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
  /**
   * Named configs, each a scope (TLA+ CONSTANTS: processes, jobs per process, BOs, slots, fault budgets
   * and the design's own knobs). Every design has 'small' (exhaustive in seconds), 'default' (bigger
   * than small; exhaustive where it fits in a minute) and 'large' (10^6 reachable states or the largest
   * scope the design has, for the random engine and the bench), each its own object (issue 11.1).
   */
  configs: Record<string, C>;
  /** Default bounds per engine. */
  bounds: { exhaustive: Bounds; random: Bounds };
  init: (cfg: C) => World;
  /** The Next relation, by key (`stepTable`, `withSteps`). */
  steps: StepTable<C>;
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
