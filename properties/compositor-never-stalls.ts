/**
 * compositor-never-stalls — I26/I27 liveness of the display path (seed 000 display part; R133, R139,
 * R141): timing flows backwards from vblank, so no frame of the compositor may wait on a client.
 * Judged at every vblank, for the frame that vblank ends: the compositor must not be (or have been,
 * during that frame) waiting on a client's fence that was unsignalled when it started waiting, and
 * KMS must not be holding the flip on a client's unsignalled fence. Either is a vblank that one
 * client can make everyone miss; a wait-before-signal client (its acquire point not even
 * materialized) or a slow one is then enough.
 */
import { defineProperty } from './property.ts';
import { idsOf, ctx, stateOf } from '../models/world.ts';
import { acquireState, fenceClient } from '../models/display/present-view.ts';
import type { World } from '../models/world.ts';
import type { CompositorContext, Wait } from '../models/display/compositor.ts';
import type { DrmCrtcContext } from '../models/display/drm-crtc.ts';

/** 'tl:client0.buf1.tl@3' -> 'acquire point 3 of client0.buf1.tl'. */
function describeHandle(h: string): string {
  if (h.startsWith('tl:')) {
    const at = h.lastIndexOf('@');
    return `acquire point ${h.slice(at + 1)} of ${h.slice(3, at)}`;
  }
  if (h.endsWith('.resv')) return `implicit WRITE fences of ${h.slice(0, -5)}`;
  return `fence ${h}`;
}

function describeWait(x: Wait): string {
  return `${x.client}'s ${describeHandle(x.on)}`;
}

function clientFences(w: World, fences: string[]): string[] {
  return fences.filter((f) => fenceClient(w, f) !== null);
}

/** A vblank at which a committed client frame was not ready (the compositor or KMS could have waited on it). */
function vblankWithUnreadyFrame(before: World, after: World): boolean {
  for (const crtc of idsOf(after, 'drm_crtc')) {
    const kb = ctx<DrmCrtcContext>(before, crtc);
    if (ctx<DrmCrtcContext>(after, crtc).vblanks === kb.vblanks) continue;
    if (kb.pending && clientFences(before, kb.pending.waiting).length) return true;
    for (const comp of idsOf(before, 'compositor')) {
      const c = ctx<CompositorContext>(before, comp);
      const held = [...Object.values(c.queue).flat(), ...Object.values(c.latched)];
      if (held.some((s) => acquireState(before, s) === 'pending' || acquireState(before, s) === 'unmaterialized'))
        return true;
    }
  }
  return false;
}

export default defineProperty({
  name: 'compositor-never-stalls',
  kind: 'step',
  rules: ['I26', 'I27', 'R133', 'R139', 'R141'],
  needs: ['compositor'],
  witness: {
    what: 'a vblank with a committed client frame not ready (the compositor or KMS could wait on it)',
    step: (before, _a, after) => vblankWithUnreadyFrame(before, after),
  },
  statement:
    "No frame of the compositor waits on a client's unsignalled fence: at every vblank, the frame it ends neither " +
    'had the compositor waiting on a client nor had KMS holding the flip on a client fence.',
  step: (before, _a, after) => {
    for (const crtc of idsOf(after, 'drm_crtc')) {
      const kb = ctx<DrmCrtcContext>(before, crtc),
        ka = ctx<DrmCrtcContext>(after, crtc);
      if (ka.vblanks === kb.vblanks) continue;
      for (const comp of idsOf(before, 'compositor')) {
        const c = ctx<CompositorContext>(before, comp);
        if (stateOf(before, comp) === 'stalled' && c.stall) {
          return (
            `vblank ${ka.vblanks} passed with no new frame: ${comp} is still waiting since compositor_paint ` +
            `(frame ${c.stall.frame}) on ${describeWait(c.stall)}, which is unsignalled; one client made the whole ` +
            `frame miss`
          );
        }
        if (c.waited && c.waited.frame === ka.vblanks) {
          return (
            `frame for vblank ${ka.vblanks}: ${comp} waited at compositor_paint on ${describeWait(c.waited)} ` +
            `while it was unsignalled`
          );
        }
      }
      const held = kb.pending ? clientFences(before, kb.pending.waiting) : [];
      if (held.length && ka.flips === kb.flips) {
        return (
          `vblank ${ka.vblanks} passed with no flip: KMS holds commit ${kb.pending!.seq} on ` +
          `${held.map((f) => `${fenceClient(before, f)}'s ${f}`).join(', ')} (R133)`
        );
      }
    }
    return null;
  },
});
