/**
 * A dma_fence's reference count — include/linux/dma-fence.h dma_fence_get / dma_fence_put (a kref,
 * lib/kref.c, over refcount_t, lib/refcount.c), dma-fence.c dma_fence_release.
 *
 * Contract (kernel-sync-semantics.md §1.1, I5, I6, H12):
 * - R13 the caller of dma_fence_wait must hold a reference; any reference needed after the fence is
 *       published must be taken before publication (R8 "implementations should grab their own
 *       reference"; H12: a fence signalled and put by the IRQ before run_job's dma_fence_get).
 * - R15 the last dma_fence_put frees the fence (dma_fence_release); I5 wants it signalled by then.
 * - refcount_t never goes from 0 back up: refcount_inc on 0 WARNs "addition on 0; use-after-free" and
 *       saturates, refcount_dec on 0 WARNs "underflow; use-after-free" (refcount_warn_saturate). This
 *       means a get or put after the free is a use-after-free: the model records it, it never refuses it
 *       (properties/memory-eventually-freed judges it).
 *
 * Models: one object `<fence>.ref` per fence whose lifetime a design tracks (other fences keep the
 * abstraction of dma-fence.ts: no refcount), with its holders by name and whether its creator's
 * reference was dropped (`released`: from then on only the kernel's references keep it, and they must
 * go in finite time). Abstracted away: RCU grace periods (R16: a free is immediate), weak references.
 *
 * Events: KREF_GET {by}, KREF_PUT {by}.
 */
import { setup, assign } from 'xstate';
import { must, spawn, type World } from '../world.ts';

export interface KrefContext {
  /** live: references held, one per holder (the holder names are the ghost that traces print). */
  holders: string[];
  /** always: who took the first reference (dma_fence_init's). */
  creator: string;
  /** always: the creator's reference was put; the kernel's references must now drop in finite time. */
  released: boolean;
  /** freed: the first get or put after the free ('' = none): a use-after-free. */
  uaf: string;
}

type E = { type: 'KREF_GET'; by: string } | { type: 'KREF_PUT'; by: string };

export const krefMachine = setup({
  types: { context: {} as KrefContext, events: {} as E, input: {} as { creator: string } },
  guards: {
    'last reference': ({ context, event }) =>
      event.type === 'KREF_PUT' && context.holders.length === 1 && context.holders[0] === event.by,
    'holds one': ({ context, event }) => event.type === 'KREF_PUT' && context.holders.includes(event.by),
    'first use after free': ({ context }) => context.uaf === '',
  },
  actions: {
    put: assign(({ context, event }) => {
      const i = context.holders.indexOf(event.by);
      const holders = [...context.holders.slice(0, i), ...context.holders.slice(i + 1)];
      return { holders, released: context.released || event.by === context.creator };
    }),
  },
}).createMachine({
  id: 'kref',
  context: ({ input }) => ({ holders: [input.creator], creator: input.creator, released: false, uaf: '' }),
  initial: 'live',
  states: {
    live: {
      on: {
        KREF_GET: { actions: assign({ holders: ({ context, event }) => [...context.holders, event.by] }) },
        KREF_PUT: [
          { guard: 'last reference', target: 'freed', actions: 'put', description: 'R15 dma_fence_release' },
          { guard: 'holds one', actions: 'put' },
        ],
      },
    },
    freed: {
      tags: ['freed'],
      on: {
        // refcount_warn_saturate: "addition on 0; use-after-free" / "underflow; use-after-free"
        KREF_GET: { guard: 'first use after free', actions: assign({ uaf: ({ event }) => `get by ${event.by}` }) },
        KREF_PUT: { guard: 'first use after free', actions: assign({ uaf: ({ event }) => `put by ${event.by}` }) },
      },
    },
  },
});

/** The refcount object of `fence`. */
export const fenceRef = (fence: string): string => `${fence}.ref`;

/** dma_fence_init's reference, held by `creator` (the fence's lifetime is tracked from here). */
export function dma_fence_ref_init(w: World, fence: string, creator: string): World {
  return spawn(w, fenceRef(fence), krefMachine, { creator });
}

/** dma_fence_get(fence) by `by`: on a freed fence, the use-after-free is recorded (refcount_inc on 0). */
export function dma_fence_get(w: World, fence: string, by: string): World {
  return must(w, fenceRef(fence), { type: 'KREF_GET', by });
}

/** dma_fence_put(fence) by `by`: the last put frees it (R15). */
export function dma_fence_put(w: World, fence: string, by: string): World {
  return must(w, fenceRef(fence), { type: 'KREF_PUT', by });
}
