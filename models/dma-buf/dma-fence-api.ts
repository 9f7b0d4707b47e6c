/**
 * dma_fence operations as the kernel API performs them on a world, for every fence kind (dma_fence,
 * dma_fence_array, and container kinds other models register). Each function is one atomic kernel
 * call and returns what the kernel returns (0, 1, or a negative errno) next to the new world.
 *
 * - R2  dma_fence_context_alloc: contexts from g.nextContext, starting at 1 (0 is the stub's); n == 0 WARNs.
 * - R7  dma_fence_get_status goes through dma_fence_is_signaled (R9), which may signal an array (R41).
 * - R8  enable_signaling first; R10 add_callback returns -ENOENT if the fence is signaled afterwards,
 *       and the callback is then never queued nor called.
 * - R3  __dma_fence_is_later: a fence without SEQNO64 compares the low 32 bits as a signed difference,
 *       so a 32-bit timeline (sw_sync) stays ordered across its wrap.
 * - R12 dma_fence_wait_timeout with t == 0 polls: 1 if signaled, 0 if not; t < 0 is -EINVAL.
 * - R14 dma_fence_wait_any_timeout: no fences or t < 0 is -EINVAL; t == 0 returns 1 and the index of
 *       the first signaled fence, else 0.
 * - R17 dma_fence_allocate_private_stub: a fresh, already signaled fence of context 0.
 * - R19 dma_fence_is_container = array or chain: a kind whose ops say what it contains (`contained`).
 * - R36, R39, R40 dma_fence_array_create (WARN on a container child) and the -ENOENT accounting of
 *       children that were already signaled when the array enabled signaling.
 */
import type { World } from '../world.ts';
import { ctx, send, spawn, setG, tell, kindOf, idsOf, hasTag } from '../world.ts';
import {
  dmaFenceMachine,
  dmaFenceStatus,
  fenceOpsOf,
  EINVAL,
  ENOENT,
  validFenceError,
  type DmaFenceCb,
  type DmaFenceContext,
} from './dma-fence.ts';
import { dmaFenceArrayMachine, type DmaFenceArrayContext } from './dma-fence-array.ts';
import type { StepDef } from '../design.ts';

/** A kernel call's outcome: the new world, the return value, and a WARN the call hit (if any). */
export interface KRet {
  w: World;
  ret: number;
  warn?: string;
}

/** R3 __dma_fence_is_later(f1, f2): SEQNO64 compares plainly, otherwise (s32)(lower_32_bits(f1 - f2)) > 0. */
export function __dma_fence_is_later(f1: number, f2: number, seqno64: boolean): boolean {
  return seqno64 ? f1 > f2 : ((f1 - f2) | 0) > 0;
}

/** R19 dma_fence_is_container: the fence's kind says what it contains (its ops' `contained`). */
export function dma_fence_is_container(w: World, f: string): boolean {
  const s = w.o[f];
  return !!s && fenceOpsOf(s)?.contained !== undefined;
}

/** The immediate fences a container holds (R19); [] for a leaf. */
export function containedFences(w: World, f: string): string[] {
  const s = w.o[f];
  return (s && fenceOpsOf(s)?.contained?.(w, f)) || [];
}

export function dma_fence_is_array(w: World, f: string): boolean {
  return kindOf(w, f) === 'dma_fence_array';
}

/** R2 dma_fence_context_alloc(n): the first of n fresh contexts. */
export function dma_fence_context_alloc(w: World, n = 1): { w: World; context: number; warn?: string } {
  const g = w.g.nextContext;
  const next = typeof g === 'number' ? g : 1;
  if (n === 0) return { w, context: next, warn: 'dma_fence_context_alloc(0) (R2)' };
  return { w: setG(w, { nextContext: next + n }), context: next };
}

/** R17 dma_fence_allocate_private_stub: a fresh signaled fence (context 0, seqno 0). */
export function dma_fence_allocate_private_stub(w: World, id: string): World {
  return spawn(w, id, dmaFenceMachine, { context: 0, seqno: 0, ops: 'stub', signaled: true });
}

/** R17 dma_fence_get_stub(): the one global stub, context 0, seqno 0, born signaled. */
export const DMA_FENCE_STUB = 'dma_fence_stub';

/** R17 dma_fence_get_stub (created on first use). */
export function dma_fence_get_stub(w: World): World {
  return w.o[DMA_FENCE_STUB] ? w : dma_fence_allocate_private_stub(w, DMA_FENCE_STUB);
}

/** R36, R39 dma_fence_array_create: WARN for every container child (the array is still created). */
export function dma_fence_array_create(
  w: World,
  id: string,
  fences: string[],
  context: number,
  seqno: number,
  signalOnAny = false,
): KRet {
  const nested = fences.filter((f) => dma_fence_is_container(w, f));
  // Only userspace can complete an array that waits on a fence only userspace signals (R30 bookkeeping).
  const signaller = fences.some((f) => ctx<DmaFenceContext>(w, f).signaller === 'user') ? 'user' : 'kernel';
  w = spawn(w, id, dmaFenceArrayMachine, { self: id, fences, context, seqno, signalOnAny, signaller });
  return {
    w,
    ret: 0,
    warn: nested.length ? `dma_fence_array_init: container child ${nested.join(', ')} (R39)` : undefined,
  };
}

/** R42 dma_fence_match_context: every child of the array is on `context`. */
export function dma_fence_match_context(w: World, array: string, context: number): boolean {
  if (!dma_fence_is_array(w, array)) return ctx<DmaFenceContext>(w, array).context === context;
  return ctx<DmaFenceArrayContext>(w, array).fences.every((f) => ctx<DmaFenceContext>(w, f).context === context);
}

/** Arrays that enabled signaling and still count a child that is already signaled (R40 -ENOENT path). */
function unsettled(w: World): string[] {
  const out: string[] = [];
  for (const a of idsOf(w, 'dma_fence_array')) {
    if (hasTag(w, a, 'signaled')) continue;
    const c = ctx<DmaFenceArrayContext>(w, a);
    if (!c.enableSignal) continue;
    if (c.waiting.some((ch) => hasTag(w, ch, 'signaled'))) out.push(a);
  }
  return out;
}

/**
 * R40: for each enabled array, count the children that were already signaled when it registered its
 * callbacks (dma_fence_add_callback returned -ENOENT), in child order, until nothing changes.
 */
export function dma_fence_array_settle(w: World): World {
  for (let guard = 0; guard < 1000; guard++) {
    const todo = unsettled(w);
    if (!todo.length) return w;
    for (const a of todo) {
      const c = ctx<DmaFenceArrayContext>(w, a);
      for (const child of c.waiting) {
        if (!hasTag(w, child, 'signaled')) continue;
        w = tell(w, a, { type: 'DMA_FENCE_ARRAY_CB', child, fenceError: ctx<DmaFenceContext>(w, child).error });
      }
    }
  }
  throw new Error('dma_fence_array_settle did not converge');
}

/** R8 dma_fence_enable_sw_signaling (a no-op on a fence already enabled or signaled). */
export function dma_fence_enable_sw_signaling(w: World, f: string): World {
  return dma_fence_array_settle(tell(w, f, { type: 'DMA_FENCE_ENABLE_SW_SIGNALING' }));
}

/** R9, R41 dma_fence_is_signaled: the flag, else ops->signaled(), which signals the fence if true. */
export function dma_fence_is_signaled(w: World, f: string): { w: World; signaled: boolean } {
  w = dma_fence_array_settle(w);
  if (hasTag(w, f, 'signaled')) return { w, signaled: true };
  if (!dma_fence_is_array(w, f)) return { w, signaled: false };
  const c = ctx<DmaFenceArrayContext>(w, f);
  if (c.enableSignal) return { w, signaled: c.numPending <= 0 };
  // R41: not enabled: scan the children (each through dma_fence_is_signaled, which may signal them).
  let pending = c.numPending;
  for (const child of c.fences) {
    const r = dma_fence_is_signaled(w, child);
    w = r.w;
    if (r.signaled && --pending === 0) {
      w = tell(w, f, { type: 'DMA_FENCE_IS_SIGNALED' });
      return { w: dma_fence_array_settle(w), signaled: true };
    }
  }
  return { w, signaled: false };
}

/** R7 dma_fence_get_status: 0 unsignaled, 1 signaled, else the error. */
export function dma_fence_get_status(w: World, f: string): KRet {
  const r = dma_fence_is_signaled(w, f);
  return { w: r.w, ret: dmaFenceStatus(r.w, f) };
}

/** R10 dma_fence_add_callback: enable first (R8); -ENOENT if the fence is (now) signaled, else queue. */
export function dma_fence_add_callback(w: World, f: string, cb: DmaFenceCb): KRet {
  if (hasTag(w, f, 'signaled')) return { w, ret: ENOENT };
  w = dma_fence_enable_sw_signaling(w, f);
  if (hasTag(w, f, 'signaled')) return { w, ret: ENOENT };
  const n = send(w, f, { type: 'DMA_FENCE_ADD_CALLBACK', cb });
  if (!n) return { w, ret: ENOENT };
  return { w: dma_fence_array_settle(n), ret: 0 };
}

/** R11 dma_fence_remove_callback: 1 if the callback was still queued (now removed), else 0. */
export function dma_fence_remove_callback(w: World, f: string, to: string): KRet {
  const n = send(w, f, { type: 'DMA_FENCE_REMOVE_CALLBACK', to });
  return n ? { w: n, ret: 1 } : { w, ret: 0 };
}

/** R6 dma_fence_set_error: WARN (the kernel returns void) when signaled or out of range. */
export function dma_fence_set_error(w: World, f: string, error: number): KRet {
  if (hasTag(w, f, 'signaled')) return { w, ret: 0, warn: `dma_fence_set_error on signaled ${f} (R6)` };
  if (!validFenceError(error)) return { w, ret: 0, warn: `dma_fence_set_error(${error}) out of range (R6)` };
  return { w: tell(w, f, { type: 'DMA_FENCE_SET_ERROR', error }), ret: 0 };
}

/** R4 dma_fence_signal: 0, or -EINVAL if already signaled (and nothing runs again). */
export function dma_fence_signal(w: World, f: string): KRet {
  const n = send(w, f, { type: 'DMA_FENCE_SIGNAL' });
  return n ? { w: dma_fence_array_settle(n), ret: 0 } : { w, ret: EINVAL };
}

/**
 * R12 dma_fence_wait_timeout(f, intr, 0): enable signaling, then 1 if signaled, 0 if not. A positive
 * timeout is a blocking wait: models/uapi/device.ts runs it as a thread over steps.
 */
export function dma_fence_wait_poll(w: World, f: string, timeout = 0): KRet {
  if (timeout < 0) return { w, ret: EINVAL, warn: 'dma_fence_wait_timeout with t < 0 (R12)' };
  w = dma_fence_enable_sw_signaling(w, f);
  const r = dma_fence_is_signaled(w, f);
  return { w: r.w, ret: r.signaled ? 1 : 0 };
}

/** R14 dma_fence_wait_any_timeout with t == 0: {ret 1, idx} if any is signaled, else {ret 0}. */
export function dma_fence_wait_any_poll(w: World, fences: string[], timeout = 0): KRet & { idx: number } {
  if (!fences.length || timeout < 0) return { w, ret: EINVAL, idx: -1 };
  for (let i = 0; i < fences.length; i++) {
    const r = dma_fence_is_signaled(w, fences[i]);
    w = r.w;
    if (r.signaled) return { w, ret: 1, idx: i };
  }
  return { w, ret: 0, idx: -1 };
}

/** Mark a fence reachable by another thread (R26); idempotent. */
export function dma_fence_publish(w: World, f: string, via: string): World {
  return tell(w, f, { type: 'DMA_FENCE_PUBLISH', via });
}

/**
 * The kernel step that settles arrays enabled by a path that did not settle them itself (a model that
 * sends DMA_FENCE_ADD_CALLBACK to a fence that may be an array). Designs that create arrays include it.
 */
export function dmaFenceArraySteps(): StepDef<unknown, []>[] {
  return [
    {
      name: 'dma_fence_array_settle',
      role: 'kernel',
      actor: () => 'dma_fence_array',
      enabled: (w) => unsettled(w).length > 0,
      apply: (w) => dma_fence_array_settle(w),
      doc: 'R40: an enabled array counts children that were already signaled (add_callback returned -ENOENT)',
    },
  ];
}
