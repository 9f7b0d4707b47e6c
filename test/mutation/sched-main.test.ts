/**
 * drm_sched kernel flows (models/drm-sched/sched-main.ts) that no other test pinned down, found by StrykerJS
 * (test/mutation/focused.stryker.mjs). First at property level: a tiny single-fifo-implicit world (two
 * processes, one job each) explored exhaustively, whose cells go red when the TDR's victims or errors
 * change (issue 14.8: the guilty job's error); then each rule as the kernel states it
 * (kernel-sync-semantics.md §1.11, sched_main.c, sched_entity.c).
 */
import { beforeEach, describe, expect, test } from 'vitest';
import { clearTransitionMemo, ctx, idsOf, must, send, spawn, stateOf, type World } from '../../models/world.ts';
import { dmaFenceMachine, ECANCELED, ETIME, isSignaled, type DmaFenceContext } from '../../models/dma-buf/dma-fence.ts';
import type { DrmSchedJobContext } from '../../models/drm-sched/drm-sched-job.ts';
import type { DrmSchedEntityContext } from '../../models/drm-sched/drm-sched-entity.ts';
import type { DrmGpuSchedulerContext } from '../../models/drm-sched/drm-gpu-scheduler.ts';
import type { GpuRingContext } from '../../models/gpu/gpu-ring.ts';
import {
  DRM_SCHED_FENCE_DONT_PIPELINE,
  drm_sched_entity_is_ready,
  drm_sched_hung_jobs,
  drm_sched_job_add_dependency,
  drm_sched_job_init,
  drm_sched_job_timedout,
  drm_sched_job_timedout_enabled,
  drm_sched_policy,
  drm_sched_rq_of,
  drm_sched_run_job,
  drm_sched_run_job_enabled,
  drm_sched_select_entity,
  drmSchedStepTable,
  drmSchedSteps,
} from '../../models/drm-sched/sched-main.ts';
import type { SingleFifoConfig } from '../../models/designs/single-fifo-implicit.ts';
import { variant, explore } from '../bugs/helpers.ts';
import { schedWorld, submit } from './sched-world.ts';

beforeEach(() => clearTransitionMemo());

const job = (w: World, j: string) => ctx<DrmSchedJobContext>(w, j);
const fence = (w: World, f: string) => ctx<DmaFenceContext>(w, f);
const sched = (w: World, s = 'sched0') => ctx<DrmGpuSchedulerContext>(w, s);

/**
 * single-fifo-implicit at a scope that explores in about a second: two processes, one job and one BO each.
 * Imported inside the test, so that a mutant which breaks the design's module load fails a test.
 */
async function tiny(patch: Partial<SingleFifoConfig>) {
  const singleFifo = (await import('../../models/designs/single-fifo-implicit.ts')).default;
  const small: SingleFifoConfig = { ...singleFifo.configs.small, jobs: 1, bos: 1, timeouts: 0, ...patch };
  return { ...singleFifo, configs: { ...singleFifo.configs, small } };
}
const PROPS = [
  'acyclic-waits',
  'context-order',
  'finite-time',
  'hang-recovers-with-error',
  'reset-completes-with-error',
  'one-shot',
  'innocent-context-survives',
];

describe('the TDR at property level (a tiny single-fifo-implicit, explored to completion)', () => {
  test(
    'two jobs on the ring: the reset cancels the innocent one ' + 'behind the hung one (R102), all else holds',
    async () => {
      const cells = await explore(variant(await tiny({ creditLimit: 2 }), 'tiny-credit2', PROPS));
      for (const p of PROPS.filter((p) => p !== 'innocent-context-survives'))
        expect([p, cells[p].observed]).toEqual([p, 'holds']);
      // the witnesses are reached: two jobs on the ring, one hung (not a vacuous pass)
      for (const p of ['acyclic-waits', 'context-order', 'finite-time', 'one-shot'])
        expect(cells[p].reached, p).toBeGreaterThan(0);
      expect(cells['innocent-context-survives'].observed).toBe('violates');
      expect(cells['innocent-context-survives'].message).toMatch(/completed with error -125 at drm_sched_job_timedout/);
    },
  );

  test('one job on the ring, no wrong timeout: the TDR takes only the job that hung (R99, R103)', async () => {
    const cells = await explore(variant(await tiny({}), 'tiny-credit1', PROPS));
    for (const p of PROPS) expect([p, cells[p].observed]).toEqual([p, 'holds']);
    expect(cells['innocent-context-survives'].reached).toBeGreaterThan(0);
  });

  test(
    'a wrong timeout on a healthy job: it dies with -ETIME, ' + 'the oldest pending job is the victim (R99)',
    async () => {
      const cells = await explore(variant(await tiny({ timeouts: 1 }), 'tiny-timeout', ['innocent-context-survives']));
      expect(cells['innocent-context-survives'].observed).toBe('violates');
      expect(cells['innocent-context-survives'].message).toMatch(/completed with error -62 at drm_sched_job_timedout/);
    },
  );
});

describe('drm_sched_job_timedout (R99-R103)', () => {
  /** Two entities' jobs running on one ring (credit limit 2), the head one hung. */
  function hung(priority?: 'KERNEL'): World {
    let w = schedWorld({ creditLimit: 2, entities: [['a', priority], ['b']] });
    w = submit(submit(w, 'a', 'a.j0'), 'b', 'b.j0');
    w = drm_sched_run_job(w, 'sched0', 'a');
    w = drm_sched_run_job(w, 'sched0', 'b');
    return must(w, 'gpu0', { type: 'GPU_RING_HANG' });
  }

  test('armed only with jobs pending and a finite timeout, and (budget 0) only on a hung ring (R98)', () => {
    let w = schedWorld({ creditLimit: 2 });
    w = submit(w, 'a', 'a.j0');
    expect(drm_sched_job_timedout_enabled(w, 'sched0')).toBe(false); // queued, not pending: no timer
    w = drm_sched_run_job(w, 'sched0', 'a');
    expect(drm_sched_job_timedout_enabled(w, 'sched0')).toBe(false); // healthy
    w = must(w, 'gpu0', { type: 'GPU_RING_HANG' });
    expect(drm_sched_job_timedout_enabled(w, 'sched0')).toBe(true);
    let n = schedWorld({ timeout: false });
    n = drm_sched_run_job(submit(n, 'a', 'a.j0'), 'sched0', 'a');
    n = must(n, 'gpu0', { type: 'GPU_RING_HANG' });
    expect(drm_sched_job_timedout_enabled(n, 'sched0')).toBe(false); // MAX_SCHEDULE_TIMEOUT
  });

  test('the oldest pending job gets -ETIME and its entity turns guilty; the rest -ECANCELED; the ring is reset', () => {
    let w = hung();
    expect(drm_sched_hung_jobs(w)).toEqual(['a.j0']);
    w = drm_sched_job_timedout(w, 'sched0');
    expect([job(w, 'a.j0').result, job(w, 'b.j0').result]).toEqual([ETIME, ECANCELED]);
    expect([fence(w, 'a.j0.finished').error, fence(w, 'b.j0.finished').error]).toEqual([ETIME, ECANCELED]);
    expect([isSignaled(w, 'a.j0.finished'), isSignaled(w, 'b.j0.finished')]).toEqual([true, true]);
    expect(ctx<DrmSchedEntityContext>(w, 'a').guilty).toBe(true);
    expect(ctx<DrmSchedEntityContext>(w, 'b').guilty).toBe(false);
    expect(ctx<GpuRingContext>(w, 'gpu0')).toMatchObject({ fifo: [], hung: false });
    expect(sched(w).pending).toEqual([]);
    expect(drm_sched_hung_jobs(w)).toEqual([]);
    // the detached hardware fences no longer complete the jobs (drm_sched_stop removed the callbacks)
    expect(fence(w, 'a.j0.hw').cbs).toEqual([]);
  });

  test("a KERNEL entity's job is never marked guilty (kernel jobs are always considered good, R103)", () => {
    const w = drm_sched_job_timedout(hung('KERNEL'), 'sched0');
    expect(job(w, 'a.j0').result).toBe(ETIME);
    expect(ctx<DrmSchedEntityContext>(w, 'a').guilty).toBe(false);
  });

  test("R94: the guilty entity's next job is cancelled without reaching the ring", () => {
    let w = drm_sched_job_timedout(hung(), 'sched0');
    w = submit(w, 'a', 'a.j1');
    expect(drm_sched_run_job_enabled(w, 'sched0', 'a')).toBe(true);
    w = drm_sched_run_job(w, 'sched0', 'a');
    expect([stateOf(w, 'a.j1'), job(w, 'a.j1').result, job(w, 'a.j1').parent]).toEqual(['done', ECANCELED, '']);
    expect(isSignaled(w, 'a.j1.scheduled')).toBe(true);
    expect(sched(w).pending).toEqual([]);
    expect(ctx<GpuRingContext>(w, 'gpu0').fifo).toEqual([]);
  });

  test('hung jobs are the owners of hung heads only: a head owned by no job names none', () => {
    expect(drm_sched_hung_jobs(must(hung(), 'gpu0', { type: 'GPU_RING_RESET' }))).toEqual([]);
    for (const owner of ['', 'a', 'nobody']) {
      let w = schedWorld();
      w = spawn(w, 'x', dmaFenceMachine, { context: 9, seqno: 1, ops: 'hw', owner });
      w = must(must(w, 'gpu0', { type: 'GPU_RING_EMIT', fence: 'x' }), 'gpu0', { type: 'GPU_RING_HANG' });
      expect(drm_sched_hung_jobs(w), `owner '${owner}'`).toEqual([]);
    }
  });
});

describe('fences, dependencies and arm (R89-R93)', () => {
  test('each entity gets two fence contexts, numbered from 1 (R90, R2); arm numbers jobs 1, 2, ...', () => {
    let w = schedWorld({ entities: [['a'], ['b'], ['c']] });
    expect(['a', 'b', 'c'].map((e) => ctx<DrmSchedEntityContext>(w, e).fenceContext)).toEqual([1, 3, 5]);
    w = submit(submit(w, 'b', 'b.j0'), 'b', 'b.j1');
    const f = (id: string) => [fence(w, id).context, fence(w, id).seqno, fence(w, id).ops, fence(w, id).owner];
    expect(f('b.j1.scheduled')).toEqual([3, 2, 'sched.scheduled', 'b.j1']);
    expect(f('b.j1.finished')).toEqual([4, 2, 'sched.finished', 'b.j1']);
    expect([job(w, 'b.j1').scheduled, job(w, 'b.j1').finished]).toEqual(['b.j1.scheduled', 'b.j1.finished']);
  });

  test('R91: a signaled fence is no dependency; of one context only the later fence is kept', () => {
    let w = schedWorld({
      fences: [
        ['x1', 50, 1],
        ['x2', 50, 2],
        ['s', 51, 1],
        ['y', 52, 1],
      ],
    });
    w = must(w, 's', { type: 'DMA_FENCE_SIGNAL' });
    w = drm_sched_job_init(w, 'j', 'a', 'sched0');
    for (const d of ['s', 'x2', 'x1', 'x2', 'y']) w = drm_sched_job_add_dependency(w, 'j', d);
    expect(job(w, 'j').deps).toEqual(['x2', 'y']);
  });

  test('R93: a dependency on a clean finished fence of the same scheduler waits only for its scheduled fence', () => {
    let w = schedWorld({
      scheds: [
        ['sched0', 'gpu0'],
        ['sched1', 'gpu1'],
      ],
    });
    w = submit(w, 'a', 'a.j0');
    w = submit(w, 'b', 'b.j0', [], 'sched1');
    w = submit(w, 'b', 'b.j1', ['a.j0.finished'], 'sched1'); // another scheduler: the finished fence
    w = submit(w, 'a', 'a.j1', ['b.j0.finished']);
    w = drm_sched_job_init(w, 'p', 'b', 'sched1');
    w = drm_sched_job_add_dependency(w, 'p', 'b.j0.finished'); // same scheduler: pipelined
    w = drm_sched_run_job(w, 'sched1', 'b');
    w = drm_sched_job_init(w, 'h', 'b', 'sched1');
    w = drm_sched_job_add_dependency(w, 'h', 'b.j0.hw'); // a hardware fence is no scheduler fence
    expect(job(w, 'h').deps).toEqual(['b.j0.hw']);
    expect([job(w, 'b.j1').deps, job(w, 'a.j1').deps, job(w, 'p').deps]).toEqual([
      ['a.j0.finished'],
      ['b.j0.finished'],
      ['b.j0.scheduled'],
    ]);
    // H6: DRM_SCHED_FENCE_DONT_PIPELINE on the finished fence forbids it; so does an error on it
    let n = must(w, 'b.j0.finished', { type: 'DMA_FENCE_SET_USER_BIT', bit: DRM_SCHED_FENCE_DONT_PIPELINE });
    n = drm_sched_job_init(n, 'q', 'b', 'sched1');
    n = drm_sched_job_add_dependency(n, 'q', 'b.j0.finished');
    expect(job(n, 'q').deps).toEqual(['b.j0.finished']);
    let e = must(w, 'b.j0.finished', { type: 'DMA_FENCE_SET_ERROR', error: -5 });
    e = drm_sched_job_init(e, 'q', 'b', 'sched1');
    e = drm_sched_job_add_dependency(e, 'q', 'b.j0.finished');
    expect(job(e, 'q').deps).toEqual(['b.j0.finished']);
  });

  test('R92, R93: push publishes each dependency and hangs a callback on it; its signal unblocks the job', () => {
    let w = schedWorld({ fences: [['x', 50, 1]] });
    w = submit(w, 'a', 'a.j0', ['x']);
    expect(fence(w, 'x').cbs).toEqual([{ to: 'a.j0', ev: { type: 'DRM_SCHED_DEP_SIGNALED', fence: 'x' } }]);
    expect(fence(w, 'x').published).toBe(true);
    expect(drm_sched_select_entity(w, 'sched0')).toEqual([]);
    w = must(w, 'x', { type: 'DMA_FENCE_SIGNAL' });
    expect(job(w, 'a.j0').deps).toEqual([]);
    expect(drm_sched_select_entity(w, 'sched0')).toEqual(['a']);
  });

  test('the policy is fixed before the first job; "any" keeps no run queue, a kernel policy one per scheduler', () => {
    const two = {
      scheds: [
        ['sched0', 'gpu0'],
        ['sched1', 'gpu1'],
      ] as [string, string][],
    };
    expect(sched(schedWorld(two)).rq).toBeUndefined();
    const f = schedWorld({ ...two, policy: 'fifo' });
    expect([sched(f).rq?.policy, sched(f, 'sched1').rq?.policy]).toEqual(['fifo', 'fifo']);
    const pushed = submit(schedWorld(two), 'a', 'a.j0');
    expect(() => drm_sched_policy(pushed, 'round-robin')).toThrow(/before the first job/);
    expect(() => drm_sched_policy(pushed, 'any')).toThrow(/before the first job/);
  });
});

describe('readiness, priorities and run_job (R93-R95)', () => {
  test('an entity is ready for the scheduler of its head job only, once prepare_job has nothing left (H5)', () => {
    let w = schedWorld({
      scheds: [
        ['sched0', 'gpu0'],
        ['sched1', 'gpu1'],
      ],
    });
    w = submit(w, 'a', 'a.j0', [], 'sched1');
    expect(drm_sched_entity_is_ready(w, 'sched0', 'a')).toBe(false);
    expect(drm_sched_entity_is_ready(w, 'sched1', 'a')).toBe(true);
    expect(drm_sched_entity_is_ready(w, 'sched1', 'b')).toBe(false); // nothing queued
    const asked: string[] = [];
    const ops = (ok: boolean) => ({
      prepare_job: (_w: World, j: string) => {
        asked.push(j);
        return ok;
      },
    });
    expect(drm_sched_entity_is_ready(w, 'sched1', 'a', ops(false))).toBe(false);
    expect(drm_sched_entity_is_ready(w, 'sched1', 'a', ops(true))).toBe(true);
    expect(asked).toEqual(['a.j0', 'a.j0']);
    expect(drm_sched_select_entity(w, 'sched1', ops(false))).toEqual([]);
    expect(drm_sched_run_job_enabled(w, 'sched1', 'a', ops(false))).toBe(false);
  });

  test(
    'the highest run queue with a ready entity goes first; ' + 'num_rqs clamps priorities (drm_sched_entity_init)',
    () => {
      const es: [string, 'HIGH' | 'LOW' | undefined][] = [
        ['lo', 'LOW'],
        ['n', undefined],
        ['hi', 'HIGH'],
      ];
      let w = schedWorld({ entities: es, fences: [['x', 50, 1]] });
      expect(['lo', 'n', 'hi'].map((e) => drm_sched_rq_of(w, 'sched0', e))).toEqual([3, 2, 1]);
      w = submit(submit(w, 'lo', 'lo.j0'), 'n', 'n.j0');
      w = submit(w, 'hi', 'hi.j0', ['x']);
      expect(drm_sched_select_entity(w, 'sched0')).toEqual(['n']); // HIGH is blocked: NORMAL is the top ready
      w = must(w, 'x', { type: 'DMA_FENCE_SIGNAL' });
      expect(drm_sched_select_entity(w, 'sched0')).toEqual(['hi']);
      let one = schedWorld({ entities: es, numRqs: 1 });
      expect(['lo', 'n', 'hi'].map((e) => drm_sched_rq_of(one, 'sched0', e))).toEqual([0, 0, 0]);
      one = submit(submit(one, 'lo', 'lo.j0'), 'hi', 'hi.j0');
      expect(drm_sched_select_entity(one, 'sched0').sort()).toEqual(['hi', 'lo']);
      expect(sched(schedWorld({ numRqs: 2 })).numRqs).toBe(2);
    },
  );

  test('R95: run_job takes a credit, numbers hardware fences per ring, and hands the job to the ring', () => {
    let w = schedWorld({
      scheds: [
        ['sched0', 'gpu0'],
        ['sched1', 'gpu1'],
      ],
      creditLimit: 2,
    });
    w = submit(submit(w, 'a', 'a.j0'), 'b', 'b.j0');
    w = submit(w, 'a', 'a.j1', [], 'sched1');
    const ran: string[] = [];
    const ops = {
      run_job: (x: World, j: string) => {
        ran.push(j);
        return x;
      },
      hw_steps: () => 3,
    };
    w = drm_sched_run_job(w, 'sched0', 'a', ops);
    w = drm_sched_run_job(w, 'sched0', 'b');
    expect(drm_sched_run_job_enabled(w, 'sched0', 'a')).toBe(false); // empty, and no credit left
    w = drm_sched_run_job(w, 'sched1', 'a');
    const hw = (j: string) => {
      const f = fence(w, `${j}.hw`);
      return [f.context, f.seqno, f.owner, f.ops];
    };
    expect([hw('a.j0'), hw('b.j0'), hw('a.j1')]).toEqual([
      [1000, 1, 'a.j0', 'hw'],
      [1000, 2, 'b.j0', 'hw'],
      [1001, 1, 'a.j1', 'hw'],
    ]);
    expect(ran).toEqual(['a.j0']);
    expect(ctx<GpuRingContext>(w, 'gpu0')).toMatchObject({ fifo: ['a.j0.hw', 'b.j0.hw'], left: { 'a.j0.hw': 3 } });
    expect(ctx<GpuRingContext>(w, 'gpu1').left).toBeUndefined();
    expect([sched(w).pending, job(w, 'a.j0').parent, ctx<DrmSchedEntityContext>(w, 'a').lastScheduled]).toEqual([
      ['a.j0', 'b.j0'],
      'a.j0.hw',
      'a.j1',
    ]);
    expect(isSignaled(w, 'a.j0.scheduled')).toBe(true);
    // the credit comes back when the ring completes the job (R96)
    w = must(w, 'gpu0', { type: 'GPU_RING_PROGRESS' });
    w = must(w, 'gpu0', { type: 'GPU_RING_PROGRESS' });
    w = must(w, 'gpu0', { type: 'GPU_RING_COMPLETE' });
    expect([stateOf(w, 'a.j0'), sched(w).pending]).toEqual(['done', ['b.j0']]);
  });
});

describe('entity selection under the kernel policies, drm_sched_rq_select_entity_rr and _fifo', () => {
  test('fifo: the oldest submitted job whose entity is ready; none when none is', () => {
    let w = schedWorld({ policy: 'fifo', fences: [['x', 50, 1]] });
    w = submit(w, 'a', 'a.j0', ['x']);
    expect(drm_sched_select_entity(w, 'sched0')).toEqual([]);
    w = submit(w, 'b', 'b.j0');
    expect(drm_sched_select_entity(w, 'sched0')).toEqual(['b']);
    w = must(w, 'x', { type: 'DMA_FENCE_SIGNAL' });
    expect(drm_sched_select_entity(w, 'sched0')).toEqual(['a']);
  });

  test('round robin: the next ready entity after current_entity, not the first of the list', () => {
    let w = schedWorld({ policy: 'round-robin' });
    w = submit(submit(w, 'a', 'a.j0'), 'b', 'b.j0');
    w = submit(w, 'a', 'a.j1');
    w = must(drm_sched_run_job(w, 'sched0', 'a'), 'gpu0', { type: 'GPU_RING_COMPLETE' });
    expect(drm_sched_select_entity(w, 'sched0')).toEqual(['b']);
  });
});

describe('the shared step table', () => {
  test('hangs spend the fault budget; each step acts on its own object', () => {
    const t = drmSchedStepTable<{ hangs: number }>({ maxHangs: (c) => c.hangs });
    let w = schedWorld({
      scheds: [
        ['sched0', 'gpu0'],
        ['sched1', 'gpu1'],
      ],
    });
    w = submit(submit(w, 'a', 'a.j0'), 'b', 'b.j0', [], 'sched1');
    const rings = t.gpu_ring_hang.params?.(w, { hangs: 1 });
    expect(rings).toEqual([['gpu0'], ['gpu1']]);
    expect(t.drm_sched_run_job.params?.(w, { hangs: 1 })).toEqual([
      ['sched0', 'a'],
      ['sched0', 'b'],
      ['sched1', 'a'],
      ['sched1', 'b'],
    ]);
    expect(t.drm_sched_run_job.enabled(w, ['sched1', 'a'], { hangs: 1 })).toBe(false);
    w = t.drm_sched_run_job.apply(w, ['sched0', 'a'], { hangs: 1 });
    w = t.drm_sched_run_job.apply(w, ['sched1', 'b'], { hangs: 1 });
    expect(t.gpu_ring_hang.enabled(w, ['gpu0'], { hangs: 0 })).toBe(false);
    expect(t.gpu_ring_hang.enabled(w, ['gpu0'], { hangs: 1 })).toBe(true);
    w = t.gpu_ring_hang.apply(w, ['gpu0'], { hangs: 1 });
    expect([ctx<GpuRingContext>(w, 'gpu0').hung, ctx<GpuRingContext>(w, 'gpu1').hung, w.g.hangs]).toEqual([
      true,
      false,
      1,
    ]);
    expect(t.gpu_ring_hang.enabled(w, ['gpu1'], { hangs: 1 })).toBe(false); // budget spent
    expect(t.gpu_ring_progress.enabled(w, ['gpu1'], { hangs: 1 })).toBe(false); // one-step work
    w = t.gpu_ring_complete.apply(w, ['gpu1'], { hangs: 1 });
    expect(stateOf(w, 'b.j0')).toBe('done');
    expect(t.gpu_ring_complete.enabled(w, ['gpu0'], { hangs: 1 })).toBe(false); // hung
    expect(idsOf(w, 'drm_sched_job').map((j) => send(w, j, { type: 'DRM_SCHED_FREE_JOB' }))).toEqual([null, null]);
  });

  test('actors and roles are the trace columns; a long job progresses; the budgets count', () => {
    const t = drmSchedStepTable<{ hangs: number }>({ maxHangs: (c) => c.hangs });
    const c = { hangs: 2 };
    const cols = Object.values(t).map((st) => [st.name, st.role, st.actor(['x', 'y'], c)]);
    expect(cols).toEqual([
      ['drm_sched_run_job', 'kernel', 'x'],
      ['gpu_ring_complete', 'gpu', 'x'],
      ['gpu_ring_progress', 'gpu', 'x'],
      ['gpu_ring_hang', 'fault', 'x'],
      ['drm_sched_job_timedout', 'timer', 'x'],
    ]);
    expect(drmSchedSteps({ maxHangs: () => 1 }).map((st) => st.name)).toEqual(cols.map((x) => x[0]));
    let w = schedWorld({
      scheds: [
        ['sched0', 'gpu0'],
        ['sched1', 'gpu1'],
      ],
    });
    w = submit(submit(w, 'a', 'a.j0'), 'b', 'b.j0', [], 'sched1');
    w = drm_sched_run_job(w, 'sched0', 'a', { hw_steps: () => 2 });
    w = drm_sched_run_job(w, 'sched1', 'b');
    // a healthy ring: no wrong timeout without a timeout budget (default 0)
    expect(t.drm_sched_job_timedout.enabled(w, ['sched0'], c)).toBe(false);
    expect(t.gpu_ring_progress.enabled(w, ['gpu0'], c)).toBe(true);
    expect(ctx<GpuRingContext>(w, 'gpu0').left).toEqual({ 'a.j0.hw': 2 });
    w = t.gpu_ring_progress.apply(w, ['gpu0'], c);
    expect(ctx<GpuRingContext>(w, 'gpu0').left).toEqual({}); // one step left: ordinary work now
    w = t.gpu_ring_hang.apply(t.gpu_ring_hang.apply(w, ['gpu0'], c), ['gpu1'], c);
    expect(w.g.hangs).toBe(2);
  });
});
