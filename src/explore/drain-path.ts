/**
 * What a drain property adds to be decided on the state graph (its graph form), and the judgment of a
 * drain path written out in a trace: a carried obligation's counterexample ends with the kernel, GPU and
 * timer steps of the drain that fails (liveness.ts finds them; replay, minimize and explain judge them).
 */
import type { Design } from '../../models/design.ts';
import type { World } from '../../models/world.ts';
import { DRAIN_ROLES, type Property } from '../../properties/property.ts';
import { enabledActions, type Action } from '../world/steps.ts';

/** What a drain property adds to be decided on the state graph (properties declare it structurally). */
export interface GraphLiveness {
  /** Obligations open at `w` (ids): a weakly fair drain cycle keeping one open forever is a violation. */
  unmet: (w: World, cfg: any) => string[];
  /** The part of the drain judgment that reads only the starting state, judged at every reachable state. */
  always?: (w: World, cfg: any) => string | null;
  /** The violation sentence for a cycle that keeps `open` unmet (default: a generic one). */
  cycle?: (open: string[]) => string;
  /**
   * Obligations that depend on where a drain starts (path-dependent): `from(w)`, the ids a drain from w
   * takes on; `met(w)`, the ids met at w. No drain path from a reachable w may end in a state with no
   * drain edge where one of from(w) is not met (the sentence: the property's drain judgment from w), nor
   * reach a weakly fair cycle along which one stays unmet (the sentence: `cycle`).
   */
  carried?: { from: (w: World, cfg: any) => string[]; met: (w: World, cfg: any) => string[]; cycle: Cycle };
}
type Cycle = (open: string[]) => string;

/** The graph form of a drain property, or null (then the drain decides it). */
export function graphLiveness(p: Property): GraphLiveness | null {
  return p.kind === 'drain' ? ((p as Property & { graph?: GraphLiveness }).graph ?? null) : null;
}

const drainSet = new Set<string>(DRAIN_ROLES);
export const isDrainRole = (r: string): boolean => drainSet.has(r);

/** Where a trace's trailing run of drain steps starts (every state from there is a drain's start). */
export function drainRunStart(acts: readonly Action[], end: number): number {
  let k = end;
  while (k > 0 && isDrainRole(acts[k - 1].step.role)) k--;
  return k;
}

/**
 * A finite trace ending where no drain step is enabled, judged as the drains from the states of its
 * trailing run of drain steps would be had they followed it (the first that fails): what a carried
 * obligation's counterexample shows. The sentence, or null.
 */
export function drainPathJudgment(
  p: Property,
  cfg: unknown,
  worlds: readonly World[],
  acts: readonly Action[],
  bound: number,
) {
  return drainPathAt(p, cfg, worlds, acts, bound)?.message ?? null;
}

function drainPathAt(p: Property, cfg: unknown, worlds: readonly World[], acts: readonly Action[], bound: number) {
  const end = worlds[worlds.length - 1];
  for (let at = drainRunStart(acts, acts.length); at < acts.length; at++) {
    const labels = acts.slice(at).map((a) => a.label);
    const message = p.drain!(worlds[at], { settled: end, steps: labels.length, labels, bound }, cfg);
    if (message) return { at, message };
  }
  return null;
}

/**
 * Replay's judgment of a finite trace for a drain property with carried obligations, where the drain
 * from its end finds nothing: the end must be stuck (no drain step enabled) and a drain from a state of
 * the trailing run of drain steps, along the trace, must fail there. The sentence and that state (the
 * number of actions before it), or null.
 */
export function judgeDrainPath(
  d: Design,
  cfg: unknown,
  p: Property,
  w0: World,
  acts: readonly Action[],
): { at: number; message: string } | null {
  if (!graphLiveness(p)?.carried || !acts.length) return null;
  const worlds = [w0, ...acts.map((a) => a.next)];
  if (enabledActions(d, cfg, worlds[worlds.length - 1], isDrainRole).length) return null;
  return drainPathAt(p, cfg, worlds, acts, d.drainBound ?? 400);
}
