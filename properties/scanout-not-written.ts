/**
 * scanout-not-written — I26/I27 (R133, R139): a buffer that is scanned out, or latched for the next
 * flip, is never written: no render job for another frame may be executing into it. The client may
 * write a buffer only after its release (R139: "after release ... the client may reuse it"), and
 * the compositor may release only after its last use, so a write while the buffer is on screen is the
 * visible tearing/corruption of an early release.
 */
import { defineProperty } from './property.ts';
import { idsOf, type World } from '../models/world.ts';
import { accessRecords } from '../models/userspace/buffer-sharing.ts';
import { commitsInUse, writesInFlight } from '../models/display/present-view.ts';

/** A render into a buffer the display has scanned out before (a reused buffer): a write recorded at this step. */
function reusedBuffer(before: World, after: World): boolean {
  const recs = accessRecords(after);
  const scanned = new Set(recs.flatMap(([, r]) => (r.proc.includes('.plane') ? r.acc.map(([b]) => b) : [])));
  return recs.some(
    ([job, r]) => before.g[`access:${job}`] === undefined && r.acc.some(([b, m]) => m === 'w' && scanned.has(b)),
  );
}

export default defineProperty({
  name: 'scanout-not-written',
  kind: 'state',
  rules: ['I26', 'I27', 'R133', 'R139'],
  needs: ['compositor'],
  witness: {
    what: 'a render into a buffer that was scanned out before (a reused buffer)',
    step: (before, _a, after) => reusedBuffer(before, after),
  },
  statement:
    'No GPU job writes a buffer while it is displayed or latched for display, except the render of the very frame ' +
    'being displayed.',
  state: (w) => {
    if (!idsOf(w, 'compositor').length) return null;
    for (const s of commitsInUse(w)) {
      const b = Number(s.buf.slice(s.buf.lastIndexOf('buf') + 3));
      const other = writesInFlight(w, s.client, b).filter((k) => k !== s.frame);
      if (other.length)
        return `${s.buf} shows frame ${s.frame} of ${s.client} while the render of frame ${other[0]} writes into it`;
    }
    return null;
  },
});
