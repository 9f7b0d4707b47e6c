/**
 * Seeded-bug class (d) of issue 14: "a wp_linux_drm_syncobj protocol error no longer puts the surface in
 * its error state". No design makes an invalid commit (clients follow the protocol), so a property test
 * does the catching: random request sequences against an oracle of R138 written from the protocol
 * (linux-drm-syncobj-v1.xml), independent of the machine's own check. A protocol error is fatal: the
 * surface then refuses every request. The mutant (the error transition without its target) must fail.
 */
import fc from 'fast-check';
import { createMachine, type AnyStateMachine } from 'xstate';
import { describe, expect, test } from 'vitest';
import { wpLinuxDrmSyncobjSurfaceMachine } from '../../models/display/wp-linux-drm-syncobj-surface.ts';
import { emptyWorld, rawTransition, spawn, type Ev } from '../../models/world.ts';

type Point = { timeline: string; point: number };
type Req =
  | {
      type: 'WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_SET_ACQUIRE_POINT' | 'WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_SET_RELEASE_POINT';
      timeline: string;
      point: number;
    }
  | { type: 'WL_SURFACE_ATTACH'; buf: string; frame: number; explicitSync: boolean }
  | { type: 'WL_SURFACE_COMMIT' };

const point = fc.record({ timeline: fc.constantFrom('tA', 'tB'), point: fc.integer({ min: 0, max: 3 }) });
const req: fc.Arbitrary<Req> = fc.oneof(
  point.map((p) => ({ type: 'WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_SET_ACQUIRE_POINT' as const, ...p })),
  point.map((p) => ({ type: 'WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_SET_RELEASE_POINT' as const, ...p })),
  fc
    .record({ buf: fc.constantFrom('b0', 'b1'), explicitSync: fc.boolean() })
    .map((a) => ({ type: 'WL_SURFACE_ATTACH' as const, frame: 0, ...a })),
  fc.constant({ type: 'WL_SURFACE_COMMIT' as const }),
);

/** R138 from the protocol text: the error a commit raises given the pending state, or ''. */
function oracle(p: { acquire: Point | null; release: Point | null; buffer: string; explicit: boolean }): string {
  if (!p.buffer) return p.acquire || p.release ? 'no_buffer' : '';
  if (!p.explicit) return 'unsupported_buffer';
  if (!p.acquire) return 'no_acquire_point';
  if (!p.release) return 'no_release_point';
  if (p.acquire.timeline === p.release.timeline && p.acquire.point >= p.release.point) return 'conflicting_points';
  return '';
}

/** Run the requests on `machine`; the first disagreement with the oracle, as a sentence, or null. */
function disagreement(machine: AnyStateMachine, reqs: Req[]): string | null {
  let s = spawn(emptyWorld, 's', machine, { client: 'c', compositor: 'comp' }).o.s;
  let pending = { acquire: null as Point | null, release: null as Point | null, buffer: '', explicit: false };
  let dead = '';
  for (const [i, r] of reqs.entries()) {
    const { next, deliver } = rawTransition(s, r as unknown as Ev);
    const refused = next === s && deliver.length === 0;
    if (dead) {
      if (!refused) return `request ${i + 1} (${r.type}) accepted after the protocol error ${dead}`;
      continue;
    }
    if (r.type === 'WL_SURFACE_COMMIT') {
      const e = oracle(pending);
      if (e) {
        const c = next.context as { error: string };
        if (next.value !== 'error' || c.error !== e) {
          const now = `${JSON.stringify(next.value)} (error '${c.error}')`;
          return `commit ${i + 1}: expected protocol error ${e}, the surface is ${now}`;
        }
        dead = e;
      } else if (next.value !== 'active')
        return `commit ${i + 1}: a valid commit left the surface ${JSON.stringify(next.value)}`;
      pending = { acquire: null, release: null, buffer: '', explicit: false };
    } else if (r.type === 'WL_SURFACE_ATTACH') pending = { ...pending, buffer: r.buf, explicit: r.explicitSync };
    else if (r.type === 'WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_SET_ACQUIRE_POINT')
      pending = { ...pending, acquire: { timeline: r.timeline, point: r.point } };
    else pending = { ...pending, release: { timeline: r.timeline, point: r.point } };
    s = next;
  }
  return null;
}

/** The seeded bug: the R138 error transition keeps the surface active (no `target: 'error'`). */
function mutant(): AnyStateMachine {
  const config = wpLinuxDrmSyncobjSurfaceMachine.config as any;
  const active = config.states.active;
  const [valid, { target: _dropped, ...error }] = active.on.WL_SURFACE_COMMIT;
  const on = { ...active.on, WL_SURFACE_COMMIT: [valid, error] };
  const broken = { ...config, states: { ...config.states, active: { ...active, on } } };
  return createMachine(broken).provide(wpLinuxDrmSyncobjSurfaceMachine.implementations as any);
}

describe('wp_linux_drm_syncobj_surface_v1 protocol errors (R138)', () => {
  test('every request sequence agrees with the protocol: errors are raised and fatal', () => {
    fc.assert(
      fc.property(
        fc.array(req, { maxLength: 12 }),
        (reqs) => disagreement(wpLinuxDrmSyncobjSurfaceMachine, reqs) === null,
      ),
    );
  });
  test('the seeded bug (a protocol error leaves the surface active) is caught', () => {
    const m = mutant();
    const r = fc.check(
      fc.property(fc.array(req, { maxLength: 12 }), (reqs) => disagreement(m, reqs) === null),
      { seed: 1 },
    );
    expect(r.failed).toBe(true);
    // the failure is the protocol disagreement itself (the mutant is built outside the property, so an
    // error building it would throw here rather than count as a failed run)
    expect(disagreement(m, r.counterexample![0])).toMatch(/expected protocol error \w+, the surface is "active"/);
  });
});
