/**
 * World stepping: deliveries run within the step, in order; a transition whose only effect is a
 * delivery still counts as taken; a refused event leaves the world unchanged.
 */
import { describe, expect, test } from 'vitest';
import { setup, enqueueActions, assign } from 'xstate';
import { emptyWorld, spawn, send, ctx, deliver, worldKey } from '../../models/world.ts';

const relay = setup({ types: { context: {} as { to: string }, events: {} as { type: 'PING' } } }).createMachine({
  id: 'test_relay',
  context: () => ({ to: 'sink' }),
  on: { PING: { actions: enqueueActions(({ context, enqueue }) => enqueue(deliver(context.to, { type: 'HIT' }))) } },
});
const sink = setup({ types: { context: {} as { hits: number }, events: {} as { type: 'HIT' } } }).createMachine({
  id: 'test_sink',
  context: () => ({ hits: 0 }),
  on: {
    HIT: { guard: ({ context }) => context.hits < 1, actions: assign({ hits: ({ context }) => context.hits + 1 }) },
  },
});

describe('world.send', () => {
  const w0 = spawn(spawn(emptyWorld, 'relay', relay, {}), 'sink', sink, {});
  test('a delivery-only transition is taken and its delivery lands in the same step', () => {
    const w1 = send(w0, 'relay', { type: 'PING' });
    expect(w1).not.toBeNull();
    expect(ctx(w1!, 'sink').hits).toBe(1);
  });
  test('a delivery its target refuses is dropped; the sender still stepped', () => {
    const w2 = send(send(w0, 'relay', { type: 'PING' })!, 'relay', { type: 'PING' });
    expect(w2).not.toBeNull();
    expect(ctx(w2!, 'sink').hits).toBe(1);
  });
  test('an unhandled event is refused and the world is unchanged', () => {
    expect(send(w0, 'sink', { type: 'PING' })).toBeNull();
    expect(worldKey(w0)).toBe(worldKey(spawn(spawn(emptyWorld, 'relay', relay, {}), 'sink', sink, {})));
  });
});
