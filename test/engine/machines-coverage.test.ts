/**
 * @xstate/graph covers every transition of the first slice's machines (issue 2, item 6).
 */
import { describe, expect, test } from 'vitest';
import { coverTransitions } from '../helpers/coverage.ts';
import { dmaFenceMachine } from '../../models/dma-buf/dma-fence.ts';
import { dmaResvMachine } from '../../models/dma-buf/dma-resv.ts';
import { gpuRingMachine } from '../../models/gpu/gpu-ring.ts';
import { drmSchedJobMachine } from '../../models/drm-sched/drm-sched-job.ts';
import { drmSchedEntityMachine } from '../../models/drm-sched/drm-sched-entity.ts';
import { drmGpuSchedulerMachine } from '../../models/drm-sched/drm-gpu-scheduler.ts';
import { processMachine } from '../../models/userspace/process.ts';

describe('@xstate/graph transition coverage', () => {
  test('dma_fence: every transition (R4-R11)', () => {
    const r = coverTransitions(dmaFenceMachine, (s) => [
      { type: 'DMA_FENCE_ENABLE_SW_SIGNALING' },
      ...(s.context.cbs.length < 1 ? [{ type: 'DMA_FENCE_ADD_CALLBACK', cb: { to: 'w', ev: { type: 'X' } } }] : []),
      { type: 'DMA_FENCE_REMOVE_CALLBACK', to: 'w' },
      { type: 'DMA_FENCE_SET_ERROR', error: -62 },
      { type: 'DMA_FENCE_SET_ERROR', error: 5 },
      { type: 'DMA_FENCE_SIGNAL' },
      { type: 'DMA_FENCE_PUBLISH' },
      { type: 'DMA_FENCE_SET_USER_BIT', bit: 'b0' },
    ]);
    expect(r.uncovered).toEqual([]);
    expect(r.states).toBeGreaterThan(4);
  });
  test('dma_resv: lock, reserve, add, replace, unlock (R55-R57)', () => {
    const r = coverTransitions(dmaResvMachine, (s) => [
      { type: 'DMA_RESV_LOCK', owner: 't' },
      { type: 'DMA_RESV_UNLOCK' },
      ...(s.context.reserved < 1 ? [{ type: 'DMA_RESV_RESERVE_FENCES', n: 1 }] : []),
      ...(s.context.fences.length < 2
        ? [
            {
              type: 'DMA_RESV_ADD_FENCE',
              fence: `f${s.context.fences.length}`,
              usage: 'WRITE',
              context: s.context.fences.length,
              seqno: 1,
              signaled: [],
            },
          ]
        : []),
      { type: 'DMA_RESV_REPLACE_FENCES', context: 0, fence: 'stub', fenceContext: 0, seqno: 0 },
    ]);
    expect(r.uncovered).toEqual([]);
  });
  test('gpu_ring: emit, complete, hang, reset', () => {
    const r = coverTransitions(gpuRingMachine, (s) => [
      ...(s.context.fifo.length < 2 ? [{ type: 'GPU_RING_EMIT', fence: `h${s.context.fifo.length}` }] : []),
      ...(s.context.fifo.length < 2 ? [{ type: 'GPU_RING_EMIT', fence: `l${s.context.fifo.length}`, steps: 2 }] : []),
      { type: 'GPU_RING_PROGRESS' },
      { type: 'GPU_RING_COMPLETE' },
      { type: 'GPU_RING_HANG' },
      { type: 'GPU_RING_RESET' },
    ]);
    expect(r.uncovered).toEqual([]);
  });
  test('drm_sched_job: init -> armed -> queued -> running -> done, with reset (R89-R102)', () => {
    const r = coverTransitions(
      drmSchedJobMachine,
      (s) => [
        ...(s.context.deps.length < 1 ? [{ type: 'DRM_SCHED_JOB_ADD_DEPENDENCY', fence: 'd' }] : []),
        { type: 'DRM_SCHED_JOB_ARM', scheduled: 's', finished: 'f' },
        { type: 'DRM_SCHED_ENTITY_PUSH_JOB' },
        { type: 'DRM_SCHED_DEP_SIGNALED', fence: 'd' },
        { type: 'DRM_SCHED_RUN_JOB', parent: 'hw', error: 0 },
        { type: 'DRM_SCHED_RUN_JOB', parent: '', error: -125 },
        { type: 'DRM_SCHED_PARENT_SIGNALED', fenceError: 0 },
        { type: 'DRM_SCHED_JOB_DETACH_PARENT' },
        { type: 'DRM_SCHED_JOB_DONE', error: -62 },
      ],
      { input: { id: 'j', entity: 'e', sched: 's' } },
    );
    expect(r.uncovered).toEqual([]);
  });
  test('drm_sched_entity and drm_gpu_scheduler (R90-R97, R103; entity selection policies)', () => {
    const e = coverTransitions(
      drmSchedEntityMachine,
      (s) => [
        ...(s.context.fenceSeq < 1 ? [{ type: 'DRM_SCHED_ENTITY_ARM' }] : []),
        ...(s.context.queue.length < 1 ? [{ type: 'DRM_SCHED_ENTITY_PUSH', job: 'j' }] : []),
        { type: 'DRM_SCHED_ENTITY_POP' },
        { type: 'DRM_SCHED_ENTITY_SET_GUILTY' },
      ],
      { input: { fenceContext: 1 } },
    );
    expect(e.uncovered).toEqual([]);
    const s = coverTransitions(
      drmGpuSchedulerMachine,
      (x) => [
        { type: 'DRM_SCHED_PENDING_ADD', job: 'j' },
        { type: 'DRM_SCHED_FREE_JOB', job: 'j' },
        { type: 'DRM_SCHED_SET_POLICY', policy: 'round-robin' },
        { type: 'DRM_SCHED_SET_POLICY', policy: 'fifo' },
        ...((x.context.rq?.submitted.length ?? 0) < 1 ? [{ type: 'DRM_SCHED_RQ_PUSH', entity: 'e', job: 'j' }] : []),
        { type: 'DRM_SCHED_RQ_SELECT', entity: 'e', job: 'j' },
      ],
      { input: { ring: 'r', timeout: true, creditLimit: 1 } },
    );
    expect(s.uncovered).toEqual([]);
  });
  test('process', () => {
    const r = coverTransitions(processMachine, () => [{ type: 'PROCESS_SUBMITTED' }, { type: 'PROCESS_READ_BACK' }], {
      input: { jobs: 1 },
    });
    expect(r.uncovered).toEqual([]);
  });
});
