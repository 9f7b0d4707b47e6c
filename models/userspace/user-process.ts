/**
 * user_process — a userspace process running a short program (seeds 001, 002): it submits work, waits
 * on user memory fences like a futex, writes them, and may crash or be killed.
 *
 * Contract (kernel-sync-semantics.md R105, R120, seed 002 §2.1 "Deadlock mitigation", §3.1):
 * - R120 a CPU wait on a user fence sleeps until the value is reached (UMF futex queue).
 * - seed 002 §3.1 an eviction may "halt all userspace command submissions" until the move is done.
 * - seed 002 §2.1 the kernel knows which process must signal which fence; if the producer crashes
 *   the kernel signals it (here: writes the user fence on its behalf).
 * - R105 a SIGKILLed process's contexts are killed; their fences complete with -ESRCH.
 *
 * Models: a program counter over the design's program (the design says what step pc means), what
 * the process is blocked on, whether the kernel halted it, and death. The process is a node of the
 * wait-for graph: the UMFs it writes wait on whatever it waits on (R30).
 * Abstracted away: threads (one thread per process: a blocked process does nothing else), signals
 * other than SIGKILL, file descriptors.
 *
 * Events: PROC_ADVANCE (the next program step ran), PROC_BLOCK {on}, PROC_WAKE, PROC_HALT {by}
 *   (seed 002 halting eviction), PROC_RESUME, PROC_CRASH.
 */
import { setup, assign } from 'xstate';
import { withView, type Edge } from '../view.ts';

export interface UserProcessContext {
  /** always: program counter (index of the next program step). */
  pc: number;
  /** blocked: what it sleeps on (a UMF, a move fence, a dma_fence). */
  waitingOn: string;
  /** halted: the eviction that halted its submissions (seed 002 §3.1). */
  haltedBy: string;
}

type E =
  | { type: 'PROC_ADVANCE' }
  | { type: 'PROC_BLOCK'; on: string }
  | { type: 'PROC_WAKE' }
  | { type: 'PROC_HALT'; by: string }
  | { type: 'PROC_RESUME' }
  | { type: 'PROC_CRASH' };

export const userProcessMachine = setup({
  types: { context: {} as UserProcessContext, events: {} as E },
  guards: { 'halted meanwhile': ({ context }) => context.haltedBy !== '' },
}).createMachine({
  id: 'user_process',
  context: () => ({ pc: 0, waitingOn: '', haltedBy: '' }),
  initial: 'running',
  on: { PROC_CRASH: { target: '.crashed', description: 'segfault or SIGKILL' } },
  states: {
    running: {
      on: {
        PROC_ADVANCE: { actions: assign({ pc: ({ context }) => context.pc + 1 }) },
        PROC_BLOCK: {
          target: 'blocked',
          description: 'R120: futex-like sleep',
          actions: assign({ waitingOn: ({ event }) => event.on }),
        },
        PROC_HALT: {
          target: 'halted',
          description: 'seed 002 §3.1',
          actions: assign({ haltedBy: ({ event }) => event.by }),
        },
      },
    },
    blocked: {
      on: {
        PROC_WAKE: [
          {
            guard: 'halted meanwhile',
            target: 'halted',
            actions: assign({ waitingOn: '', pc: ({ context }) => context.pc + 1 }),
          },
          {
            target: 'running',
            description: 'the condition holds; the wait returns and the step completes',
            actions: assign({ waitingOn: '', pc: ({ context }) => context.pc + 1 }),
          },
        ],
        PROC_HALT: { actions: assign({ haltedBy: ({ event }) => event.by }) },
        PROC_RESUME: { actions: assign({ haltedBy: '' }) },
      },
    },
    halted: {
      on: { PROC_RESUME: { target: 'running', actions: assign({ haltedBy: '' }) } },
    },
    crashed: { tags: ['crashed'], type: 'final' },
  },
});

// R30: a process waits on what it sleeps on, or on the eviction that halted it.
withView(userProcessMachine, {
  waitEdges: (id, c: UserProcessContext, _w, value) => {
    const out: Edge[] = [];
    if (value === 'blocked') out.push([id, c.waitingOn, `${id} sleeps on ${c.waitingOn}`]);
    if (c.haltedBy && value !== 'crashed')
      out.push([id, c.haltedBy, `${id}'s submissions are halted until ${c.haltedBy} (seed 002 §3.1)`]);
    return out;
  },
});
