/**
 * The one place moves are enumerated: `enabledActions` walks a design's flat step table (TLA+'s Next)
 * in declaration order, each step's arguments in the order its `params` gives, and keeps those whose
 * enabling condition holds and whose effect the machines accept. Both explorers and the drain use it.
 */
import type { Design, Role, StepDef, Args } from '../../models/design.ts';
import type { World } from '../../models/world.ts';

export interface Action {
  step: StepDef;
  args: Args;
  label: string;
  next: World;
}

/** A step's effect refused where its enabling condition held (TLA+: an action is its guard and its effect). */
export const REFUSED = '`enabled` held but the effect was refused (a machine said no): the enabling condition is wrong';

const lists = new WeakMap<object, StepDef[]>();
/** A design's steps in table order (the order every enumeration uses). */
export function stepsOf(d: Design): StepDef[] {
  let l = lists.get(d.steps);
  if (!l) {
    l = Object.values(d.steps);
    lists.set(d.steps, l);
  }
  return l;
}

/** The step with this key, or undefined. */
export function stepByKey(d: Design, key: string): StepDef | undefined {
  return Object.hasOwn(d.steps, key) ? d.steps[key] : undefined;
}

export function labelOf(name: string, args: readonly unknown[]): string {
  return `${name}(${args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(', ')})`;
}

/** Enabled actions of `w`, optionally only those whose role passes `roles`. Stable order. */
export function enabledActions(d: Design, cfg: unknown, w: World, roles?: (r: Role) => boolean): Action[] {
  const out: Action[] = [];
  for (const st of stepsOf(d)) {
    if (roles && !roles(st.role)) continue;
    const argss = st.params ? st.params(w, cfg) : [[]];
    for (const args of argss) {
      let next: World;
      try {
        if (!st.enabled(w, args, cfg)) continue;
        next = st.apply(w, args, cfg);
        if (!next) throw new Error(REFUSED);
      } catch (e) {
        throw new Error(`${d.name}: model error in ${labelOf(st.name, args)}: ${(e as Error).message}`);
      }
      out.push({ step: st, args, label: labelOf(st.name, args), next });
    }
  }
  return out;
}

/** The enabled action with this step name and arguments, or undefined. */
export function findAction(
  d: Design,
  cfg: unknown,
  w: World,
  step: string,
  args: readonly unknown[],
): Action | undefined {
  const want = JSON.stringify(args);
  const st = stepByKey(d, step);
  if (!st) return undefined;
  return enabledActions(d, cfg, w, (r) => r === st.role).find(
    (a) => a.step.name === step && JSON.stringify(a.args) === want,
  );
}
