/**
 * Property evaluation shared by both explorers and replay: state and drain properties on every reached
 * state, step properties on every transition. Drains are memoized by world fingerprint.
 *
 * Monitors (kind 'monitor', properties with state) are carried beside the world: `monitorInit` gives
 * their states at the initial world, `monitorStep` folds one transition into them (only the monitors
 * that observe the step run), and `atState(..., ms)` judges their `final` where nothing is enabled. The
 * states of all monitors of a Checker are one tuple (`MonitorStates`), interned to a number
 * (`internMonitors`) so the exhaustive explorer can store it per state. Every monitor is carried for the
 * whole run, also once its violation was found, so a tuple means the same thing everywhere.
 *
 * Terminal properties (a state property marked `terminal: true`, e.g. no-deadlock) are evaluated only
 * at states where no action is enabled, and receive the design as a third argument. The explorers pass
 * the number of enabled actions they computed anyway; other callers get it computed here.
 */
import type { Design, StepDef, Args } from '../models/design.ts';
import type { World, Json } from '../models/world.ts';
import { observesStep, type Property, type DrainResult, type ActionInfo } from '../properties/property.ts';
import type { Action } from './world/steps.ts';
import { enabledActions, labelOf } from './world/steps.ts';
import { drainVec, engineFor } from './explore/drain.ts';
import { fpKey, type EngineState, type FastEngine } from './world/fast.ts';

export interface Finding {
  property: string;
  message: string;
  /** Drain properties: the drain's steps from the violating state. */
  drain?: string[];
}

/** A state property evaluated only where nothing is enabled; it receives `{ design }`. */
export function isTerminal(p: Property): boolean {
  return p.kind === 'state' && (p as Property & { terminal?: boolean }).terminal === true;
}

/** The states of a Checker's monitors, in `Checker.monitors` order (plain JSON; never mutated). */
export type MonitorStates = readonly Json[];

/** JSON with object keys sorted, so equal monitor states intern to one id whatever their key order. */
export function canonicalJson(j: Json): string {
  if (j === null || typeof j !== 'object') return JSON.stringify(j);
  if (Array.isArray(j)) return `[${j.map(canonicalJson).join(',')}]`;
  return `{${Object.keys(j)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(j[k])}`)
    .join(',')}}`;
}

/** What a monitor or step property is shown of a transition. */
export function actionInfo(step: StepDef, args: Args, label?: string): ActionInfo {
  return { step: step.name, args, label: label ?? labelOf(step.name, args), role: step.role };
}

/** A state as the fast explorers hold it: its vector and fingerprint. */
export interface FastState {
  engine: FastEngine;
  vec: Int32Array;
  h1: number;
  h2: number;
}

export class Checker {
  readonly state: Property[];
  readonly terminal: Property[];
  readonly step: Property[];
  readonly drains: Property[];
  /** Properties with state (kind 'monitor'); their states travel with the world. */
  readonly monitors: Property[];
  private observing = new Map<StepDef, boolean>();
  private mIds = new Map<string, number>();
  private mById: MonitorStates[] = [];
  private memo = new Map<string | number, DrainResult>();
  drainsRun = 0;
  /** Properties with a state witness, and with a step witness (issue 11.2). */
  private readonly stateWitness: Property[];
  private readonly stepWitness: Property[];
  /** Per property with a witness: the states (and transitions) where its precondition held. */
  readonly reached = new Map<string, number>();
  /** The state witnesses as predicates of the world, made once: FastEngine.memoOf keeps a memo per function. */
  private readonly witnessFns: ((w: World) => boolean)[];
  /** Their names in a memo's errors (made once, not per state). */
  private readonly witnessNames: string[];

  constructor(
    readonly design: Design,
    readonly cfg: unknown,
    props: Property[],
  ) {
    this.state = props.filter((p) => p.kind === 'state' && !isTerminal(p));
    this.terminal = props.filter(isTerminal);
    this.step = props.filter((p) => p.kind === 'step');
    this.drains = props.filter((p) => p.kind === 'drain');
    this.monitors = props.filter((p) => p.kind === 'monitor');
    for (const m of this.monitors) if (!m.init || !m.next) throw new Error(`monitor '${m.name}' needs init and next`);
    this.stateWitness = props.filter((p) => p.witness?.state);
    const env = { design: this.design };
    this.witnessFns = this.stateWitness.map((p) => (w: World) => !!p.witness!.state!(w, this.cfg, env));
    this.witnessNames = this.stateWitness.map((p) => `the witness of ${p.name}`);
    this.stepWitness = props.filter((p) => p.witness?.step);
    for (const p of props) if (p.witness) this.reached.set(p.name, 0);
  }

  /** Is a witness still to be counted at states (of a property in `only`)? Then the explorer decodes. */
  witnessesStates(only?: Set<string>): boolean {
    return this.stateWitness.some((p) => !only || only.has(p.name));
  }
  witnessesSteps(only?: Set<string>): boolean {
    return this.stepWitness.some((p) => !only || only.has(p.name));
  }

  /** Count the state witnesses that hold at `w` (properties in `only`: a violated one needs no count). */
  countState(w: World | (() => World), only?: Set<string>, fast?: EngineState): void {
    let world: World | undefined = typeof w === 'function' ? undefined : w;
    const get = typeof w === 'function' ? (w as () => World) : () => w as World;
    for (let i = 0; i < this.stateWitness.length; i++) {
      const p = this.stateWitness[i];
      if (only && !only.has(p.name)) continue;
      let ok: boolean;
      // on the engine: memoized on what the witness reads (FastEngine.memoOf), the same count
      if (fast) ok = fast.engine.memoOf(this.witnessFns[i], fast.vec, get, this.witnessNames[i]);
      else {
        world ??= get();
        ok = this.witnessFns[i](world);
      }
      if (ok) this.reached.set(p.name, this.reached.get(p.name)! + 1);
    }
  }
  /** Count the step witnesses that hold on the transition `before` -a-> `after`. */
  countStep(before: World, a: ActionInfo, after: World, only?: Set<string>): void {
    for (const p of this.stepWitness) {
      if (only && !only.has(p.name)) continue;
      if (p.witness!.step!(before, a, after, this.cfg)) this.reached.set(p.name, this.reached.get(p.name)! + 1);
    }
  }

  /** Does evaluating `only` at a state need the World (anything but terminal properties)? */
  needsWorld(only?: Set<string>): boolean {
    const has = (ps: Property[]) => ps.some((p) => !only || only.has(p.name));
    return has(this.state) || has(this.drains);
  }
  needsSteps(only?: Set<string>): boolean {
    return this.step.some((p) => !only || only.has(p.name));
  }
  /** Every property still looked for is terminal (partial-order reduction preserves them); no monitor. */
  onlyTerminal(only?: Set<string>): boolean {
    return !this.needsWorld(only) && !this.needsSteps(only) && this.monitors.length === 0;
  }

  /** The monitors' states at the initial world `w` (empty without monitors). */
  monitorInit(w: World): MonitorStates {
    return this.monitors.map((m) => m.init!(w, this.cfg));
  }

  /** Does some monitor observe step `st`? (Otherwise a transition by it leaves the states as they are.) */
  monitored(st: StepDef): boolean {
    let b = this.observing.get(st);
    if (b === undefined) {
      b = this.monitors.some((m) => observesStep(m, st.name, st.role));
      this.observing.set(st, b);
    }
    return b;
  }

  /**
   * Fold the transition `before` -a-> `after` into the monitor states `ms`: the next states (`ms` itself
   * when nothing changed) and the violations of monitors in `only` (all if omitted).
   */
  monitorStep(
    ms: MonitorStates,
    before: World,
    a: ActionInfo,
    after: World,
    only?: Set<string>,
  ): { states: MonitorStates; found: Finding[] } {
    let out: Json[] | null = null;
    const found: Finding[] = [];
    for (let i = 0; i < this.monitors.length; i++) {
      const m = this.monitors[i];
      if (!observesStep(m, a.step, a.role)) continue;
      const r = m.next!(ms[i], before, a, after, this.cfg);
      if (r.state !== ms[i]) {
        out ??= [...ms];
        out[i] = r.state;
      }
      if (r.violation && (!only || only.has(m.name))) found.push({ property: m.name, message: r.violation });
    }
    return { states: out ?? ms, found };
  }

  /** A small integer for the states tuple `ms` (equal tuples, equal ids), and back. */
  internMonitors(ms: MonitorStates): number {
    const k = canonicalJson(ms as Json[]);
    let id = this.mIds.get(k);
    if (id === undefined) {
      id = this.mById.length;
      this.mById.push(ms);
      this.mIds.set(k, id);
    }
    return id;
  }
  monitorsById(id: number): MonitorStates {
    return this.mById[id];
  }

  /**
   * Run the monitors along `acts` (resolved actions, each enabled in the world before it) from `w0`:
   * every violation with the index of the step that showed it, and `final` at the end if nothing is
   * enabled there. What replay calls to judge a monitor property on a saved trace.
   */
  monitorsAlong(w0: World, acts: readonly Action[], only?: Set<string>): { at: number; finding: Finding }[] {
    const out: { at: number; finding: Finding }[] = [];
    let ms = this.monitorInit(w0);
    let w = w0;
    for (const [i, a] of acts.entries()) {
      const r = this.monitorStep(ms, w, actionInfo(a.step, a.args, a.label), a.next, only);
      for (const f of r.found) out.push({ at: i, finding: f });
      ms = r.states;
      w = a.next;
    }
    for (const f of this.finalAt(w, ms, undefined, only)) out.push({ at: acts.length - 1, finding: f });
    return out;
  }

  /** Monitors' `final` judgments at `w` when nothing is enabled there (`enabled` computed if omitted). */
  private finalAt(w: World, ms: MonitorStates, enabled?: number, only?: Set<string>): Finding[] {
    const out: Finding[] = [];
    let n = enabled;
    for (let i = 0; i < this.monitors.length; i++) {
      const m = this.monitors[i];
      if (!m.final || (only && !only.has(m.name))) continue;
      n ??= enabledActions(this.design, this.cfg, w).length;
      if (n !== 0) return out;
      const v = m.final(ms[i], w, this.cfg);
      if (v) out.push({ property: m.name, message: v });
    }
    return out;
  }

  /**
   * State, terminal and drain properties at `w`; `only` restricts to properties still looked for;
   * `key` is the drain memo key; `enabled` the number of enabled actions (computed if omitted and a
   * terminal property needs it); `fast` lets the drain run on the fast engine; `ms` the monitors'
   * states here, for their `final` judgment.
   */
  atState(
    w: World | (() => World),
    only?: Set<string>,
    key?: string | number,
    enabled?: number,
    fast?: FastState,
    ms?: MonitorStates,
  ): Finding[] {
    const out: Finding[] = [];
    // The world, decoded at most once; no closure for it (one made per call costs the hot loop a
    // defineProperty under tsx, whose transform names every function).
    let world: World | undefined = typeof w === 'function' ? undefined : w;
    for (const p of this.state) {
      if (only && !only.has(p.name)) continue;
      if (world === undefined) world = (w as () => World)();
      const m = p.state!(world, this.cfg);
      if (m) out.push({ property: p.name, message: m });
    }
    const ts = only ? this.terminal.filter((p) => only.has(p.name)) : this.terminal;
    if (ts.length) {
      if (enabled === undefined && world === undefined) world = (w as () => World)();
      const n = enabled ?? enabledActions(this.design, this.cfg, world!).length;
      if (n === 0) {
        if (world === undefined) world = (w as () => World)();
        for (const p of ts) {
          const m = (p.state as (w: World, cfg: unknown, env: { design: Design }) => string | null)(world, this.cfg, {
            design: this.design,
          });
          if (m) out.push({ property: p.name, message: m });
        }
      }
    }
    const ds = only ? this.drains.filter((p) => only.has(p.name)) : this.drains;
    if (ds.length) {
      const r = this.drainFrom(world ?? w, key, fast);
      if (world === undefined) world = (w as () => World)();
      for (const p of ds) {
        const m = p.drain!(world, r, this.cfg);
        if (m) out.push({ property: p.name, message: m, drain: r.labels });
      }
    }
    if (ms && this.monitors.length) {
      if (world === undefined) world = (w as () => World)();
      out.push(...this.finalAt(world, ms, enabled, only));
    }
    return out;
  }

  atStep(before: World, a: Action, only?: Set<string>): Finding[] {
    const out: Finding[] = [];
    let info: ActionInfo | undefined; // one per transition, not one per property
    for (const p of this.step) {
      if (only && !only.has(p.name)) continue;
      if (p.observes && !observesStep(p, a.step.name, a.step.role)) continue;
      info ??= actionInfo(a.step, a.args, a.label);
      const m = p.step!(before, info, a.next, this.cfg);
      if (m) out.push({ property: p.name, message: m });
    }
    return out;
  }

  drainFrom(w: World | (() => World), key?: string | number, fast?: FastState): DrainResult {
    let f = fast;
    if (!f) {
      const e = engineFor(this.design, this.cfg);
      const vec = e.encode(typeof w === 'function' ? w() : w);
      const [h1, h2] = e.hash(vec);
      f = { engine: e, vec, h1, h2 };
    }
    const k = key ?? fpKey(f.h1, f.h2);
    let r = this.memo.get(k);
    if (!r) {
      r = drainVec(f.engine, f.vec, f.h1, f.h2, this.design.drainBound ?? 400);
      this.drainsRun++;
      if (this.memo.size > 200_000) this.memo.clear();
      this.memo.set(k, r);
    }
    return r;
  }
}
