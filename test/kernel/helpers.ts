/** Small worlds for the kernel rule tests: plain fences and a recorder that keeps every event it gets. */
import { setup, assign } from 'xstate';
import { emptyWorld, spawn, ctx, type World } from '../../models/world.ts';
import { dmaFenceMachine } from '../../models/dma-buf/dma-fence.ts';

export const recorder = setup({ types: { context: {} as { got: unknown[] } } }).createMachine({
  id: 'test_recorder',
  context: { got: [] },
  on: { '*': { actions: assign({ got: ({ context, event }) => [...context.got, event] }) } },
});

export const got = (w: World, id = 'r') => ctx<{ got: { type: string; fenceError?: number }[] }>(w, id).got;

/** A world with recorder 'r' and plain fences: [id, context, seqno]. */
export function fences(...fs: [string, number, number][]): World {
  let w = spawn(emptyWorld, 'r', recorder, {});
  for (const [id, context, seqno] of fs) w = spawn(w, id, dmaFenceMachine, { context, seqno });
  return w;
}
