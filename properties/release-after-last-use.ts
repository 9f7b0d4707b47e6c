/**
 * release-after-last-use — I27 (R139): the compositor signals a commit's release (release point,
 * xshmfence idle fence, return fence, fenced_release) only once it no longer uses that buffer for that
 * commit: not while the commit is latched for the next flip, not while a plane still scans it out, and
 * not while a GPU job of the compositor still samples it (GPU composition). The last two are read from
 * the recorded accesses (ghost `access:<job>`: KMS scanouts and composite jobs, whose `.finished` fence
 * signals when the read is over), so a design cannot pass by keeping its own bookkeeping consistent.
 */
import { defineProperty } from './property.ts';
import { ctx, has, hasTag, idsOf, type World } from '../models/world.ts';
import { accessRecords } from '../models/userspace/buffer-sharing.ts';
import { commitsInUse, releaseSignaled } from '../models/display/present-view.ts';
import type { PresentClientContext } from '../models/display/present-client.ts';
import { bufId, type PresentConfig } from '../models/display/present-config.ts';
import { presentReleaseHandle } from '../models/display/present.ts';

/** A recorded read of a client buffer still in flight whose latest commit is already released, as a sentence. */
function releasedWhileRead(
  w: World,
  release: (client: string, buf: string, k: number) => string | null,
): string | null {
  for (const [job, r] of accessRecords(w)) {
    const f = `${job}.finished`;
    if (!has(w, f) || hasTag(w, f, 'signaled')) continue;
    for (const [buf, m] of r.acc) {
      if (m !== 'r') continue;
      const client = buf.slice(0, buf.lastIndexOf('.buf'));
      if (!idsOf(w, 'present_client').includes(client)) continue;
      const b = Number(buf.slice(buf.lastIndexOf('.buf') + 4));
      const k = ctx<PresentClientContext>(w, client).lastFrame[b];
      const h = k >= 0 && bufId(client, b) === buf ? release(client, buf, k) : null;
      if (h) return `${client}'s frame ${k} in ${buf} is released (${h}) while ${job} still reads it`;
    }
  }
  return null;
}

/** Some presented buffer's latest commit has been released (the moment a too-early release would show). */
function someRelease(w: World, cfg: PresentConfig | undefined): boolean {
  if (!cfg || typeof cfg.sync !== 'string') return false;
  for (const client of idsOf(w, 'present_client')) {
    const c = ctx<PresentClientContext>(w, client);
    for (const [b, k] of c.lastFrame.entries())
      if (k >= 0 && releaseSignaled(w, presentReleaseHandle(cfg, client, bufId(client, b), k))) return true;
  }
  return false;
}

export default defineProperty({
  name: 'release-after-last-use',
  kind: 'state',
  rules: ['I27', 'R139'],
  needs: ['compositor'],
  witness: { what: "a presented buffer's commit released", state: (w, cfg) => someRelease(w, cfg) },
  statement:
    "A commit's release is signalled only after the compositor's and the display's last use of its buffer, " +
    'scanout and GPU sampling included.',
  state: (w, cfg: PresentConfig | undefined) => {
    if (!idsOf(w, 'compositor').length) return null;
    for (const s of commitsInUse(w)) {
      if (releaseSignaled(w, s.release))
        return `${s.client}'s frame ${s.frame} in ${s.buf} is released (${s.release}) while the display still uses it`;
    }
    if (!cfg || typeof cfg.sync !== 'string') return null; // not a present design: no release handles to read
    return releasedWhileRead(w, (client, buf, k) => {
      const h = presentReleaseHandle(cfg, client, buf, k);
      return releaseSignaled(w, h) ? h : null;
    });
  },
});
