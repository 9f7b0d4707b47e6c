/**
 * The drain: bounded liveness (architecture.md "Properties, three shapes"). From a world, userspace
 * stops; only kernel, gpu and timer steps run, and no new faults happen. Fairness: at each step the
 * enabled action taken least recently (by label; never taken counts as oldest) goes next, ties broken
 * by the design's step order. So every continuously enabled action is taken within as many steps as
 * there are enabled actions: timeouts fire, hangs are detected, resets run. Deterministic.
 */
import type { Design } from '../../models/design.ts';
import type { World } from '../../models/world.ts';
import type { DrainResult } from '../../properties/property.ts';
import { enabledActions } from '../world/steps.ts';

const drainRoles = (r: string) => r === 'kernel' || r === 'gpu' || r === 'timer';

export function drain(d: Design, cfg: unknown, w: World, bound = d.drainBound ?? 400): DrainResult {
  const last = new Map<string, number>();
  const labels: string[] = [];
  for (let i = 0; i < bound; i++) {
    const acts = enabledActions(d, cfg, w, drainRoles);
    if (!acts.length) return { settled: w, steps: i, labels, bound };
    let best = acts[0];
    let bestAt = last.get(best.label) ?? -1;
    for (const a of acts) {
      const at = last.get(a.label) ?? -1;
      if (at < bestAt) { best = a; bestAt = at; }
    }
    last.set(best.label, i);
    labels.push(best.label);
    w = best.next;
  }
  return { settled: null, steps: bound, labels, bound };
}
