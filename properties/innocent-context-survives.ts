/**
 * innocent-context-survives — R20 ("ideally recovery affects only the offending context"), seed 001
 * "Userspace can't trust us: ... the timeout kills a context that did nothing wrong". A GPU context or
 * user-mode queue is killed or reset only if it did something wrong itself (ghost `culprit`: it hung,
 * or its commands were malformed). Killing one whose work was merely waiting on a cycle the kernel
 * closed, or on a producer, is a violation.
 */
import { defineProperty } from './property.ts';
import { ctx } from '../models/world.ts';

/** What a killable context (gpu_context, user_mode_queue) records: `culprit` is a ghost for this property. */
interface KillableContext {
  culprit?: boolean;
  killedBy?: string;
  error?: number;
  proc?: string;
}

export default defineProperty({
  name: 'innocent-context-survives',
  kind: 'state',
  rules: ['R20', 'I22'],
  statement: 'A context that did nothing wrong is never killed or reset.',
  state: (w) => {
    for (const id of Object.keys(w.o).sort()) {
      const s = w.o[id];
      if (!s.hasTag('killed')) continue;
      const c = ctx<KillableContext>(w, id);
      if (c.culprit) continue;
      if (c.proc && w.o[c.proc]?.hasTag('crashed')) continue;
      return `${id} was killed by ${c.killedBy || '?'} (error ${c.error}) but did nothing wrong (R20, seed 001)`;
    }
    return null;
  },
});
