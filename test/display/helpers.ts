/** Walk a design along named steps (as a saved trace does), failing loudly if one is not enabled. */
import type { Design, Args } from '../../models/design.ts';
import type { World } from '../../models/world.ts';
import { findAction, enabledActions } from '../../src/world/steps.ts';

export function walk<C>(d: Design<C>, cfg: C, path: [string, ...Args][], w: World = d.init(cfg)): World {
  for (const [name, ...args] of path) {
    const a = findAction(d as Design, cfg, w, name, args);
    if (!a)
      throw new Error(
        `${name}(${args.join(', ')}) not enabled; enabled: ${enabledActions(d as Design, cfg, w)
          .map((x) => x.label)
          .join(', ')}`,
      );
    w = a.next;
  }
  return w;
}

/** Run every non-fault step under the drain's fairness (least recently taken first) until none is enabled. */
export function fairRun<C>(d: Design<C>, cfg: C, bound = 500): World {
  let w = d.init(cfg);
  const last = new Map<string, number>();
  for (let i = 0; i < bound; i++) {
    const acts = enabledActions(d as Design, cfg, w, (r) => r !== 'fault');
    if (!acts.length) return w;
    let best = acts[0];
    for (const a of acts) if ((last.get(a.label) ?? -1) < (last.get(best.label) ?? -1)) best = a;
    last.set(best.label, i);
    w = best.next;
  }
  throw new Error('fair run did not finish');
}
