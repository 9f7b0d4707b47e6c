/**
 * World stepping: deliveries run within the step, in order; a transition whose only effect is a
 * delivery still counts as taken; a refused event leaves the world unchanged; nested deliveries land
 * depth first, and `send` never writes into the world it was given.
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

// A fan-out: one event delivers to two relays, each of which delivers on to the sink (nested deliveries).
const fan = setup({ types: { context: {} as Record<string, never>, events: {} as { type: 'GO' } } }).createMachine({
  id: 'test_fan',
  context: {},
  on: {
    GO: {
      actions: enqueueActions(({ enqueue }) => {
        enqueue(deliver('relay', { type: 'PING' }));
        enqueue(deliver('relay2', { type: 'PING' }));
      }),
    },
  },
});
const log = setup({
  types: { context: {} as { seen: string[] }, events: {} as { type: 'HIT' } | { type: 'MARK'; by: string } },
}).createMachine({
  id: 'test_log',
  context: () => ({ seen: [] }),
  on: {
    HIT: { actions: assign({ seen: ({ context }) => [...context.seen, 'hit'] }) },
    MARK: { actions: assign({ seen: ({ context, event }) => [...context.seen, event.by] }) },
  },
});
const marker = (by: string) =>
  setup({ types: { context: {} as { to: string }, events: {} as { type: 'PING' } } }).createMachine({
    id: `test_marker_${by}`,
    context: () => ({ to: 'log' }),
    on: {
      PING: { actions: enqueueActions(({ enqueue }) => enqueue(deliver('log', { type: 'MARK', by }))) },
    },
  });

describe('world.send', () => {
  test('nested deliveries land depth first, in order, and the world sent to is left as it was', () => {
    const w = spawn(
      spawn(spawn(spawn(emptyWorld, 'fan', fan, {}), 'relay', marker('a'), {}), 'relay2', marker('b'), {}),
      'log',
      log,
      {},
    );
    const before = worldKey(w);
    const once = send(w, 'fan', { type: 'GO' })!;
    expect(ctx(once, 'log').seen).toEqual(['a', 'b']);
    expect(worldKey(w)).toBe(before);
    // the second send starts from the first's result (a map the first send wrote into) and leaves it too
    const after = worldKey(once);
    expect(ctx(send(once, 'fan', { type: 'GO' })!, 'log').seen).toEqual(['a', 'b', 'a', 'b']);
    expect(worldKey(once)).toBe(after);
  });

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
