/**
 * The drm_gpu_scheduler machine as its module builds it at load (issue 14.7's 'static' mutants): imported
 * inside the test, so StrykerJS attributes the machine config to this test (see
 * ttm-buffer-object-load.test.ts). Nothing here imports models/drm-sched/* statically (R95, R96).
 */
import { describe, expect, test } from 'vitest';
import { ctx, emptyWorld, idsOf, must, send, spawn, type World } from '../../models/world.ts';

describe('drm_gpu_scheduler, built inside the test', () => {
  test('credits, free_job, the policy and its run queue, as the machine is configured', async () => {
    const { drmGpuSchedulerMachine } = await import('../../models/drm-sched/drm-gpu-scheduler.ts');
    let w: World = spawn(emptyWorld, 's', drmGpuSchedulerMachine, { ring: 'r', timeout: true, creditLimit: 1 });
    expect(idsOf(w, 'drm_gpu_scheduler')).toEqual(['s']);
    const rq = (x: World) => ctx<{ rq?: unknown }>(x, 's').rq;
    w = must(w, 's', { type: 'DRM_SCHED_SET_POLICY', policy: 'round-robin' });
    expect(rq(w)).toEqual({ policy: 'round-robin', entities: [], currentEntity: '', submitted: [] });
    w = must(w, 's', { type: 'DRM_SCHED_RQ_PUSH', entity: 'e', job: 'j' });
    w = must(w, 's', { type: 'DRM_SCHED_RQ_SELECT', entity: 'e', job: 'j' });
    expect(rq(w)).toEqual({ policy: 'round-robin', entities: ['e'], currentEntity: 'e', submitted: [] });
    w = must(w, 's', { type: 'DRM_SCHED_PENDING_ADD', job: 'j' });
    expect(send(w, 's', { type: 'DRM_SCHED_PENDING_ADD', job: 'k' })).toBeNull();
    w = must(w, 's', { type: 'DRM_SCHED_FREE_JOB', job: 'j' });
    expect(ctx<{ pending: string[] }>(w, 's').pending).toEqual([]);
    expect(send(w, 's', { type: 'DRM_SCHED_FREE_JOB', job: 'j' })).toBeNull();
    expect(send(w, 's', { type: 'DRM_SCHED_SET_POLICY', policy: 'fifo' })).toBeNull(); // read-only once loaded
    // defaults, num_rqs below the 4 priorities kept, fifo's submit_ts order
    let f: World = spawn(emptyWorld, 's', drmGpuSchedulerMachine, { numRqs: 2 });
    expect(ctx(f, 's')).toEqual({ ring: '', timeout: true, creditLimit: 1, pending: [], numRqs: 2 });
    expect(send(f, 's', { type: 'DRM_SCHED_RQ_PUSH', entity: 'e', job: 'j' })).toBeNull(); // no kernel policy
    expect(send(f, 's', { type: 'DRM_SCHED_RQ_SELECT', entity: 'e', job: 'j' })).toBeNull();
    f = must(f, 's', { type: 'DRM_SCHED_SET_POLICY', policy: 'fifo' });
    f = must(f, 's', { type: 'DRM_SCHED_RQ_PUSH', entity: 'e', job: 'j' });
    f = must(f, 's', { type: 'DRM_SCHED_RQ_PUSH', entity: 'e', job: 'k' });
    f = must(f, 's', { type: 'DRM_SCHED_RQ_SELECT', entity: 'e', job: 'j' });
    expect(rq(f)).toEqual({ policy: 'fifo', entities: [], currentEntity: '', submitted: ['k'] });
  });
});
