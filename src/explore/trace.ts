/** A counterexample as the explorers produce it: the actions by name and arguments, and what broke. */
import type { Json } from '../../models/world.ts';
import type { Design } from '../../models/design.ts';
import type { World } from '../../models/world.ts';
import { actionInfo, type Checker, type Finding } from '../check.ts';
import { enabledActions, findAction, type Action } from '../world/steps.ts';
import { graphLiveness, judgeDrainPath } from './drain-path.ts';

export interface TraceStep {
  step: string;
  args: Json[];
  label: string;
}

export interface Found {
  property: string;
  message: string;
  actions: TraceStep[];
  drain?: string[];
  /**
   * A lasso (liveness on the state graph, src/explore/liveness.ts): `actions[loop..]` is a cycle that
   * returns to the state after `actions[loop - 1]` and repeats forever. Absent: a finite trace.
   */
  loop?: number;
  /** Exhaustive: distinct states seen and ms spent when it was found (for the bench). */
  atStates?: number;
  atMs?: number;
}

export const toTraceStep = (a: Action): TraceStep => ({ step: a.step.name, args: a.args as Json[], label: a.label });

/**
 * Re-run `actions` from the initial world, checking `prop` after every step (monitors' states carried
 * from the initial world, so a monitor's violation is found where its count runs out). Returns the index of the
 * first step after which `prop` is violated (-1 = at the initial state), with the finding, or null if
 * an action is not enabled or the property never breaks.
 */
export function firstViolation(
  d: Design,
  cfg: unknown,
  checker: Checker,
  actions: TraceStep[],
  prop: string,
): { at: number; finding: Finding } | null {
  const only = new Set([prop]);
  const w0: World = d.init(cfg);
  let w = w0;
  let ms = checker.monitorInit(w);
  const f0 = checker.atState(w, only, undefined, undefined, undefined, ms);
  if (f0.length) return { at: -1, finding: f0[0] };
  // a drain property with carried obligations also breaks where the trace's drain steps settle
  // (src/explore/liveness.ts): judged as replay judges it
  const carried = checker.drains.find((p) => p.name === prop && graphLiveness(p)?.carried) ?? null;
  const acts: Action[] = [];
  for (let i = 0; i < actions.length; i++) {
    const a = findAction(d, cfg, w, actions[i].step, actions[i].args);
    if (!a) return null;
    acts.push(a);
    const f = checker.atStep(w, a, only);
    if (checker.monitors.length && checker.monitored(a.step)) {
      const r = checker.monitorStep(ms, w, actionInfo(a.step, a.args, a.label), a.next, only);
      f.push(...r.found);
      ms = r.states;
    }
    f.push(...checker.atState(a.next, only, undefined, undefined, undefined, ms));
    if (!f.length && carried) {
      const m = judgeDrainPath(d, cfg, carried, w0, acts);
      if (m) f.push({ property: prop, message: m.message });
    }
    if (f.length) return { at: i, finding: f[0] };
    w = a.next;
  }
  return null;
}

/**
 * Label-level minimisation after fast-check's shrink: cut the trace at its first violation, then try
 * dropping each action (latest first) while the property still breaks. Greedy, so 1-minimal: no single
 * action can be removed.
 */
export function minimize(d: Design, cfg: unknown, checker: Checker, found: Found): Found {
  let actions = found.actions;
  const v = firstViolation(d, cfg, checker, actions, found.property);
  if (!v) return found;
  actions = actions.slice(0, v.at + 1);
  let best = v;
  // One pass drops, from the end, every action the violation does not need, and goes on below it (the
  // actions before i are unchanged); passes repeat until one drops nothing, so the result is 1-minimal.
  // Restarting from the end after each drop instead made a 200-step random trace cost minutes.
  for (let changed = true; changed; ) {
    changed = false;
    for (let i = actions.length - 1; i >= 0; i--) {
      if (i >= actions.length) continue;
      const cand = [...actions.slice(0, i), ...actions.slice(i + 1)];
      const r = firstViolation(d, cfg, checker, cand, found.property);
      if (r) {
        actions = cand.slice(0, r.at + 1);
        best = r;
        changed = true;
      }
    }
  }
  return { property: found.property, message: best.finding.message, actions, drain: best.finding.drain };
}

/** Follow fast-check choices: at each step take enabled action (choice mod count). */
export function choicesToActions(d: Design, cfg: unknown, choices: number[]): Action[] {
  let w: World = d.init(cfg);
  const out: Action[] = [];
  for (const c of choices) {
    const acts = enabledActions(d, cfg, w);
    if (!acts.length) break;
    const a = acts[c % acts.length];
    out.push(a);
    w = a.next;
  }
  return out;
}
