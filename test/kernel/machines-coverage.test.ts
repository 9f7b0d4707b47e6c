/**
 * @xstate/graph transition coverage of the issue-3 part A machines (test/helpers/coverage.ts): every
 * transition of dma_fence_array, sync_file, sw_sync_timeline and the extended dma_resv is taken.
 */
import { describe, expect, test } from 'vitest';
import { coverTransitions } from '../helpers/coverage.ts';
import { dmaFenceArrayMachine } from '../../models/dma-buf/dma-fence-array.ts';
import { syncFileMachine } from '../../models/dma-buf/sync-file.ts';
import { swSyncTimelineMachine } from '../../models/dma-buf/sw-sync.ts';
import { dmaResvMachine } from '../../models/dma-buf/dma-resv.ts';

describe('@xstate/graph transition coverage (issue 3, part A)', () => {
  test('dma_fence_array: enable, child callbacks, latch, is_signaled, callbacks (R36-R41)', () => {
    // signal_on_any never takes the "not last" branch, and "all" takes both: the union covers everything.
    const missed: string[][] = [];
    for (const signalOnAny of [false, true]) {
      const r = coverTransitions(
        dmaFenceArrayMachine,
        (s) => [
          { type: 'DMA_FENCE_ENABLE_SW_SIGNALING' },
          ...(s.context.cbs.length < 1 ? [{ type: 'DMA_FENCE_ADD_CALLBACK', cb: { to: 'w', ev: { type: 'X' } } }] : []),
          { type: 'DMA_FENCE_REMOVE_CALLBACK', to: 'w' },
          { type: 'DMA_FENCE_SET_ERROR', error: -5 },
          { type: 'DMA_FENCE_SET_ERROR', error: 3 },
          { type: 'DMA_FENCE_ARRAY_CB', child: 'a', fenceError: -62 },
          { type: 'DMA_FENCE_ARRAY_CB', child: 'b', fenceError: 0 },
          { type: 'DMA_FENCE_IS_SIGNALED' },
          { type: 'DMA_FENCE_SIGNAL' }, // the generic dma_fence_signal (R4), as on any kind
          { type: 'DMA_FENCE_PUBLISH' },
          { type: 'DMA_FENCE_SET_USER_BIT', bit: 'B' },
        ],
        { input: { self: 'arr', fences: ['a', 'b'], signalOnAny, context: 7, seqno: 1 } },
      );
      missed.push(r.uncovered);
      expect(r.states).toBeGreaterThan(5);
    }
    expect(missed[0].filter((t) => missed[1].includes(t))).toEqual([]);
    expect(missed[0]).toEqual([]);
  });
  test('sync_file: poll enable, wake, release (R64, R65)', () => {
    const r = coverTransitions(
      syncFileMachine(),
      () => [{ type: 'SYNC_FILE_POLL_ENABLE' }, { type: 'SYNC_FILE_FENCE_CB' }, { type: 'SYNC_FILE_RELEASE' }],
      { input: { fence: 'f' } },
    );
    expect(r.uncovered).toEqual([]);
  });
  test('sw_sync_timeline: create pending and born-signaled pts, inc, release', () => {
    const r = coverTransitions(
      swSyncTimelineMachine,
      (s) => [
        ...(s.context.created < 3
          ? [{ type: 'SW_SYNC_PT_CREATE', fence: `pt${s.context.created}`, seqno: s.context.created }]
          : []),
        ...(s.context.value < 2 ? [{ type: 'SW_SYNC_INC', inc: 1 }] : []),
        { type: 'SW_SYNC_RELEASE' },
      ],
      { input: { context: 4 } },
    );
    expect(r.uncovered).toEqual([]);
  });
  test('dma_resv (extended): reserve n > 0 only, add, replace with usage (R55-R57)', () => {
    const r = coverTransitions(dmaResvMachine, (s) => [
      { type: 'DMA_RESV_LOCK', owner: 't' },
      { type: 'DMA_RESV_UNLOCK' },
      { type: 'DMA_RESV_RESERVE_FENCES', n: 0 },
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
      { type: 'DMA_RESV_REPLACE_FENCES', context: 0, fence: 'stub', fenceContext: 0, seqno: 0, usage: 'BOOKKEEP' },
    ]);
    expect(r.uncovered).toEqual([]);
  });
});
