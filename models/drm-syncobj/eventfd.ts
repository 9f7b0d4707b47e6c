/**
 * eventfd — fs/eventfd.c, as much of it as DRM_IOCTL_SYNCOBJ_EVENTFD needs (R87).
 *
 * Models: the 64-bit counter; eventfd_signal() adds 1, a read returns the counter and clears it.
 * Abstracted away: EFD_SEMAPHORE, poll wake-ups and the overflow limit (no property reads them).
 *
 * Events: EVENTFD_SIGNAL (kernel -> eventfd: eventfd_signal), EVENTFD_READ (userspace read(2)).
 */
import { setup, assign } from 'xstate';

export interface EventfdContext {
  /** always: the counter; read(2) returns it and clears it. */
  count: number;
  /** always: eventfd_signal calls so far (what tests assert on: "fired once"). */
  signals: number;
}

type E = { type: 'EVENTFD_SIGNAL' } | { type: 'EVENTFD_READ' };

export const eventfdMachine = setup({
  types: { context: {} as EventfdContext, events: {} as E },
  guards: { 'counter non-zero': ({ context }) => context.count > 0 },
}).createMachine({
  id: 'eventfd',
  context: () => ({ count: 0, signals: 0 }),
  on: {
    EVENTFD_SIGNAL: {
      description: 'eventfd_signal: +1',
      actions: assign({ count: ({ context }) => context.count + 1, signals: ({ context }) => context.signals + 1 }),
    },
    EVENTFD_READ: {
      guard: 'counter non-zero',
      description: 'read(2) clears the counter (EAGAIN when 0)',
      actions: assign({ count: 0 }),
    },
  },
});
