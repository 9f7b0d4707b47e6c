/**
 * drm_gpu_scheduler rules (models/drm-sched/drm-gpu-scheduler.ts; kernel-sync-semantics.md R95, R96, R98;
 * sched_main.c drm_sched_rq_add_entity, drm_sched_rq_select_entity_rr/_fifo) that no other test pinned
 * down, found by StrykerJS (test/mutation/focused.stryker.mjs).
 */
import { beforeEach, describe, expect, test } from 'vitest';
import { clearTransitionMemo, ctx, emptyWorld, must, send, spawn, type World } from '../../models/world.ts';
import { drmGpuSchedulerMachine, type DrmGpuSchedulerContext } from '../../models/drm-sched/drm-gpu-scheduler.ts';

beforeEach(() => clearTransitionMemo());

const s = (w: World): DrmGpuSchedulerContext => ctx<DrmGpuSchedulerContext>(w, 's');
const world = (creditLimit = 2): World =>
  spawn(emptyWorld, 's', drmGpuSchedulerMachine, { ring: 'gpu0', timeout: false, creditLimit });
const add = (job: string) => ({ type: 'DRM_SCHED_PENDING_ADD', job }) as const;
const free = (job: string) => ({ type: 'DRM_SCHED_FREE_JOB', job }) as const;
const push = (entity: string, job: string) => ({ type: 'DRM_SCHED_RQ_PUSH', entity, job }) as const;
const select = (entity: string, job: string) => ({ type: 'DRM_SCHED_RQ_SELECT', entity, job }) as const;

describe('drm_gpu_scheduler (mutation gaps)', () => {
  test('defaults: a finite timeout, one credit, one run queue per priority unless fewer are asked for', () => {
    const d = spawn(emptyWorld, 's', drmGpuSchedulerMachine, {});
    expect(s(d)).toEqual({ ring: '', timeout: true, creditLimit: 1, pending: [] });
    expect(s(world())).toEqual({ ring: 'gpu0', timeout: false, creditLimit: 2, pending: [] });
    const rqs = (numRqs: number) => s(spawn(emptyWorld, 's', drmGpuSchedulerMachine, { numRqs })).numRqs;
    expect([rqs(1), rqs(3), rqs(4)]).toEqual([1, 3, undefined]);
  });

  test('R95: a job takes a credit only while one is free; R96: free_job returns exactly that job', () => {
    let w = must(must(world(), 's', add('a')), 's', add('b'));
    expect(s(w).pending).toEqual(['a', 'b']);
    expect(send(w, 's', add('c'))).toBeNull();
    expect(send(w, 's', free('c'))).toBeNull();
    w = must(w, 's', free('a'));
    expect(s(w).pending).toEqual(['b']);
    expect(send(w, 's', free('a'))).toBeNull();
    expect(s(must(w, 's', add('c'))).pending).toEqual(['b', 'c']);
  });

  test('drm.sched_policy is read-only once loaded: set once, before any job is pending', () => {
    const w = must(world(), 's', { type: 'DRM_SCHED_SET_POLICY', policy: 'fifo' });
    expect(s(w).rq).toEqual({ policy: 'fifo', entities: [], currentEntity: '', submitted: [] });
    expect(send(w, 's', { type: 'DRM_SCHED_SET_POLICY', policy: 'round-robin' })).toBeNull();
    expect(send(must(world(), 's', add('a')), 's', { type: 'DRM_SCHED_SET_POLICY', policy: 'fifo' })).toBeNull();
  });

  test("without a kernel policy there is no run queue to keep: pushes and selections are not the scheduler's", () => {
    expect([send(world(), 's', push('e', 'j')), send(world(), 's', select('e', 'j'))]).toEqual([null, null]);
  });

  test('round robin: an entity joins rq->entities at its first push; a selection moves current_entity', () => {
    let w = must(world(), 's', { type: 'DRM_SCHED_SET_POLICY', policy: 'round-robin' });
    for (const [e, j] of [
      ['b', 'b0'],
      ['a', 'a0'],
      ['b', 'b1'],
    ])
      w = must(w, 's', push(e, j));
    expect(s(w).rq).toEqual({ policy: 'round-robin', entities: ['b', 'a'], currentEntity: '', submitted: [] });
    w = must(w, 's', select('a', 'a0'));
    expect(s(w).rq).toEqual({ policy: 'round-robin', entities: ['b', 'a'], currentEntity: 'a', submitted: [] });
  });

  test('fifo: jobs are keyed by submit_ts in push order; a selection pops exactly the selected job', () => {
    let w = must(world(), 's', { type: 'DRM_SCHED_SET_POLICY', policy: 'fifo' });
    for (const [e, j] of [
      ['b', 'b0'],
      ['a', 'a0'],
      ['b', 'b1'],
    ])
      w = must(w, 's', push(e, j));
    expect(s(w).rq).toEqual({ policy: 'fifo', entities: [], currentEntity: '', submitted: ['b0', 'a0', 'b1'] });
    w = must(w, 's', select('a', 'a0'));
    expect(s(w).rq).toEqual({ policy: 'fifo', entities: [], currentEntity: '', submitted: ['b0', 'b1'] });
  });
});
