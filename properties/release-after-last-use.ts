/**
 * release-after-last-use — I27 (R139): the compositor signals a commit's release (release point,
 * xshmfence idle fence, return fence) only once it no longer uses that buffer for that commit: not
 * while the commit is latched for the next flip, and not while a plane still scans it out.
 */
import { defineProperty } from './property.ts';
import { idsOf } from '../models/world.ts';
import { commitsInUse, releaseSignaled } from '../models/display/present-view.ts';

export default defineProperty({
  name: 'release-after-last-use',
  kind: 'state',
  rules: ['I27', 'R139'],
  statement: "A commit's release is signalled only after the compositor's and the display's last use of its buffer.",
  state: (w) => {
    if (!idsOf(w, 'compositor').length) return null;
    for (const s of commitsInUse(w)) {
      if (releaseSignaled(w, s.release))
        return `${s.client}'s frame ${s.frame} in ${s.buf} is released (${s.release}) while the display still uses it`;
    }
    return null;
  },
});
