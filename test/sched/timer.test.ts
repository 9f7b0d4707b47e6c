/**
 * The one time model (models/kernel/timer.ts, issue 11.4) as drm_sched's TDR adopts it: armed while
 * pending_list is non-empty (R98); on a hung ring it may always fire (a right timeout, no budget spent);
 * on a healthy ring only while the config's timeout budget lasts (a wrong timeout: seed 002). The
 * victims are the scheduler's (R99, R103) and the reset's (R102), so innocent-context-survives sees both
 * a healthy job timed out and an innocent entity's job cancelled behind a hung one.
 */
import { describe, expect, test } from 'vitest';
import { stepByKey, findAction } from '../../src/world/steps.ts';
import { ctx, stateOf, type World } from '../../models/world.ts';
import type { Design } from '../../models/design.ts';
import type { DrmSchedJobContext } from '../../models/drm-sched/drm-sched-job.ts';
import type { DrmSchedEntityContext } from '../../models/drm-sched/drm-sched-entity.ts';
import { ECANCELED, ETIME } from '../../models/dma-buf/dma-fence.ts';
import { wrongTimeouts } from '../../models/kernel/timer.ts';
import singleFifo, { type SingleFifoConfig } from '../../models/designs/single-fifo-implicit.ts';
import computeUnderTdr from '../../models/designs/compute-under-tdr.ts';
import { variant, explore } from '../bugs/helpers.ts';

const cfg = (patch: Partial<SingleFifoConfig>): SingleFifoConfig => ({ ...singleFifo.configs.small, ...patch });

/** Take the step `name(args)` from `w`, which must be enabled. */
function take(d: Design, c: unknown, w: World, name: string, args: unknown[]): World {
  const a = findAction(d, c, w, name, args);
  expect(a, `${name}(${args.join(', ')}) enabled`).toBeDefined();
  return (a as { next: World }).next;
}

const tdrEnabled = (d: Design, c: unknown, w: World) => !!findAction(d, c, w, 'drm_sched_job_timedout', ['sched0']);

describe('drm_sched_job_timedout under the one time model', () => {
  test('the TDR step is a timer step', () => {
    expect(stepByKey(singleFifo, 'drm_sched_job_timedout')?.role).toBe('timer');
  });

  test('budget 0: a healthy running job is never timed out; a hung one is, and spends nothing', () => {
    const c = cfg({ timeouts: 0 });
    let w = singleFifo.init(c);
    w = take(singleFifo, c, w, 'DRM_IOCTL_CS', ['proc0']);
    w = take(singleFifo, c, w, 'drm_sched_run_job', ['sched0', 'proc0.ctx']);
    expect(tdrEnabled(singleFifo, c, w)).toBe(false);
    w = take(singleFifo, c, w, 'gpu_ring_hang', ['gpu0']);
    expect(tdrEnabled(singleFifo, c, w)).toBe(true);
    w = take(singleFifo, c, w, 'drm_sched_job_timedout', ['sched0']);
    expect(wrongTimeouts(w)).toBe(0);
    expect(ctx<DrmSchedJobContext>(w, 'proc0.j0').result).toBe(ETIME);
  });

  test('budget 1: the TDR fires once on a healthy job, which dies with -ETIME and makes its entity guilty', () => {
    const c = cfg({ timeouts: 1 });
    let w = singleFifo.init(c);
    w = take(singleFifo, c, w, 'DRM_IOCTL_CS', ['proc0']);
    expect(tdrEnabled(singleFifo, c, w)).toBe(false); // R98: nothing pending, not armed
    w = take(singleFifo, c, w, 'drm_sched_run_job', ['sched0', 'proc0.ctx']);
    expect(tdrEnabled(singleFifo, c, w)).toBe(true);
    w = take(singleFifo, c, w, 'drm_sched_job_timedout', ['sched0']);
    expect(wrongTimeouts(w)).toBe(1);
    expect(ctx<DrmSchedJobContext>(w, 'proc0.j0').result).toBe(ETIME);
    expect(ctx<DrmSchedEntityContext>(w, 'proc0.ctx').guilty).toBe(true);
    w = take(singleFifo, c, w, 'DRM_IOCTL_CS', ['proc0']);
    w = take(singleFifo, c, w, 'drm_sched_run_job', ['sched0', 'proc0.ctx']);
    expect(ctx<DrmSchedJobContext>(w, 'proc0.j1').result).toBe(ECANCELED); // R94
    w = take(singleFifo, c, w, 'DRM_IOCTL_CS', ['proc1']);
    w = take(singleFifo, c, w, 'drm_sched_run_job', ['sched0', 'proc1.ctx']);
    expect(tdrEnabled(singleFifo, c, w)).toBe(false); // the budget is spent
  });

  test('a long job progresses step by step, and the TDR may fire between its steps', () => {
    const c = computeUnderTdr.configs.small as SingleFifoConfig;
    let w = computeUnderTdr.init(c);
    w = take(computeUnderTdr, c, w, 'DRM_IOCTL_CS', ['proc0']);
    w = take(computeUnderTdr, c, w, 'drm_sched_run_job', ['sched0', 'proc0.ctx']);
    expect(findAction(computeUnderTdr, c, w, 'gpu_ring_complete', ['gpu0'])).toBeUndefined();
    w = take(computeUnderTdr, c, w, 'gpu_ring_progress', ['gpu0']);
    expect(tdrEnabled(computeUnderTdr, c, w)).toBe(true);
    w = take(computeUnderTdr, c, w, 'gpu_ring_progress', ['gpu0']);
    expect(findAction(computeUnderTdr, c, w, 'gpu_ring_progress', ['gpu0'])).toBeUndefined();
    w = take(computeUnderTdr, c, w, 'gpu_ring_complete', ['gpu0']);
    expect(stateOf(w, 'proc0.j0')).toBe('done');
    expect(ctx<DrmSchedJobContext>(w, 'proc0.j0').result).toBe(0);
  });
});

describe('innocent-context-survives sees what the TDR and the reset take', () => {
  const props = ['innocent-context-survives'];

  test('a healthy job timed out: compute-under-tdr violates, the compute job dies with -ETIME', async () => {
    const cells = await explore(variant(computeUnderTdr, 'tdr', props));
    expect(cells['innocent-context-survives'].observed).toBe('violates');
    expect(cells['innocent-context-survives'].message).toMatch(/proc0\.j0 of proc0\.ctx.*-62/);
  }, 60_000);

  test('collateral damage: no wrong timeout, a hang, and the innocent job behind it is cancelled', async () => {
    const c = cfg({ timeouts: 0, creditLimit: 2, jobs: 1 });
    const d = variant(singleFifo, 'collateral', props, { configs: { small: c, default: c } });
    const cells = await explore(d);
    expect(cells['innocent-context-survives'].observed).toBe('violates');
    expect(cells['innocent-context-survives'].message).toMatch(/error -125/);
  }, 60_000);

  test('without a hang or a wrong timeout nothing innocent is harmed', async () => {
    const c = cfg({ timeouts: 0, maxHangs: 0, creditLimit: 2, jobs: 1 });
    const d = variant(singleFifo, 'calm', props, { configs: { small: c, default: c } });
    expect((await explore(d))['innocent-context-survives'].observed).toBe('holds');
  }, 60_000);
});
