/**
 * A saved trace's model digest: a hash of what the model DOES along the trace, not of its source text.
 * It covers the design, the property's name, the config values, and at every state of the trace the
 * world image and the labels of the enabled actions (so a changed guard elsewhere in the design, seen
 * from these states, counts). Comments, reformatting, moved files and changes the trace never reaches
 * leave it alone; hashing the source files of the design and everything it imports (as before) flagged
 * every trace as "model changed" after any edit under models/, so the note meant nothing (issue 10.8).
 */
import { createHash } from 'node:crypto';
import type { Design } from '../../models/design.ts';
import { worldImage } from '../../models/world.ts';
import { enabledActions, findAction } from '../world/steps.ts';

export function traceDigest(
  d: Design,
  cfg: unknown,
  property: string,
  actions: readonly { step: string; args: readonly unknown[] }[],
): string {
  const h = createHash('sha256');
  h.update(JSON.stringify([d.name, property, cfg]));
  let w = d.init(cfg);
  const visit = () => {
    h.update(JSON.stringify(worldImage(w)));
    h.update(JSON.stringify(enabledActions(d, cfg, w).map((a) => a.label)));
  };
  visit();
  for (const [i, a] of actions.entries()) {
    const act = findAction(d, cfg, w, a.step, a.args);
    if (!act) {
      h.update(`not enabled at ${i + 1}`);
      break;
    }
    w = act.next;
    visit();
  }
  return h.digest('hex').slice(0, 16);
}
