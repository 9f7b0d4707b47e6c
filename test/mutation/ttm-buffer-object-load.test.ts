/**
 * The ttm_buffer_object machine as its module builds it at load (issue 14.7's 'static' mutants): the module
 * is imported inside the test, so StrykerJS attributes the code that runs at load (the machine config) to
 * this test and runs it against each such mutant, which stryker-activate.mjs has switched on before the
 * import. Nothing else in this file may import models/ttm/ttm-buffer-object.ts statically (nor anything
 * that imports it), or the load would happen outside the test again.
 * One walk over every state and event of the lifecycle (R53, I19, H5), asserting what TTM does.
 */
import { describe, expect, test } from 'vitest';
import { ctx, emptyWorld, idsOf, must, send, spawn, stateOf, type Ev, type World } from '../../models/world.ts';
import { waitEdges } from '../../models/view.ts';
import { dmaFenceMachine, isSignaled } from '../../models/dma-buf/dma-fence.ts';

describe('ttm_buffer_object, built inside the test', () => {
  test(
    'the lifecycle: idle -> waiting -> moving -> idle, pins, ' + 'free; each state refuses what TTM forbids',
    async () => {
      const { ttmBoMachine } = await import('../../models/ttm/ttm-buffer-object.ts');
      let w: World = spawn(emptyWorld, 'bo', ttmBoMachine, { resv: 'bo.resv', placement: 'GTT' });
      for (const f of ['m', 'd', 'm2']) w = spawn(w, f, dmaFenceMachine, { context: 1, seqno: 1 });
      const c = (x: World) =>
        ctx<{ placement: string; pinnedFor: string; deps: string[]; neededBy: string[] }>(x, 'bo');
      const has = (x: World, tag: string) => x.o.bo.hasTag(tag);
      expect(idsOf(w, 'ttm_buffer_object')).toEqual(['bo']);
      expect([stateOf(w, 'bo'), has(w, 'moving'), has(w, 'freed')]).toEqual(['idle', false, false]);
      // idle: pins come and go; nothing to signal or wait for
      w = must(w, 'bo', { type: 'TTM_BO_PIN', for: 'ctx' });
      expect(c(w).pinnedFor).toBe('ctx');
      w = must(w, 'bo', { type: 'TTM_BO_UNPIN' });
      expect(c(w).pinnedFor).toBe('');
      for (const ev of <Ev[]>[
        { type: 'TTM_BO_MOVE', to: 'GTT', fence: 'm', deps: [], neededBy: [] },
        { type: 'TTM_BO_DEP_SIGNALED', fence: 'd' },
        { type: 'TTM_BO_MOVE_DONE' },
        { type: 'TTM_BO_NEEDED_BY', by: 'j' },
      ])
        expect(send(w, 'bo', ev), `idle refuses ${ev.type}`).toBeNull();
      // waiting (I19): the old copy is valid, the move waits on d; no copy, no second move, no free
      w = must(w, 'bo', { type: 'TTM_BO_MOVE', to: 'VRAM', fence: 'm', deps: ['d'], neededBy: ['j'] });
      expect([stateOf(w, 'bo'), has(w, 'moving'), c(w).placement]).toEqual(['waiting', false, 'GTT']);
      expect(waitEdges(w)).toEqual([
        ['m', 'd', "bo's move waits on d (I19)"],
        ['j', 'm', 'j needs bo in VRAM (H5)'],
      ]);
      for (const ev of <Ev[]>[
        { type: 'TTM_BO_MOVE_DONE' },
        { type: 'TTM_BO_FREE' },
        { type: 'TTM_BO_PIN', for: 'x' },
        { type: 'TTM_BO_MOVE', to: 'SYSTEM', fence: 'm2', deps: [], neededBy: [] },
        { type: 'TTM_BO_DEP_SIGNALED', fence: 'm2' }, // not a fence the move waits on
        { type: 'TTM_BO_NEEDED_BY', by: 'j' }, // j waits on the move already
      ])
        expect(send(w, 'bo', ev), `waiting refuses ${ev.type}`).toBeNull();
      w = must(w, 'bo', { type: 'TTM_BO_NEEDED_BY', by: 'k' });
      expect(c(w).neededBy).toEqual(['j', 'k']);
      // moving: the copy engine copies, no access (tag), only the copy's end or one more waiter
      w = must(w, 'bo', { type: 'TTM_BO_DEP_SIGNALED', fence: 'd' });
      expect([stateOf(w, 'bo'), has(w, 'moving')]).toEqual(['moving', true]);
      for (const ev of <Ev[]>[
        { type: 'TTM_BO_FREE' },
        { type: 'TTM_BO_UNPIN' },
        { type: 'TTM_BO_DEP_SIGNALED', fence: 'd' },
        { type: 'TTM_BO_NEEDED_BY', by: 'k' }, // k waits on the move already
      ])
        expect(send(w, 'bo', ev), `moving refuses ${ev.type}`).toBeNull();
      w = must(w, 'bo', { type: 'TTM_BO_NEEDED_BY', by: 'l' });
      expect(c(w).neededBy).toEqual(['j', 'k', 'l']);
      w = must(w, 'bo', { type: 'TTM_BO_MOVE_DONE' });
      expect([stateOf(w, 'bo'), c(w).placement, c(w).pinnedFor, isSignaled(w, 'm')]).toEqual([
        'idle',
        'VRAM',
        'j',
        true,
      ]);
      // a move out starts at once without deps and drops the pin; freeing ends the BO for good
      w = must(w, 'bo', { type: 'TTM_BO_MOVE', to: 'SYSTEM', fence: 'm2', deps: [], neededBy: [] });
      expect([stateOf(w, 'bo'), c(w).pinnedFor]).toEqual(['moving', '']);
      w = must(w, 'bo', { type: 'TTM_BO_MOVE_DONE' });
      w = must(w, 'bo', { type: 'TTM_BO_FREE' });
      expect([stateOf(w, 'bo'), has(w, 'freed'), w.o.bo.status]).toEqual(['freed', true, 'done']);
      expect(waitEdges(w)).toEqual([]);
      expect(send(w, 'bo', { type: 'TTM_BO_PIN', for: 'x' })).toBeNull();
    },
  );
});
