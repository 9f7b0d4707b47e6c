/**
 * Property evaluation shared by both explorers and replay: state and drain properties on every reached
 * state, step properties on every transition. Drains are memoized by world key.
 */
import type { Design } from '../models/design.ts';
import type { World } from '../models/world.ts';
import { worldKey } from '../models/world.ts';
import type { Property, DrainResult } from '../properties/property.ts';
import type { Action } from './world/steps.ts';
import { drain } from './explore/drain.ts';

export interface Finding {
  property: string;
  message: string;
  /** Drain properties: the drain's steps from the violating state. */
  drain?: string[];
}

export class Checker {
  readonly state: Property[];
  readonly step: Property[];
  readonly drains: Property[];
  private memo = new Map<string, DrainResult>();
  drainsRun = 0;

  constructor(readonly design: Design, readonly cfg: unknown, props: Property[]) {
    this.state = props.filter((p) => p.kind === 'state');
    this.step = props.filter((p) => p.kind === 'step');
    this.drains = props.filter((p) => p.kind === 'drain');
  }

  /** State and drain properties at `w`; `only` restricts to properties still being looked for. */
  atState(w: World, only?: Set<string>, key?: string): Finding[] {
    const out: Finding[] = [];
    for (const p of this.state) {
      if (only && !only.has(p.name)) continue;
      const m = p.state!(w, this.cfg);
      if (m) out.push({ property: p.name, message: m });
    }
    const ds = only ? this.drains.filter((p) => only.has(p.name)) : this.drains;
    if (ds.length) {
      const r = this.drainFrom(w, key);
      for (const p of ds) {
        const m = p.drain!(w, r, this.cfg);
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

  drainFrom(w: World, key?: string): DrainResult {
    const k = key ?? worldKey(w);
    let r = this.memo.get(k);
    if (!r) {
      r = drain(this.design, this.cfg, w);
      this.drainsRun++;
      if (this.memo.size > 200_000) this.memo.clear();
      this.memo.set(k, r);
    }
    return r;
  }
}
