/**
 * Kernel primitives added for the hazard designs: kthread mutexes with FIFO hand-off (kernel/locking/
 * mutex.c), dma_fence references (R13, R15; refcount_t's use-after-free), fence user bits and
 * DRM_SCHED_FENCE_DONT_PIPELINE (R93, H6), and the state properties that judge them (I11's lock clause,
 * I12).
 */
import { describe, expect, test } from 'vitest';
import { emptyWorld, spawn, must, ctx, stateOf, type World } from '../../models/world.ts';
import { waitEdges } from '../../models/view.ts';
import {
  kthreadMachine,
  mutex_lock,
  mutex_unlock,
  mutexOwner,
  type KthreadContext,
} from '../../models/kernel/kthread.ts';
import {
  dma_fence_ref_init,
  dma_fence_get,
  dma_fence_put,
  fenceRef,
  type KrefContext,
} from '../../models/dma-buf/dma-fence-ref.ts';
import { dmaFenceMachine, type DmaFenceContext } from '../../models/dma-buf/dma-fence.ts';
import {
  addScheduler,
  addEntity,
  drm_sched_job_init,
  drm_sched_job_arm,
  drm_sched_job_add_dependency,
  DRM_SCHED_FENCE_DONT_PIPELINE,
} from '../../models/drm-sched/sched-main.ts';
import type { DrmSchedJobContext } from '../../models/drm-sched/drm-sched-job.ts';
import sigDiscipline from '../../properties/signalling-section-discipline.ts';
import userWait from '../../properties/no-userspace-wait-under-kernel-lock.ts';

const threads = (...ids: string[]): World => ids.reduce((w, t) => spawn(w, t, kthreadMachine, {}), emptyWorld);
const work = (w: World, t: string, sigFor: string[] = []) =>
  must(w, t, { type: 'KTHREAD_WORK', work: `w ${t}`, sigFor });

describe('kthread mutexes (mutex.c: one owner, the first waiter is handed the lock)', () => {
  test('a second locker blocks on the lock and is handed it on unlock', () => {
    let w = work(work(threads('a', 'b'), 'a'), 'b');
    w = mutex_lock(w, 'a', 'L');
    expect(mutexOwner(w, 'L')).toBe('a');
    w = mutex_lock(w, 'b', 'L');
    expect([stateOf(w, 'b'), ctx<KthreadContext>(w, 'b').waitingOn]).toEqual(['blocked', 'L']);
    expect(waitEdges(w)).toContainEqual(['L', 'a', 'L is held by a (w a)']);
    w = mutex_unlock(w, 'a', 'L');
    expect([stateOf(w, 'b'), mutexOwner(w, 'L')]).toEqual(['running', 'b']);
    expect(ctx<KthreadContext>(w, 'a').locks).toEqual([]);
  });

  test('I11: a signalling section blocked on a mutex is a violation only if the holder waits on a fence', () => {
    let w = spawn(threads('wq', 'rebind'), 'pf', dmaFenceMachine, { published: true });
    w = work(work(w, 'rebind'), 'wq', ['pf']);
    w = mutex_lock(w, 'rebind', 'vm->lock');
    w = mutex_lock(w, 'wq', 'vm->lock');
    expect(sigDiscipline.state?.(w, {})).toBeNull(); // the holder runs: it will unlock
    w = must(w, 'rebind', { type: 'KTHREAD_WAIT', on: 'pf' });
    expect(sigDiscipline.state?.(w, {})).toMatch(/blocks on vm->lock, which rebind .* waiting on pf/);
  });

  test('I12: a thread waiting on something only userspace brings about may not hold a lock', () => {
    let w = spawn(threads('ioctl'), 'point', dmaFenceMachine, { signaller: 'user' });
    w = must(work(w, 'ioctl'), 'ioctl', { type: 'KTHREAD_WAIT', on: 'point' });
    expect(userWait.state?.(w, {})).toBeNull();
    expect(userWait.witness?.state?.(w, {}, { design: {} as never })).toBe(true);
    let v = spawn(threads('ioctl'), 'point', dmaFenceMachine, { signaller: 'user' });
    v = must(mutex_lock(work(v, 'ioctl'), 'ioctl', 'resv:bo0'), 'ioctl', { type: 'KTHREAD_WAIT', on: 'point' });
    expect(userWait.state?.(v, {})).toMatch(/holds resv:bo0 while it waits on point/);
  });
});

describe('dma_fence references (R15; refcount_t never goes up from 0)', () => {
  const ref = (w: World) => ctx<KrefContext>(w, fenceRef('f'));
  test('the last put frees; a get after the free is recorded as a use-after-free, never refused', () => {
    let w = dma_fence_ref_init(spawn(emptyWorld, 'f', dmaFenceMachine, {}), 'f', 'irq');
    w = dma_fence_get(w, 'f', 'sched');
    w = dma_fence_put(w, 'f', 'irq');
    expect([stateOf(w, fenceRef('f')), ref(w).released, ref(w).holders]).toEqual(['live', true, ['sched']]);
    w = dma_fence_put(w, 'f', 'sched');
    expect(stateOf(w, fenceRef('f'))).toBe('freed');
    w = dma_fence_get(w, 'f', 'late');
    expect(ref(w).uaf).toBe('get by late');
  });
});

describe('DRM_SCHED_FENCE_DONT_PIPELINE (R93, H6)', () => {
  function twoJobs(dontPipeline: boolean): string[] {
    let w = addScheduler(emptyWorld, 's', 'r', { timeout: true, creditLimit: 2 });
    w = addEntity(addEntity(w, 'e1'), 'e2');
    w = drm_sched_job_arm(drm_sched_job_init(w, 'j1', 'e1', 's'), 'j1');
    if (dontPipeline)
      w = must(w, 'j1.finished', { type: 'DMA_FENCE_SET_USER_BIT', bit: DRM_SCHED_FENCE_DONT_PIPELINE });
    w = drm_sched_job_add_dependency(drm_sched_job_init(w, 'j2', 'e2', 's'), 'j2', 'j1.finished');
    return ctx<DrmSchedJobContext>(w, 'j2').deps;
  }
  test('a same-scheduler dependency is pipelined on scheduled, unless the bit is set', () => {
    expect(twoJobs(false)).toEqual(['j1.scheduled']);
    expect(twoJobs(true)).toEqual(['j1.finished']);
  });
  test('the bit is set once and leaves fences without it unchanged', () => {
    const w = spawn(emptyWorld, 'f', dmaFenceMachine, {});
    expect('userBits' in ctx<DmaFenceContext>(w, 'f')).toBe(false);
    const v = must(w, 'f', { type: 'DMA_FENCE_SET_USER_BIT', bit: 'X' });
    expect(ctx<DmaFenceContext>(v, 'f').userBits).toEqual(['X']);
    expect(() => must(v, 'f', { type: 'DMA_FENCE_SET_USER_BIT', bit: 'X' })).toThrow();
  });
});
