/**
 * A userspace process (one GL/Vulkan client) of the simple model in seed 000: it allocates BOs,
 * submits jobs through the CS ioctl with a BO list, and maps a BO to read the result back on the CPU.
 *
 * Events: PROCESS_SUBMITTED (one CS ioctl returned), PROCESS_READ_BACK (the CPU map returned).
 */
import { setup, assign } from 'xstate';

export interface ProcessContext {
  /** always: jobs this process will submit in all. */
  jobs: number;
  /** always: jobs submitted so far (the next job's index). */
  next: number;
  /** done: the result was read back on the CPU. */
  readBack: boolean;
}

type E = { type: 'PROCESS_SUBMITTED' } | { type: 'PROCESS_READ_BACK' };

export const processMachine = setup({
  types: { context: {} as ProcessContext, events: {} as E, input: {} as { jobs: number } },
  guards: {
    'jobs left': ({ context }) => context.next < context.jobs,
    'all submitted, not read': ({ context }) => context.next === context.jobs && !context.readBack,
  },
}).createMachine({
  id: 'process',
  context: ({ input }) => ({ jobs: input?.jobs ?? 1, next: 0, readBack: false }),
  on: {
    PROCESS_SUBMITTED: { guard: 'jobs left', actions: assign({ next: ({ context }) => context.next + 1 }) },
    PROCESS_READ_BACK: { guard: 'all submitted, not read', actions: assign({ readBack: true }) },
  },
});
