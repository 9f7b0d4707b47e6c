/**
 * user memory fence (UMF) — a 64-bit word in memory; Xe user fences (xe_sync.c, xe_wait_user_fence.c),
 * amdgpu user-queue seq64 words, Vulkan timeline semaphores on the GPU (seed 001 "Userspace Memory Fence").
 *
 * Contract (kernel-sync-semantics.md §1.13, I9, I12):
 * - R118 a user fence is never an input dependency of a kernel submission (-EOPNOTSUPP); this means
 *        nothing in the kernel's fence graph may wait on one.
 * - R119 signalling is a plain store of a value: by userspace, by the GPU at the end of a batch, or by
 *        the kernel after a dma_fence (direction dma_fence -> user fence only).
 * - R120 a CPU wait is a futex-like sleep on (*addr OP value); it re-checks on every wake-up. The kernel
 *        knows who waits (the futex queue), never who will write.
 * - R30  only userspace knows who writes it; a cycle through a UMF can be neither seen nor prevented
 *        by the kernel.
 *
 * Models: the value (monotonic, compare GTE only: timeline semaphores), the futex wait queue, and as
 * ghost data for the wait-for graph the object that will write it (`writer`): a process, or the fence
 * of the GPU job whose last command writes it. The kernel's code in this model never reads `writer`.
 * A GPU write delivered from a job's end callback carries the job's error: a cancelled batch never ran
 * its last command, so an errored write is dropped.
 * Abstracted away: the other compare ops (R120 EQ..LTE; GTE is what timelines use), masks, address
 * faults (-EFAULT), 32-bit wrap.
 *
 * Events: UMF_WRITE {value, fenceError?} (user store, GPU end-of-batch store, kernel after a fence),
 *   UMF_FUTEX_WAIT {to, value, ev} (a waiter sleeps until value >= value, then `ev` goes to `to`),
 *   UMF_FUTEX_CANCEL {to} (the waiter gave up: timeout, signal).
 */
import { setup, assign, enqueueActions } from 'xstate';
import type { Ev } from '../world.ts';
import { deliver } from '../world.ts';
import { withView } from '../view.ts';
import { gpuCompareReached } from '../gpu/gpu-context.ts';

interface UmfWaiter {
  to: string;
  value: number;
  ev: Ev;
}

export interface UmfContext {
  /** always: ghost: who will write it (a process, or the fence of the job whose end writes it). */
  writer: string;
  /** always: the current 64-bit value (monotonic here). */
  value: number;
  /** always: the futex queue (R120): sleepers and what wakes them. */
  waiters: UmfWaiter[];
  /** always: ghost: the kernel wrote it on behalf of a dead writer (seed 002 crash handling). */
  poisoned: boolean;
}

type E =
  | { type: 'UMF_WRITE'; value: number; fenceError?: number; poison?: boolean }
  | { type: 'UMF_FUTEX_WAIT'; to: string; value: number; ev: Ev }
  | { type: 'UMF_FUTEX_CANCEL'; to: string };

export const userMemoryFenceMachine = setup({
  types: { context: {} as UmfContext, events: {} as E, input: {} as { writer?: string; value?: number } },
  guards: {
    /** A store that moves the value forward and was actually executed (not a cancelled batch's). */
    'store lands': ({ context, event }) =>
      event.type === 'UMF_WRITE' && !event.fenceError && event.value > context.value,
    'already reached': ({ context, event }) => event.type === 'UMF_FUTEX_WAIT' && context.value >= event.value,
    'is waiting': ({ context, event }) =>
      event.type === 'UMF_FUTEX_CANCEL' && context.waiters.some((x) => x.to === event.to),
  },
  actions: {
    deliver: (_, _p: unknown) => {},
    /** R119, R120: store, then wake every sleeper whose condition now holds. */
    store: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'UMF_WRITE') return;
      const woken = context.waiters.filter((x) => event.value >= x.value);
      enqueue.assign({
        value: event.value,
        waiters: context.waiters.filter((x) => event.value < x.value),
        poisoned: !!event.poison,
      });
      for (const x of woken) enqueue(deliver(x.to, x.ev));
    }),
  },
}).createMachine({
  id: 'user_memory_fence',
  context: ({ input }) => ({ writer: input?.writer ?? '', value: input?.value ?? 0, waiters: [], poisoned: false }),
  on: {
    UMF_WRITE: { guard: 'store lands', description: 'R119: a plain store; sleepers re-check (R120)', actions: 'store' },
    UMF_FUTEX_WAIT: [
      {
        guard: 'already reached',
        description: 'R120: condition already true, return 0',
        // the no-op assign makes the transition visible (a transition whose only effect is a delivery
        // would leave the snapshot identical, which the world reads as "refused")
        actions: enqueueActions(({ context, event, enqueue }) => {
          enqueue.assign({ waiters: context.waiters });
          enqueue(deliver(event.to, event.ev));
        }),
      },
      {
        description: 'R120: sleep on the word',
        actions: assign({
          waiters: ({ context, event }) => [...context.waiters, { to: event.to, value: event.value, ev: event.ev }],
        }),
      },
    ],
    UMF_FUTEX_CANCEL: {
      guard: 'is waiting',
      description: 'R120: -ETIME / -ERESTARTSYS',
      actions: assign({ waiters: ({ context, event }) => context.waiters.filter((x) => x.to !== event.to) }),
    },
  },
});

/** Has the UMF reached `value`? The GPU's compare (R122); a futex wait re-checks the same way. */
export const umfReached = gpuCompareReached;

// R30: a UMF is written only by its writer: it waits on whatever its writer waits on.
withView(userMemoryFenceMachine, {
  waitEdges: (id, c: UmfContext) => (c.writer ? [[id, c.writer, `${id} is written only by ${c.writer} (R30)`]] : []),
});
