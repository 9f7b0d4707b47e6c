/**
 * Property evaluation shared by both explorers and replay: state and drain properties on every reached
 * state, step properties on every transition. Drains are memoized by world fingerprint.
 *
 * Terminal properties (a state property marked `terminal: true`, e.g. no-deadlock) are evaluated only
 * at states where no action is enabled, and receive the design as a third argument. The explorers pass
 * the number of enabled actions they computed anyway; other callers get it computed here.
 */
import type { Design } from '../models/design.ts';
import type { World } from '../models/world.ts';
import type { Property, DrainResult } from '../properties/property.ts';
import type { Action } from './world/steps.ts';
import { enabledActions } from './world/steps.ts';
import { drainVec, engineFor } from './explore/drain.ts';
import { fpKey, type FastEngine } from './world/fast.ts';

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
  private memo = new Map<string | number, DrainResult>();
  drainsRun = 0;

  constructor(readonly design: Design, readonly cfg: unknown, props: Property[]) {
    this.state = props.filter((p) => p.kind === 'state' && !isTerminal(p));
    this.terminal = props.filter(isTerminal);
    this.step = props.filter((p) => p.kind === 'step');
    this.drains = props.filter((p) => p.kind === 'drain');
  }

  /** Does evaluating `only` at a state need the World (anything but terminal properties)? */
  needsWorld(only?: Set<string>): boolean {
    const has = (ps: Property[]) => ps.some((p) => !only || only.has(p.name));
    return has(this.state) || has(this.drains);
  }
  needsSteps(only?: Set<string>): boolean {
    return this.step.some((p) => !only || only.has(p.name));
  }
  /** Every property still looked for is terminal (partial-order reduction preserves them). */
  onlyTerminal(only?: Set<string>): boolean {
    return !this.needsWorld(only) && !this.needsSteps(only);
  }

  /**
   * State, terminal and drain properties at `w`; `only` restricts to properties still looked for;
   * `key` is the drain memo key; `enabled` the number of enabled actions (computed if omitted and a
   * terminal property needs it); `fast` lets the drain run on the fast engine.
   */
  atState(w: World | (() => World), only?: Set<string>, key?: string | number, enabled?: number, fast?: FastState): Finding[] {
    const out: Finding[] = [];
    let world: World | undefined = typeof w === 'function' ? undefined : w;
    const W = () => (world ??= (w as () => World)());
    for (const p of this.state) {
      if (only && !only.has(p.name)) continue;
      const m = p.state!(W(), this.cfg);
      if (m) out.push({ property: p.name, message: m });
    }
    const ts = only ? this.terminal.filter((p) => only.has(p.name)) : this.terminal;
    if (ts.length) {
      const n = enabled ?? enabledActions(this.design, this.cfg, W()).length;
      if (n === 0) {
        for (const p of ts) {
          const m = (p.state as (w: World, cfg: unknown, env: { design: Design }) => string | null)(W(), this.cfg, { design: this.design });
          if (m) out.push({ property: p.name, message: m });
        }
      }
    }
    const ds = only ? this.drains.filter((p) => only.has(p.name)) : this.drains;
    if (ds.length) {
      const r = this.drainFrom(W, key, fast);
      for (const p of ds) {
        const m = p.drain!(W(), r, this.cfg);
        if (m) out.push({ property: p.name, message: m, drain: r.labels });
      }
    }
    return out;
  }

  atStep(before: World, a: Action, only?: Set<string>): Finding[] {
    const out: Finding[] = [];
    for (const p of this.step) {
      if (only && !only.has(p.name)) continue;
      const m = p.step!(before, { step: a.step.name, args: a.args, label: a.label, role: a.step.role }, a.next, this.cfg);
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
