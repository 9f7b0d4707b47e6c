/**
 * drm_syncobj object rules that no other test pinned down, found by StrykerJS (stryker.config.mjs) on
 * models/drm-syncobj/drm-syncobj.ts: each test states the kernel behaviour with its rule id
 * (kernel-sync-semantics.md §1.9, §1.10; drivers/gpu/drm/drm_syncobj.c, include/uapi/drm/drm.h).
 */
import { describe, expect, test } from 'vitest';
import { ctx, emptyWorld, hasTag, kindOf, send, spawn, stateOf, type World } from '../../models/world.ts';
import { dmaFenceMachine } from '../../models/dma-buf/dma-fence.ts';
import { eventfdMachine, type EventfdContext } from '../../models/drm-syncobj/eventfd.ts';
import * as D from '../../models/drm-syncobj/drm-syncobj.ts';
import * as A from '../../models/drm-syncobj/drm-syncobj-api.ts';

const obj = (w: World, s = 's') => ctx<D.DrmSyncobjContext>(w, s);

function world(...fences: string[]): World {
  let w = A.drm_syncobj_create(emptyWorld, 's');
  for (const [i, f] of fences.entries()) w = spawn(w, f, dmaFenceMachine, { context: 10 + i, seqno: 1 });
  return w;
}

/** Every transition's description, as "state EVENT: text" (docs/model.md's rule map reads them). */
function descriptions(): string[] {
  const out: string[] = [];
  for (const [name, node] of Object.entries(D.drmSyncobjMachine().root.states))
    for (const [ev, ts] of node.transitions) for (const t of ts) out.push(`${name} ${ev}: ${t.description ?? ''}`);
  return out;
}

describe('drm_syncobj object (R70-R87)', () => {
  // The machine is built once per test file, by the first test that creates a syncobj
  // (models/drm-syncobj/drm-syncobj.ts): StrykerJS counts only that test as reaching the machine's config,
  // so it checks all of the config, one event at a time.
  test('the machine as a whole: every transition, the rule it cites, and what it changes', () => {
    expect(descriptions()).toEqual([
      'alive DRM_SYNCOBJ_GET: R80: a new handle or fd shares the object',
      'alive DRM_SYNCOBJ_PUT: drm_syncobj_free: replace_fence(NULL), free eventfd entries',
      'alive DRM_SYNCOBJ_PUT: R73: drop one reference',
      'alive DRM_SYNCOBJ_REPLACE_FENCE: R71 (NULL = reset, R76); R72/R77 install a signaled stub this way',
      'alive DRM_SYNCOBJ_ADD_POINT: R82: the chain node becomes the head; an unordered point is only logged',
      'alive DRM_SYNCOBJ_ADD_EVENTFD: R87: arm an entry',
      "alive DRM_SYNCOBJ_EVENTFD_TAKE: R87: the entry resolved to a fence (fired, or moved to that fence's callback)",
    ]);
    let w = world();
    const step = (ev: Parameters<typeof send>[2], change: Partial<D.DrmSyncobjContext>) => {
      const before = obj(w);
      w = send(w, 's', ev)!;
      expect(w).not.toBeNull();
      expect(obj(w)).toEqual({ ...before, ...change });
    };
    expect([kindOf(w, 's'), stateOf(w, 's')]).toEqual(['drm_syncobj', 'alive']);
    expect(obj(w)).toEqual({ refcount: 1, fence: '', replaced: 0, lastPoint: 0, unordered: 0, eventfds: [] });
    step({ type: 'DRM_SYNCOBJ_GET' }, { refcount: 2 });
    step({ type: 'DRM_SYNCOBJ_REPLACE_FENCE', fence: 'x' }, { fence: 'x', replaced: 1 });
    step({ type: 'DRM_SYNCOBJ_ADD_POINT', chain: 'c4', point: 4, unordered: false }, { fence: 'c4', lastPoint: 4 });
    step(
      { type: 'DRM_SYNCOBJ_ADD_POINT', chain: 'c2', point: 2, unordered: true },
      { fence: 'c2', lastPoint: 2, unordered: 1 },
    );
    step({ type: 'DRM_SYNCOBJ_ADD_EVENTFD', ...entry('e1', 2, true) }, { eventfds: [entry('e1', 2, true)] });
    step({ type: 'DRM_SYNCOBJ_ADD_EVENTFD', ...entry('e2') }, { eventfds: [entry('e1', 2, true), entry('e2')] });
    expect(send(w, 's', { type: 'DRM_SYNCOBJ_EVENTFD_TAKE', eventfd: 'e3' })).toBeNull();
    step({ type: 'DRM_SYNCOBJ_EVENTFD_TAKE', eventfd: 'e1' }, { eventfds: [entry('e2')] });
    step({ type: 'DRM_SYNCOBJ_PUT' }, { refcount: 1 });
    step({ type: 'DRM_SYNCOBJ_PUT' }, { refcount: 0, fence: '', eventfds: [] }); // drm_syncobj_free
    expect([stateOf(w, 's'), hasTag(w, 's', 'freed'), w.o.s.status]).toEqual(['freed', true, 'done']);
    expect(send(w, 's', { type: 'DRM_SYNCOBJ_GET' })).toBeNull(); // nothing reaches a freed object
  });

  test('uapi flag values are those of include/uapi/drm/drm.h', () => {
    expect([
      D.DRM_SYNCOBJ_CREATE_SIGNALED,
      D.DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL,
      D.DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT,
      D.DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE,
      D.DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE,
      D.DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE,
      D.DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_TIMELINE,
      D.DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE,
      D.DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_TIMELINE,
      D.DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED,
    ]).toEqual([1, 1, 2, 4, 8, 1, 2, 1, 2, 1]);
  });

  test('R72: a new syncobj has one reference, a NULL payload, no points, no eventfd entries', () => {
    const w = world();
    expect([kindOf(w, 's'), stateOf(w, 's')]).toEqual(['drm_syncobj', 'alive']);
    expect(obj(w)).toEqual({ refcount: 1, fence: '', replaced: 0, lastPoint: 0, unordered: 0, eventfds: [] });
    expect(D.drmSyncobjMachine()).toBe(D.drmSyncobjMachine()); // one machine object for every syncobj
  });

  test('R73, R80: every handle and fd holds a reference; the last put frees the object and its payload', () => {
    let w = A.drm_syncobj_assign_null_handle(world(), 's');
    w = send(w, 's', { type: 'DRM_SYNCOBJ_GET' })!;
    w = send(w, 's', { type: 'DRM_SYNCOBJ_GET' })!;
    expect(obj(w).refcount).toBe(3);
    w = send(w, 's', { type: 'DRM_SYNCOBJ_PUT' })!;
    expect([stateOf(w, 's'), obj(w).refcount, obj(w).fence]).toEqual(['alive', 2, 's.stub']);
    w = send(send(w, 's', { type: 'DRM_SYNCOBJ_PUT' })!, 's', { type: 'DRM_SYNCOBJ_ADD_EVENTFD', ...entry('e') })!;
    w = send(w, 's', { type: 'DRM_SYNCOBJ_PUT' })!;
    // drm_syncobj_free: replace_fence(NULL) and the eventfd entries go with the object
    expect([stateOf(w, 's'), hasTag(w, 's', 'freed'), obj(w).refcount, obj(w).fence, obj(w).eventfds]).toEqual([
      'freed',
      true,
      0,
      '',
      [],
    ]);
    expect(w.o.s.status).toBe('done');
    expect(send(w, 's', { type: 'DRM_SYNCOBJ_GET' })).toBeNull(); // nothing reaches a freed object
    expect(A.drm_syncobj_find_fence(w, 's', 0, 0).ret).toBe(-2); // -ENOENT, as for an unknown handle (R78)
  });

  test('R71, R76, R77: replace, reset and signal swap the pointer and are counted; I14 reads the count', () => {
    let w = A.drm_syncobj_replace_fence(world('f'), 's', 'f');
    expect([obj(w).fence, obj(w).replaced]).toEqual(['f', 1]);
    w = A.drm_syncobj_replace_fence(w, 's', '');
    expect([obj(w).fence, obj(w).replaced]).toEqual(['', 2]);
    w = A.drm_syncobj_assign_null_handle(w, 's');
    expect([obj(w).fence, obj(w).replaced, stateOf(w, obj(w).fence)]).toEqual(['s.stub', 3, 'signaled']);
  });

  test('R82: add_point makes the node the head and records the point; only an unordered point is logged', () => {
    let w = world('a', 'b', 'c');
    w = A.drm_syncobj_add_point(w, 's', 'a', 1).w;
    w = A.drm_syncobj_add_point(w, 's', 'b', 3).w;
    expect([obj(w).fence, obj(w).lastPoint, obj(w).unordered, obj(w).replaced]).toEqual(['s.p3', 3, 0, 0]);
    w = A.drm_syncobj_add_point(w, 's', 'c', 2).w; // "You are adding an unorder point to timeline!"
    expect([obj(w).fence, obj(w).lastPoint, obj(w).unordered]).toEqual(['s.p2', 2, 1]);
    w = A.drm_syncobj_add_point(w, 's', 'c', 2).w; // prev->seqno >= point: logged again, still accepted
    expect([obj(w).fence, obj(w).lastPoint, obj(w).unordered]).toEqual(['s.p2~2', 2, 2]);
  });

  test('R87: entries are armed in order and each resolves once; an entry not armed cannot be taken', () => {
    let w = world();
    w = send(w, 's', { type: 'DRM_SYNCOBJ_ADD_EVENTFD', ...entry('e1', 2, true) })!;
    w = send(w, 's', { type: 'DRM_SYNCOBJ_ADD_EVENTFD', ...entry('e2', 1) })!;
    expect(obj(w).eventfds).toEqual([
      { eventfd: 'e1', point: 2, available: true },
      { eventfd: 'e2', point: 1, available: false },
    ]);
    expect(send(w, 's', { type: 'DRM_SYNCOBJ_EVENTFD_TAKE', eventfd: 'e3' })).toBeNull();
    w = send(w, 's', { type: 'DRM_SYNCOBJ_EVENTFD_TAKE', eventfd: 'e1' })!;
    expect(obj(w).eventfds.map((e) => e.eventfd)).toEqual(['e2']);
    expect(send(w, 's', { type: 'DRM_SYNCOBJ_EVENTFD_TAKE', eventfd: 'e1' })).toBeNull();
  });

  test('R87 through the kernel path: a WAIT_AVAILABLE entry fires on materialization, a plain one on signal', () => {
    let w = spawn(spawn(world('f'), 'avail', eventfdMachine, {}), 'sig', eventfdMachine, {});
    w = must(w, 's', { type: 'DRM_SYNCOBJ_ADD_EVENTFD', ...entry('avail', 1, true) });
    w = must(w, 's', { type: 'DRM_SYNCOBJ_ADD_EVENTFD', ...entry('sig', 1) });
    w = A.drm_syncobj_add_point(w, 's', 'f', 1).w;
    const n = (x: World, e: string) => ctx<EventfdContext>(x, e).signals;
    expect([n(w, 'avail'), n(w, 'sig'), obj(w).eventfds]).toEqual([1, 0, []]);
    w = must(w, 'f', { type: 'DMA_FENCE_SIGNAL' });
    expect([n(w, 'avail'), n(w, 'sig')]).toEqual([1, 1]);
  });
});

function entry(eventfd: string, point = 1, available = false) {
  return { eventfd, point, available };
}

function must(w: World, id: string, ev: Parameters<typeof send>[2]): World {
  const n = send(w, id, ev);
  if (!n) throw new Error(`${id} refused ${ev.type}`);
  return n;
}
