/**
 * scanout-not-written — I26/I27 (R133, R139): a buffer that is scanned out, or latched for the next
 * flip, is never written: no render job for another frame may be executing into it. The client may
 * write a buffer only after its release (R139: "after release ... the client may reuse it"), and
 * the compositor may release only after its last use, so a write while the buffer is on screen is the
 * visible tearing/corruption of an early release.
 */
import { defineProperty } from './property.ts';
import { ctx, idsOf, type World } from '../models/world.ts';
import type { PresentClientContext } from '../models/display/present-client.ts';
import { commitsInUse, writesInFlight } from '../models/display/present-view.ts';

/**
 * A client's render is executing while the display holds another of its commits: the situation in which
 * writing the wrong buffer (one not yet released) would show (R139).
 */
function renderWhileShown(w: World): boolean {
  const inUse = commitsInUse(w);
  for (const client of idsOf(w, 'present_client')) {
    if (!inUse.some((s) => s.client === client)) continue;
    const n = ctx<PresentClientContext>(w, client).buffers;
    for (let b = 0; b < n; b++) if (writesInFlight(w, client, b).length) return true;
  }
  return false;
}

export default defineProperty({
  name: 'scanout-not-written',
  kind: 'state',
  rules: ['I26', 'I27', 'R133', 'R139'],
  needs: ['compositor'],
  witness: {
    what: "a client's render executing while the display holds another of its commits",
    state: renderWhileShown,
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
