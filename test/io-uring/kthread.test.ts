/**
 * Seed 003 "one kthread per FD or one per drm scheduler?" (issue 12.5): several clients, the SQ thread
 * per fd against one per drm scheduler. Head-of-line blocking across clients is shown in the shared
 * thread's design and absent in the per-fd one, exhaustively on the small configs and along one
 * walk; and the shared entity shares the kernel's guilt (R103, R94).
 */
import { describe, expect, test } from 'vitest';
import { checkDesigns } from '../../src/api.ts';
import { ctx } from '../../models/world.ts';
import type { DrmSchedJobContext } from '../../models/drm-sched/drm-sched-job.ts';
import { crossClientBlocking, crossClientWaitQueued } from '../../models/io-uring/io-uring-clients.ts';
import perFd from '../../models/designs/io-uring-kthread-per-fd.ts';
import perSched from '../../models/designs/io-uring-kthread-per-sched.ts';
import { walk } from '../display/helpers.ts';
import { enabledActions } from '../../src/world/steps.ts';
import type { Design } from '../../models/design.ts';

const PROP = 'no-cross-client-blocking';

describe('no-cross-client-blocking, exhaustively on the small configs', async () => {
  const r = await checkDesigns({
    designs: ['io-uring-kthread-per-fd', 'io-uring-kthread-per-sched'],
    properties: [PROP],
    engine: 'exhaustive',
    metrics: false,
  });
  const cell = (d: string) => r.cells.find((c) => c.design === d && c.property === PROP)!;
  test('per-fd: holds over every reachable state, where the witness was reached', () => {
    const c = cell('io-uring-kthread-per-fd');
    expect(c.observed).toBe('holds');
    expect(c.bound).toMatch(/^all \d+ reachable states/);
    expect(c.reached).toBeGreaterThan(0);
    expect(c.match).toBe(true);
  });
  test("per-sched: client 1's independent job waits behind client 0's dependent one", () => {
    const c = cell('io-uring-kthread-per-sched');
    expect(c.observed).toBe('violates');
    expect(c.match).toBe(true);
    expect(c.message).toMatch(/uring1.sqe0 \(no unsignalled dependency\) waits on sched0.sqthread.ctx behind/);
    expect(c.message).toMatch(/behind uring0's uring0.sqe1, which waits on uring0.sqe0.finished/);
    expect(c.depth).toBeLessThanOrEqual(6);
  });
});

describe('the same submissions under both mappings', () => {
  // client 0: sqe0 on sched1, sqe1 on sched0 after sqe0; client 1: sqe0 on sched0, with nothing to wait on
  const enter = (c: number): [string, number] => ['io_uring_enter', c];
  test('per-sched: the shared thread queues both on its one entity, client 1 behind client 0', () => {
    const cfg = perSched.configs.small;
    const w = walk(perSched, cfg, [
      enter(0),
      ['io_sq_thread_consume', 1, 0],
      enter(0),
      ['io_sq_thread_consume', 0, 0],
      enter(1),
      ['io_sq_thread_consume', 0, 1],
    ]);
    expect(crossClientWaitQueued(w)).toBe(true);
    expect(crossClientBlocking(w)).toHaveLength(1);
    expect(ctx<DrmSchedJobContext>(w, 'uring1.sqe0').deps).toEqual([]);
    const runnable = enabledActions(perSched as Design, cfg, w).map((a) => a.label);
    expect(runnable).not.toContain('drm_sched_run_job(sched0, sched0.sqthread.ctx)');
  });
  test("per-fd: the same state has client 1's job at the head of its own entity, runnable", () => {
    const cfg = perFd.configs.small;
    const w = walk(perFd, cfg, [
      enter(0),
      ['io_sq_thread_consume', 0],
      enter(0),
      ['io_sq_thread_consume', 0],
      enter(1),
      ['io_sq_thread_consume', 1],
    ]);
    expect(crossClientWaitQueued(w)).toBe(true);
    expect(crossClientBlocking(w)).toEqual([]);
    const runnable = enabledActions(perFd as Design, cfg, w).map((a) => a.label);
    expect(runnable).toContain('drm_sched_run_job(sched0, uring1.sched0.ctx)');
  });
});

describe("the shared entity shares the kernel's guilt (R103, R94)", () => {
  // client 0's sqe0 hangs sched1 and the TDR fires; then client 1's sqe1 (sched1, after its sqe0) runs
  const hangThenB1 = (d: typeof perSched, consume: (q: number, c: number) => [string, ...number[]]) => {
    const cfg = d.configs.default;
    return walk(d, cfg, [
      ['io_uring_enter', 0],
      consume(1, 0),
      ['drm_sched_run_job', 'sched1', d === perSched ? 'sched1.sqthread.ctx' : 'uring0.sched1.ctx'],
      ['gpu_ring_hang', 'gpu1'],
      ['drm_sched_job_timedout', 'sched1'],
      ['io_uring_enter', 1],
      consume(0, 1),
      ['drm_sched_run_job', 'sched0', d === perSched ? 'sched0.sqthread.ctx' : 'uring1.sched0.ctx'],
      ['gpu_ring_complete', 'gpu0'],
      ['io_uring_enter', 1],
      consume(1, 1),
      ['drm_sched_run_job', 'sched1', d === perSched ? 'sched1.sqthread.ctx' : 'uring1.sched1.ctx'],
    ]);
  };
  test("per-sched: client 1's job is cancelled for client 0's hang", () => {
    const w = hangThenB1(perSched, (q, c) => ['io_sq_thread_consume', q, c]);
    expect(ctx<DrmSchedJobContext>(w, 'uring0.sqe0').result).toBe(-62); // -ETIME, the culprit (R99)
    expect(ctx<DrmSchedJobContext>(w, 'uring1.sqe1').result).toBe(-125); // -ECANCELED (R94)
  });
  test("per-fd: client 1's entity is innocent and its job runs", () => {
    const w = hangThenB1(perFd, (_q, c) => ['io_sq_thread_consume', c]);
    expect(ctx<DrmSchedJobContext>(w, 'uring0.sqe0').result).toBe(-62);
    const b1 = walk(perFd, perFd.configs.default, [['gpu_ring_complete', 'gpu1']], w);
    expect(ctx<DrmSchedJobContext>(b1, 'uring1.sqe1').result).toBe(0);
  });
});
