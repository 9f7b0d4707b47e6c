/**
 * drm_sched_job lifecycle rules (models/drm-sched/drm-sched-job.ts; kernel-sync-semantics.md R89-R96,
 * R101-R102) that no other test pinned down, found by StrykerJS (test/mutation/focused.stryker.mjs).
 * The transition memo is cleared before each test so that a transition computed while the modules
 * loaded cannot stand in for the one under test.
 */
import { beforeEach, describe, expect, test } from 'vitest';
import { clearTransitionMemo, ctx, emptyWorld, must, send, spawn, stateOf, type World } from '../../models/world.ts';
import { waitEdges } from '../../models/view.ts';
import { dmaFenceMachine, ECANCELED, isSignaled, type DmaFenceContext } from '../../models/dma-buf/dma-fence.ts';
import { drmSchedJobMachine, type DrmSchedJobContext } from '../../models/drm-sched/drm-sched-job.ts';
import { drmGpuSchedulerMachine, type DrmGpuSchedulerContext } from '../../models/drm-sched/drm-gpu-scheduler.ts';

beforeEach(() => clearTransitionMemo());

const job = (w: World): DrmSchedJobContext => ctx<DrmSchedJobContext>(w, 'j');
const fence = (w: World, f: string) => ctx<DmaFenceContext>(w, f);

/** Job j (entity e, scheduler s) and the fences around it: its own two, a hardware fence, two deps. */
function world(): World {
  let w = spawn(emptyWorld, 's', drmGpuSchedulerMachine, { ring: 'gpu0', timeout: true, creditLimit: 1 });
  w = spawn(w, 'j', drmSchedJobMachine, { id: 'j', entity: 'e', sched: 's' });
  for (const [f, c] of [
    ['j.sch', 1],
    ['j.fin', 2],
    ['hw', 3],
    ['d1', 4],
    ['d2', 5],
  ] as const)
    w = spawn(w, f, dmaFenceMachine, { context: c, seqno: 1 });
  return w;
}
const ARM = { type: 'DRM_SCHED_JOB_ARM', scheduled: 'j.sch', finished: 'j.fin' } as const;
const dep = (fence: string) => ({ type: 'DRM_SCHED_JOB_ADD_DEPENDENCY', fence }) as const;
const signaled = (fence: string) => ({ type: 'DRM_SCHED_DEP_SIGNALED', fence }) as const;
const PUSH = { type: 'DRM_SCHED_ENTITY_PUSH_JOB' } as const;
const run = (parent: string, error = 0) => ({ type: 'DRM_SCHED_RUN_JOB', parent, error }) as const;

/** Armed and pushed with the given dependencies, and (if `parent`) handed to the ring. */
function queued(deps: string[] = [], parent = ''): World {
  let w = world();
  for (const d of deps) w = must(w, 'j', dep(d));
  w = must(must(w, 'j', ARM), 'j', PUSH);
  if (parent) {
    w = must(w, 's', { type: 'DRM_SCHED_PENDING_ADD', job: 'j' });
    w = must(w, 'j', run(parent));
  }
  return w;
}

describe('drm_sched_job (mutation gaps)', () => {
  test('R89: a job initialized with nothing names nobody and has no fence', () => {
    const w = spawn(emptyWorld, 'j', drmSchedJobMachine, {});
    expect([stateOf(w, 'j'), job(w)]).toEqual([
      'init',
      { id: '', entity: '', sched: '', deps: [], scheduled: '', finished: '', parent: '', result: 0 },
    ]);
  });

  test('R90: arm is the point of no return; push only after arm, arm only once (R92)', () => {
    let w = world();
    expect(send(w, 'j', PUSH)).toBeNull();
    w = must(w, 'j', ARM);
    expect([stateOf(w, 'j'), job(w).scheduled, job(w).finished]).toEqual(['armed', 'j.sch', 'j.fin']);
    expect(send(w, 'j', ARM)).toBeNull();
    w = must(w, 'j', PUSH);
    expect(stateOf(w, 'j')).toBe('queued');
    expect(send(w, 'j', PUSH)).toBeNull();
  });

  test('R91, R93: dependencies add up before arm and after it (prepare_job); each signal removes only its own', () => {
    let w = must(world(), 'j', dep('d1'));
    w = must(w, 'j', ARM);
    w = must(w, 'j', dep('d2'));
    expect(job(w).deps).toEqual(['d1', 'd2']);
    expect(waitEdges(w)).toEqual([
      ['j.fin', 'd1', 'j depends on d1 (R93)'],
      ['j.sch', 'd1', 'j runs after d1 (R93)'],
      ['j.fin', 'd2', 'j depends on d2 (R93)'],
      ['j.sch', 'd2', 'j runs after d2 (R93)'],
    ]);
    expect(send(w, 'j', signaled('hw'))).toBeNull();
    w = must(w, 'j', signaled('d1'));
    expect(job(w).deps).toEqual(['d2']);
    expect(send(w, 'j', signaled('d1'))).toBeNull();
  });

  test('a job before arm waits on nothing in the wait-for graph (it has no fences yet)', () => {
    expect(waitEdges(must(world(), 'j', dep('d1')))).toEqual([]);
  });

  test('R93: the job does not run before its dependencies signaled', () => {
    let w = queued(['d1']);
    expect(send(w, 'j', run('hw'))).toBeNull();
    w = must(w, 'j', signaled('d1'));
    expect(stateOf(must(w, 'j', run('hw')), 'j')).toBe('running');
  });

  test("R95: the parent is set first, then scheduled signals; the parent's callback completes the job", () => {
    let w = queued([], 'hw');
    expect([stateOf(w, 'j'), job(w).parent, isSignaled(w, 'j.sch'), isSignaled(w, 'j.fin')]).toEqual([
      'running',
      'hw',
      true,
      false,
    ]);
    expect(fence(w, 'hw').cbs).toEqual([{ to: 'j', ev: { type: 'DRM_SCHED_PARENT_SIGNALED' } }]);
    expect(waitEdges(w)).toEqual([['j.fin', 'hw', 'j finishes when its hardware fence does (R95)']]);
    w = must(w, 'hw', { type: 'DMA_FENCE_SIGNAL' });
    // R96: finished signals with no error, the job is freed from pending_list
    expect([stateOf(w, 'j'), job(w).result, job(w).parent, isSignaled(w, 'j.fin'), fence(w, 'j.fin').error]).toEqual([
      'done',
      0,
      '',
      true,
      0,
    ]);
    expect(ctx<DrmGpuSchedulerContext>(w, 's').pending).toEqual([]);
    expect(waitEdges(w)).toEqual([]);
  });

  test("R96: the hardware fence's error becomes the finished fence's", () => {
    let w = queued([], 'hw');
    w = must(w, 'hw', { type: 'DMA_FENCE_SET_ERROR', error: -5 });
    w = must(w, 'hw', { type: 'DMA_FENCE_SIGNAL' });
    expect([job(w).result, fence(w, 'j.fin').error]).toEqual([-5, -5]);
  });

  test('R94, R95: run_job with no fence completes the job at once with its error, scheduled first', () => {
    const w = must(queued(), 'j', run('', ECANCELED));
    expect([stateOf(w, 'j'), job(w).result, isSignaled(w, 'j.sch'), fence(w, 'j.fin').error]).toEqual([
      'done',
      ECANCELED,
      true,
      ECANCELED,
    ]);
    expect(isSignaled(w, 'j.fin')).toBe(true);
  });

  test('R101, R102: stop detaches the parent once; only a detached job is completed by start', () => {
    let w = queued([], 'hw');
    expect(send(w, 'j', { type: 'DRM_SCHED_JOB_DONE', error: ECANCELED })).toBeNull();
    w = must(w, 'j', { type: 'DRM_SCHED_JOB_DETACH_PARENT' });
    expect(job(w).parent).toBe('');
    expect(send(w, 'j', { type: 'DRM_SCHED_JOB_DETACH_PARENT' })).toBeNull();
    expect(send(w, 'j', { type: 'DRM_SCHED_PARENT_SIGNALED', fenceError: 0 })).toBeNull();
    expect(waitEdges(w)).toEqual([]);
    w = must(w, 'j', { type: 'DRM_SCHED_JOB_DONE', error: ECANCELED });
    expect([stateOf(w, 'j'), job(w).result, fence(w, 'j.fin').error]).toEqual(['done', ECANCELED, ECANCELED]);
    expect(send(w, 'j', { type: 'DRM_SCHED_JOB_DONE', error: ECANCELED })).toBeNull();
  });
});
