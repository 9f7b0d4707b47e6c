/**
 * The drm_sched_job machine as its module builds it at load (issue 14.7's 'static' mutants): imported inside
 * the test, so StrykerJS attributes the machine config to this test (see ttm-buffer-object-load.test.ts).
 * Nothing here imports models/drm-sched/* statically. One walk over the lifecycle (R89-R96, R101-R102).
 */
import { describe, expect, test } from 'vitest';
import { ctx, emptyWorld, idsOf, must, send, spawn, stateOf, type Ev, type World } from '../../models/world.ts';
import { dmaFenceMachine, isSignaled, type DmaFenceContext } from '../../models/dma-buf/dma-fence.ts';
import { waitEdges } from '../../models/view.ts';
import { got, recorder } from '../kernel/helpers.ts';

describe('drm_sched_job, built inside the test', () => {
  test('init -> armed -> queued -> running -> done; each state refuses what the scheduler forbids', async () => {
    const { drmSchedJobMachine } = await import('../../models/drm-sched/drm-sched-job.ts');
    let w: World = spawn(emptyWorld, 's', recorder, {});
    w = spawn(w, 'j', drmSchedJobMachine, { id: 'j', entity: 'e', sched: 's' });
    w = spawn(w, 'k', drmSchedJobMachine, { id: 'k', entity: 'e', sched: 's' });
    w = spawn(w, 'r', drmSchedJobMachine, { id: 'r', entity: 'e', sched: 's' });
    for (const f of ['j.s', 'j.f', 'k.s', 'k.f', 'r.s', 'r.f', 'hw', 'hw2', 'd', 'd2'])
      w = spawn(w, f, dmaFenceMachine, { context: 1, seqno: 1 });
    expect(idsOf(w, 'drm_sched_job')).toEqual(['j', 'k', 'r']);
    const run = (parent: string, error = 0): Ev => ({ type: 'DRM_SCHED_RUN_JOB', parent, error });
    const refuses = (x: World, id: string, evs: Ev[]) => {
      for (const ev of evs) expect(send(x, id, ev), `${stateOf(x, id)} refuses ${ev.type}`).toBeNull();
    };
    expect(stateOf(w, 'j')).toBe('init');
    refuses(w, 'j', [{ type: 'DRM_SCHED_ENTITY_PUSH_JOB' }, run('hw'), { type: 'DRM_SCHED_JOB_DONE', error: -125 }]);
    w = must(w, 'j', { type: 'DRM_SCHED_JOB_ADD_DEPENDENCY', fence: 'd' });
    w = must(w, 'j', { type: 'DRM_SCHED_JOB_ARM', scheduled: 'j.s', finished: 'j.f' });
    expect(stateOf(w, 'j')).toBe('armed');
    refuses(w, 'j', [run('hw'), { type: 'DRM_SCHED_JOB_ARM', scheduled: 'j.s', finished: 'j.f' }]);
    w = must(w, 'j', { type: 'DRM_SCHED_ENTITY_PUSH_JOB' });
    expect(stateOf(w, 'j')).toBe('queued');
    refuses(w, 'j', [
      run('hw'),
      { type: 'DRM_SCHED_JOB_ADD_DEPENDENCY', fence: 'x' },
      { type: 'DRM_SCHED_JOB_DETACH_PARENT' },
    ]);
    w = must(w, 'j', { type: 'DRM_SCHED_DEP_SIGNALED', fence: 'd' });
    w = must(w, 'j', run('hw'));
    expect([stateOf(w, 'j'), w.o.j.hasTag('on-hardware'), isSignaled(w, 'j.s')]).toEqual(['running', true, true]);
    refuses(w, 'j', [run('hw'), { type: 'DRM_SCHED_JOB_DONE', error: -125 }]);
    w = must(w, 'hw', { type: 'DMA_FENCE_SIGNAL' });
    expect([stateOf(w, 'j'), w.o.j.hasTag('done'), w.o.j.hasTag('on-hardware'), isSignaled(w, 'j.f')]).toEqual([
      'done',
      true,
      false,
      true,
    ]);
    expect(got(w, 's')).toEqual([{ type: 'DRM_SCHED_FREE_JOB', job: 'j' }]);
    refuses(w, 'j', [{ type: 'DRM_SCHED_PARENT_SIGNALED', fenceError: 0 }, { type: 'DRM_SCHED_JOB_DETACH_PARENT' }]);
    // k: no fence from run_job (a guilty entity, R94): done at once with the error
    w = must(w, 'k', { type: 'DRM_SCHED_JOB_ARM', scheduled: 'k.s', finished: 'k.f' });
    w = must(w, 'k', { type: 'DRM_SCHED_ENTITY_PUSH_JOB' });
    w = must(w, 'k', run('', -125));
    expect([stateOf(w, 'k'), ctx<DmaFenceContext>(w, 'k.f').error, isSignaled(w, 'k.s')]).toEqual(['done', -125, true]);
    // r: a dependency before arm has no fence to hang an edge on; prepare_job adds one after arm (R93)
    w = must(w, 'r', { type: 'DRM_SCHED_JOB_ADD_DEPENDENCY', fence: 'd' });
    expect(waitEdges(w).filter((e) => e[2].startsWith('r '))).toEqual([]);
    w = must(w, 'r', { type: 'DRM_SCHED_JOB_ARM', scheduled: 'r.s', finished: 'r.f' });
    w = must(w, 'r', { type: 'DRM_SCHED_JOB_ADD_DEPENDENCY', fence: 'd2' });
    w = must(w, 'r', { type: 'DRM_SCHED_ENTITY_PUSH_JOB' });
    const r = () => ctx<{ deps: string[]; parent: string; result: number }>(w, 'r');
    expect(r().deps).toEqual(['d', 'd2']);
    refuses(w, 'r', [{ type: 'DRM_SCHED_DEP_SIGNALED', fence: 'hw' }]);
    w = must(w, 'r', { type: 'DRM_SCHED_DEP_SIGNALED', fence: 'd2' });
    expect(r().deps).toEqual(['d']);
    w = must(w, 'r', { type: 'DRM_SCHED_DEP_SIGNALED', fence: 'd' });
    w = must(w, 'r', run('hw2'));
    expect(r().parent).toBe('hw2');
    expect(waitEdges(w).filter((e) => e[2].startsWith('r '))).toEqual([
      ['r.f', 'hw2', 'r finishes when its hardware fence does (R95)'],
    ]);
    // the reset (R101, R102): stop detaches the parent once, start completes the job with its error
    w = must(w, 'r', { type: 'DRM_SCHED_JOB_DETACH_PARENT' });
    expect(r().parent).toBe('');
    refuses(w, 'r', [{ type: 'DRM_SCHED_JOB_DETACH_PARENT' }, { type: 'DRM_SCHED_PARENT_SIGNALED', fenceError: 0 }]);
    w = must(w, 'r', { type: 'DRM_SCHED_JOB_DONE', error: -125 });
    expect([stateOf(w, 'r'), r().result, ctx<DmaFenceContext>(w, 'r.f').error, isSignaled(w, 'r.f')]).toEqual([
      'done',
      -125,
      -125,
      true,
    ]);
    expect(got(w, 's')).toEqual([
      { type: 'DRM_SCHED_FREE_JOB', job: 'j' },
      { type: 'DRM_SCHED_FREE_JOB', job: 'k' },
      { type: 'DRM_SCHED_FREE_JOB', job: 'r' },
    ]);
    refuses(w, 'r', [{ type: 'DRM_SCHED_JOB_DONE', error: -125 }]);
  });
});
