/**
 * displayed-content-complete — I26 first clause (R131-R133; seed 004 "it will probably work anyway
 * thanks to implicit sync"): the display never scans out a buffer whose content is not finished. At
 * every flip, each plane the flip puts a framebuffer on shows finished content: no recorded write to
 * that buffer (a client's render, the compositor's composition: ghost `access:<job>`,
 * models/userspace/buffer-sharing.ts) still executing, and no frame presented into it (wait-before-
 * signal, R145) whose render was not even submitted.
 *
 * Judged on what the display shows, not on how a design orders it: KMS waiting on an IN_FENCE_FD
 * (R131, R133), prepare_fb's implicit WRITE fences (R132), or a compositor that waits itself all pass;
 * a compositor that hands KMS a buffer with neither (present-forgotten-in-fence) fails. No machine
 * guard may make that bug unrepresentable: KMS flips whatever its commit tail was told to wait for.
 */
import { defineProperty } from './property.ts';
import { ctx, has, hasTag, idsOf, type World } from '../models/world.ts';
import { accessRecords } from '../models/userspace/buffer-sharing.ts';
import type { DrmCrtcContext } from '../models/display/drm-crtc.ts';
import type { CompositorContext } from '../models/display/compositor.ts';
import type { PresentClientContext } from '../models/display/present-client.ts';

/** Why `fb`'s content is not finished now, or null: a write still executing, or a presented frame not rendered. */
function incomplete(w: World, fb: string): string | null {
  for (const [job, r] of accessRecords(w)) {
    if (!r.acc.some(([bo, m]) => bo === fb && m === 'w')) continue;
    const f = `${job}.finished`;
    if (has(w, f) && !hasTag(w, f, 'signaled')) return `${job} is still writing it (${f} unsignalled)`;
  }
  for (const client of idsOf(w, 'present_client')) {
    const c = ctx<PresentClientContext>(w, client);
    if (c.cur?.presented && !c.cur.rendered && fb === `${client}.buf${c.cur.buf}`)
      return `frame ${c.cur.frame} of ${client} was presented into it before its render was submitted (R145)`;
  }
  return null;
}

/** Buffers handed to the display path (queued, latched or in KMS's pending commit) whose content is unfinished. */
function handedEarly(w: World): boolean {
  for (const crtc of idsOf(w, 'drm_crtc')) {
    const p = ctx<DrmCrtcContext>(w, crtc).pending;
    if (p && Object.values(p.planes).some((fb) => fb !== '' && incomplete(w, fb))) return true;
  }
  for (const comp of idsOf(w, 'compositor')) {
    const c = ctx<CompositorContext>(w, comp);
    const held = [...Object.values(c.queue).flat(), ...Object.values(c.latched)];
    if (held.some((s) => incomplete(w, s.buf))) return true;
  }
  return false;
}

export default defineProperty({
  name: 'displayed-content-complete',
  kind: 'step',
  rules: ['I26', 'R131', 'R132', 'R133', 'R145'],
  statement:
    'At every flip, each framebuffer put on a plane has finished content: no write to it still executing and no ' +
    'frame presented into it unrendered.',
  needs: ['drm_crtc'],
  witness: { what: 'a buffer handed to the display before its content finished', state: handedEarly },
  step: (before, a, after) => {
    for (const crtc of idsOf(after, 'drm_crtc')) {
      if (!has(before, crtc)) continue;
      const p = ctx<DrmCrtcContext>(before, crtc).pending;
      if (!p || ctx<DrmCrtcContext>(after, crtc).flips === ctx<DrmCrtcContext>(before, crtc).flips) continue;
      for (const [plane, fb] of Object.entries(p.planes)) {
        if (fb === '') continue;
        const why = incomplete(after, fb);
        if (why) return `${crtc} flipped ${fb} onto ${plane} at ${a.label} (commit ${p.seq}), but ${why} (I26)`;
      }
    }
    return null;
  },
});
