/**
 * What a property is. Three shapes (shared/design/architecture.md):
 * - state: a predicate on one world state;
 * - step: a predicate on (before, action, after);
 * - drain: bounded liveness. From a state, userspace stops and only kernel, GPU and timer steps run
 *   under the engine's fair schedule (the least recently taken enabled step goes next; faults such as
 *   hangs and crashes never happen in a drain). The property judges where the drain settled, or that it
 *   did not settle within the design's drain bound (livelock).
 * A check returns null when the property holds, or one sentence naming the offending objects.
 * Properties read worlds; they never send events (the World type is readonly).
 */
import type { World } from '../models/world.ts';
import type { Design } from '../models/design.ts';

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

export interface Property {
  name: string;
  kind: 'state' | 'step' | 'drain';
  /** Rule, invariant and hazard ids from shared/reference/kernel-sync-semantics.md. */
  rules: string[];
  /** One paragraph: what must hold, in contract form. */
  statement: string;
  /** Which designs it applies to (default: every design that declares an expectation for it). */
  appliesTo?: (d: Design) => boolean;
  state?: (w: World, cfg: any) => string | null;
  step?: (before: World, a: ActionInfo, after: World, cfg: any) => string | null;
  drain?: (from: World, r: DrainResult, cfg: any) => string | null;
}

export function defineProperty(p: Property): Property {
  return p;
}
