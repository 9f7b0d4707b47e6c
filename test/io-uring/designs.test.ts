/**
 * Seed 003's open choices (issue 12.5): the CQE posted from the fence callback against task_work, and an
 * ioctl submission mixed with io_uring entries. Exhaustive on the small configs where that is quick;
 * the mixed submission walked along its steps.
 */
import { describe, expect, test } from 'vitest';
import { checkDesigns } from '../../src/api.ts';
import { ctx, hasTag, stateOf } from '../../models/world.ts';
import type { DrmSchedJobContext } from '../../models/drm-sched/drm-sched-job.ts';
import mixed from '../../models/designs/io-uring-mixed-submit.ts';
import noFutureEdges from '../../properties/no-future-edges.ts';
import { walk } from '../display/helpers.ts';

const act = (label: string) => ({ step: label.split('(')[0], args: [], label, role: 'user' });

describe('CQE post: in the fence callback vs task_work (R22, R24)', async () => {
  const designs = ['io-uring-cqe-in-callback', 'io-uring-cqe-deferred'];
  const r = await checkDesigns({ designs, engine: 'exhaustive' });
  test.each(r.cells.map((c) => [`${c.design} / ${c.property}`, c] as const))('%s', (_n, c) => {
    expect(c.observed, `${c.message ?? c.bound}`).toBe(c.expected);
    if (c.observed === 'holds') expect(c.bound).toMatch(/^all \d+ reachable states/);
  });
  test('the fix changes exactly the signalling-path cells', () => {
    const bad = (d: string) =>
      r.cells
        .filter((c) => c.design === d && c.observed === 'violates')
        .map((c) => c.property)
        .sort();
    expect(bad('io-uring-cqe-in-callback')).toEqual(['acyclic-waits', 'signalling-section-discipline']);
    expect(bad('io-uring-cqe-deferred')).toEqual([]);
    const c = r.cells.find(
      (x) => x.design === 'io-uring-cqe-in-callback' && x.property === 'signalling-section-discipline',
    );
    expect(c?.message).toMatch(/allocated with GFP_KERNEL: direct reclaim waits on uring0.sqe\d.finished/);
  });
});

describe('io-uring-mixed-submit (I8, R88)', () => {
  const cfg = mixed.configs.small;
  test('an ioctl naming an entry still in the SQ is armed on a placeholder: a future edge', () => {
    const entered = walk(mixed, cfg, [['io_uring_enter']]);
    const after = walk(mixed, cfg, [['DRM_IOCTL_SUBMIT']], entered);
    expect(ctx<DrmSchedJobContext>(after, 'proc0.ioctl0').deps).toEqual(['uring0.sqe0.future']);
    expect(noFutureEdges.step!(entered, act('DRM_IOCTL_SUBMIT()'), after, cfg)).toMatch(
      /proc0.ioctl0 was armed at DRM_IOCTL_SUBMIT\(\) on uring0.sqe0.future, a placeholder/,
    );
    // the SQ thread consumes the entry: the placeholder binds to its finished fence and signals with it
    const bound = walk(mixed, cfg, [['io_sq_thread_consume']], after);
    expect(ctx<{ target: string }>(bound, 'uring0.sqe0.future').target).toBe('uring0.sqe0.finished');
    expect(hasTag(bound, 'uring0.sqe0.future', 'signaled')).toBe(false);
  });
  test('once the entry was consumed the same ioctl waits on a fence that exists', () => {
    const consumed = walk(mixed, cfg, [['io_uring_enter'], ['io_sq_thread_consume']]);
    const after = walk(mixed, cfg, [['DRM_IOCTL_SUBMIT']], consumed);
    expect(ctx<DrmSchedJobContext>(after, 'proc0.ioctl0').deps).toEqual(['uring0.sqe0.finished']);
    expect(stateOf(after, 'proc0.ioctl0')).not.toBe('init');
    expect(noFutureEdges.step!(consumed, act('DRM_IOCTL_SUBMIT()'), after, cfg)).toBe(null);
  });
});
