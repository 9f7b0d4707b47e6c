/**
 * What a property is (shared/design/architecture.md; P's `spec X observes e1, e2`). Every property
 * declares the same things: its `kind` (how the engine evaluates it), whether it is safety or liveness
 * (`temporal`), and what it `observes`. The kinds:
 * - state: a predicate on one world state (a `terminal` state property is judged only where nothing is
 *   enabled: no-deadlock);
 * - step: a predicate on (before, action, after), for the observed steps;
 * - drain: bounded liveness. From a state, userspace stops and only kernel, GPU and timer steps run
 *   under the engine's fair schedule (the least recently taken enabled step goes next; faults such as
 *   hangs and crashes never happen in a drain). The property judges where the drain settled, or that it
 *   did not settle within the design's drain bound (livelock);
 * - monitor: a property with its own state. `init` gives the state at the initial world (plain JSON),
 *   `next` folds each observed transition into it and may name a violation (safety); `final` may judge
 *   the state where a run ends, with nothing enabled (liveness: P's hot state at the end). The state
 *   lives in the monitor, never in a model: the engine carries it beside the world (a state of the
 *   exhaustive search is the world and the states of the monitors checked).
 * A check returns null when the property holds, or one sentence naming the offending objects.
 * Properties read worlds; they never send events (the World type is readonly).
 */
import type { World, Json } from '../models/world.ts';
import type { Design, Role } from '../models/design.ts';

export interface ActionInfo {
  step: string;
  args: readonly unknown[];
  label: string;
  role: string;
}

export interface DrainResult {
  /** The world where no kernel, GPU or timer step was enabled any more; null if the bound ran out. */
  settled: World | null;
  /** Steps the drain took. */
  steps: number;
  /** The labels of the drain's steps, in order. */
  labels: string[];
  bound: number;
}

/** Safety: a finite prefix shows the violation. Liveness: judged where a run ends or a fair drain settles. */
export type Temporal = 'safety' | 'liveness';

/**
 * The transitions a step property or a monitor sees (P's `observes`): a step is observed when its key is
 * in `steps` (if given) and its role in `roles` (if given). A drain property observes the drain's
 * steps, `DRAIN_ROLES`; a state property observes states, not steps. Omitted: every step.
 */
interface Observes {
  steps?: readonly string[];
  roles?: readonly Role[];
}

/** A property's interesting precondition, and what it is in one phrase ('a buffer reused'). */
export interface Witness {
  what: string;
  /** `env.design` for witnesses that need the design's own notions (no-deadlock: `pending`). */
  state?: (w: World, cfg: any, env: { design: Design }) => boolean;
  step?: (before: World, a: ActionInfo, after: World, cfg: any) => boolean;
}

/** A monitor's next state, and the violation the transition showed, if any (one sentence). */
export interface MonitorStep<S extends Json = Json> {
  state: S;
  violation?: string | null;
}

export interface Property<S extends Json = any> {
  name: string;
  kind: 'state' | 'step' | 'drain' | 'monitor';
  /** Default: liveness for drain properties, safety otherwise (`temporalOf`). */
  temporal?: Temporal;
  /** Default: every step (`observesStep`). */
  observes?: Observes;
  /** Rule, invariant and hazard ids from shared/reference/kernel-sync-semantics.md. */
  rules: string[];
  /** One paragraph: what must hold, in contract form. */
  statement: string;
  /** Which designs it applies to (default: every design that declares an expectation for it). */
  appliesTo?: (d: Design) => boolean;
  /**
   * The machine kinds it observes (issue 14.2): the property applies to every design whose world has
   * one of them (an entry 'a+b' asks for both), unless the design declares it 'n/a' with a reason.
   */
  needs?: readonly string[];
  /**
   * The interesting precondition (issue 11.2): a 'holds' means something only where it was reached.
   * `state` judges a reached state, `step` a transition; the engine counts where either held, and a
   * 'holds' with none is reported `vacuous`.
   */
  witness?: Witness;
  state?: (w: World, cfg: any) => string | null;
  step?: (before: World, a: ActionInfo, after: World, cfg: any) => string | null;
  drain?: (from: World, r: DrainResult, cfg: any) => string | null;
  /** Monitor: its state at the initial world. */
  init?: (w: World, cfg: any) => S;
  /** Monitor: fold one observed transition into the state. Pure; the state is never mutated. */
  next?: (s: S, before: World, a: ActionInfo, after: World, cfg: any) => MonitorStep<S>;
  /** Monitor: judge the state where the run ends (no action enabled). */
  final?: (s: S, w: World, cfg: any) => string | null;
}

export function defineProperty<S extends Json = any>(p: Property<S>): Property<S> {
  return p;
}

/** A monitor: a property with state (kind 'monitor'); `init` and `next` are required. */
export function defineMonitor<S extends Json, C = any>(
  m: Omit<Property<S>, 'kind' | 'state' | 'step' | 'drain' | 'init' | 'next' | 'final'> & {
    init: (w: World, cfg: C) => S;
    next: (s: S, before: World, a: ActionInfo, after: World, cfg: C) => MonitorStep<S>;
    final?: (s: S, w: World, cfg: C) => string | null;
  },
): Property<S> {
  return { ...m, kind: 'monitor' };
}

/** The roles a drain runs (the engine's drain, src/explore/drain.ts): userspace stops, faults never happen. */
export const DRAIN_ROLES: readonly Role[] = ['kernel', 'gpu', 'timer'];

export function temporalOf(p: Property): Temporal {
  return p.temporal ?? (p.kind === 'drain' ? 'liveness' : 'safety');
}

/** Does `p` observe a transition by step `step` of role `role`? */
export function observesStep(p: Property, step: string, role: string): boolean {
  const o = p.observes;
  if (!o) return true;
  return (!o.steps || o.steps.includes(step)) && (!o.roles || o.roles.some((r) => r === role));
}
