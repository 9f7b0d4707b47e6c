/**
 * drm_syncobj and dma_fence_chain kernel paths that read more than one object (kernel-sync-semantics.md
 * §1.5, §1.9, §1.10). Each exported function is one kernel function, atomic under the syncobj lock;
 * the ioctl entry points, with their argument checks in the kernel's order, are in
 * models/uapi/syncobj.ts. Object ids: syncobj `S`, its chain nodes `S.p<point>`, private stubs
 * `S.stub`, the global stub `dma_fence_stub` (R17).
 */
import type { World } from '../world.ts';
import { ctx, has, kindOf, must, send, spawn, tell } from '../world.ts';
import { isSignaled, EINVAL, ENOENT, type DmaFenceContext } from '../dma-buf/dma-fence.ts';
import {
  DMA_FENCE_STUB,
  dma_fence_allocate_private_stub,
  dma_fence_context_alloc,
  dma_fence_get_stub,
} from '../dma-buf/dma-fence-api.ts';
import { chainWalkPrev, dmaFenceChainMachine, type DmaFenceChainContext } from '../dma-buf/dma-fence-chain.ts';
import {
  drmSyncobjMachine,
  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL,
  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE,
  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT,
  type DrmSyncobjContext,
} from './drm-syncobj.ts';

// R17: the global stub has one home (dma-fence-api.ts); re-exported for the syncobj paths' callers.
export { DMA_FENCE_STUB, dma_fence_get_stub };

/** An id not yet in the world: `base`, else `base~2`, `base~3`, ... */
export function freshId(w: World, base: string): string {
  if (!has(w, base)) return base;
  for (let i = 2; ; i++) if (!has(w, `${base}~${i}`)) return `${base}~${i}`;
}

/** R17 dma_fence_allocate_private_stub under a fresh id derived from `base`. */
function private_stub(w: World, base: string): { w: World; id: string } {
  const id = freshId(w, base);
  return { w: dma_fence_allocate_private_stub(w, id), id };
}

/** R19 dma_fence_is_chain. */
function dma_fence_is_chain(w: World, id: string): boolean {
  return kindOf(w, id) === 'dma_fence_chain';
}

const fenceCtx = (w: World, id: string) => ctx<DmaFenceContext>(w, id);
const chainCtx = (w: World, id: string) => ctx<DmaFenceChainContext>(w, id);

/**
 * dma_fence_chain_init - R44: link node `id` after `prev` ('' = NULL) with contained `fence` at `seqno`.
 * Kernel: dma_fence_chain_init. Requires: `fence` is not a chain (a WARN in the kernel: here a model
 * error). Effect: spawns the node; it registers its R45 callbacks on the unsignaled links.
 */
export function dma_fence_chain_init(w: World, id: string, prev: string, fence: string, seqno: number): World {
  if (dma_fence_is_chain(w, fence))
    throw new Error(`dma_fence_chain_init: ${fence} is a chain (R44 WARN: chains link only through prev)`);
  let context: number;
  let prevSeqno = 0;
  const prevChain = prev !== '' && dma_fence_is_chain(w, prev);
  if (prevChain && seqno > fenceCtx(w, prev).seqno) {
    prevSeqno = fenceCtx(w, prev).seqno;
    context = fenceCtx(w, prev).context;
  } else {
    ({ w, context } = dma_fence_context_alloc(w, 1));
    // R44: make sure the seqno never goes below prev's.
    if (prevChain) seqno = Math.max(fenceCtx(w, prev).seqno, seqno);
  }
  const links = prev ? [fence, prev] : [fence];
  const pending = links.filter((f) => !isSignaled(w, f));
  const user = links.some((f) => fenceCtx(w, f).signaller === 'user');
  w = spawn(w, id, dmaFenceChainMachine, {
    context,
    seqno,
    signaller: user ? 'user' : 'kernel',
    owner: fenceCtx(w, fence).owner,
    fence,
    prev,
    prevSeqno,
    pending,
  });
  for (const f of pending)
    w = must(w, f, { type: 'DMA_FENCE_ADD_CALLBACK', cb: { to: id, ev: { type: 'DMA_FENCE_CHAIN_CB', fence: f } } });
  return w;
}

/**
 * dma_fence_chain_walk - R46: garbage-collect `node`'s predecessors whose contained fence signaled
 * and return the next node to visit ('' = end). Kernel: dma_fence_chain_walk. A non-chain ends the walk.
 */
export function dma_fence_chain_walk(w: World, node: string): { w: World; prev: string } {
  if (!dma_fence_is_chain(w, node)) return { w, prev: '' };
  const old = chainCtx(w, node).prev;
  const prev = chainWalkPrev(w, node);
  if (prev !== old) w = must(w, node, { type: 'DMA_FENCE_CHAIN_SET_PREV', expected: old, prev });
  return { w, prev };
}

/** dma_fence_chain_for_each from `head`, garbage-collecting as it goes (R46); the visited ids in order. */
export function dma_fence_chain_for_each(w: World, head: string): { w: World; visited: string[] } {
  const visited: string[] = [];
  for (let iter = head; iter; ) {
    visited.push(iter);
    const r = dma_fence_chain_walk(w, iter);
    w = r.w;
    iter = r.prev;
  }
  return { w, visited };
}

/** The nodes dma_fence_chain_for_each would visit, without collecting (for properties). */
function chainNodes(w: World, head: string): string[] {
  const out: string[] = [];
  for (let iter = head; iter; iter = dma_fence_is_chain(w, iter) ? chainWalkPrev(w, iter) : '') out.push(iter);
  return out;
}

export interface FindSeqno {
  w: World;
  /** 0 or -EINVAL (R47). */
  ret: number;
  /** the fence that represents the point; null = garbage-collected (the caller substitutes a stub). */
  fence: string | null;
}

/**
 * dma_fence_chain_find_seqno - R47: the fence that represents point `p` of the timeline headed by `head`.
 * Kernel: dma_fence_chain_find_seqno. Returns -EINVAL when `head` is no chain or below p (point not
 * submitted yet); p == 0 returns `head` unchanged. The walk garbage-collects (R46).
 */
export function dma_fence_chain_find_seqno(w: World, head: string, p: number, collect = true): FindSeqno {
  if (!p) return { w, ret: 0, fence: head };
  if (!dma_fence_is_chain(w, head) || fenceCtx(w, head).seqno < p) return { w, ret: EINVAL, fence: head };
  const context = fenceCtx(w, head).context;
  for (let iter = head; iter; ) {
    if (fenceCtx(w, iter).context !== context || chainCtx(w, iter).prevSeqno < p) return { w, ret: 0, fence: iter };
    if (collect) {
      const r = dma_fence_chain_walk(w, iter);
      w = r.w;
      iter = r.prev;
    } else iter = chainWalkPrev(w, iter);
  }
  return { w, ret: 0, fence: null };
}

/** Is point `p` of syncobj `s` materialized (R81: find_seqno succeeds)? Pure. */
export function drm_syncobj_point_materialized(w: World, s: string, p: number): boolean {
  const f = ctx<DrmSyncobjContext>(w, s).fence;
  return f !== '' && dma_fence_chain_find_seqno(w, f, p, false).ret === 0;
}

/** The fence a waiter of point `p` would get now: a fence id, DMA_FENCE_STUB for a GC'd point, or null. Pure. */
export function drm_syncobj_point_fence(w: World, s: string, p: number): string | null {
  const f = ctx<DrmSyncobjContext>(w, s).fence;
  if (f === '') return null;
  const r = dma_fence_chain_find_seqno(w, f, p, false);
  return r.ret ? null : (r.fence ?? DMA_FENCE_STUB);
}

/** Create syncobj `id` with a NULL payload (drm_syncobj_create without CREATE_SIGNALED). */
export function drm_syncobj_create(w: World, id: string): World {
  return spawn(w, id, drmSyncobjMachine(), {});
}

/**
 * syncobj_eventfd_entry_func - R87 for every armed entry of `s`: resolve its point; if materialized,
 * take the entry off the list and either fire now (WAIT_AVAILABLE, or the fence already signaled) or
 * hang it on the fence's callback list. A GC'd point counts as signaled (stub).
 */
export function drm_syncobj_eventfd_entries(w: World, s: string): World {
  for (const e of ctx<DrmSyncobjContext>(w, s).eventfds) {
    const head = ctx<DrmSyncobjContext>(w, s).fence;
    if (!head) return w;
    const r = dma_fence_chain_find_seqno(w, head, e.point);
    w = r.w;
    if (r.ret) continue;
    let fence = r.fence;
    if (fence === null) {
      w = dma_fence_get_stub(w);
      fence = DMA_FENCE_STUB;
    }
    w = must(w, s, { type: 'DRM_SYNCOBJ_EVENTFD_TAKE', eventfd: e.eventfd });
    if (e.available) {
      w = must(w, e.eventfd, { type: 'EVENTFD_SIGNAL' });
      continue;
    }
    const cb = send(w, fence, {
      type: 'DMA_FENCE_ADD_CALLBACK',
      cb: { to: e.eventfd, ev: { type: 'EVENTFD_SIGNAL' } },
    });
    w = cb ?? must(w, e.eventfd, { type: 'EVENTFD_SIGNAL' }); // -ENOENT: already signaled, fire now
  }
  return w;
}

/**
 * drm_syncobj_replace_fence - R71: install `fence` ('' = NULL) as the payload; if it changed,
 * re-evaluate eventfd entries. Fences captured earlier are untouched (I17).
 */
export function drm_syncobj_replace_fence(w: World, s: string, fence: string): World {
  const old = ctx<DrmSyncobjContext>(w, s).fence;
  w = must(w, s, { type: 'DRM_SYNCOBJ_REPLACE_FENCE', fence });
  if (fence) w = tell(w, fence, { type: 'DMA_FENCE_PUBLISH', via: s });
  return fence !== old ? drm_syncobj_eventfd_entries(w, s) : w;
}

/** drm_syncobj_assign_null_handle - R72/R77: a fresh signaled private stub becomes the payload. */
export function drm_syncobj_assign_null_handle(w: World, s: string): World {
  const st = private_stub(w, `${s}.stub`);
  return drm_syncobj_replace_fence(st.w, s, st.id);
}

/**
 * drm_syncobj_add_point - R82: a new chain node {prev: payload, fence, point} becomes the head;
 * eventfd entries are re-evaluated; the chain behind it is garbage-collected once. Cannot fail; an
 * unordered point (prev->seqno >= point) is only logged. Returns the node's id with the world.
 */
export function drm_syncobj_add_point(w: World, s: string, fence: string, point: number): { w: World; chain: string } {
  const prev = ctx<DrmSyncobjContext>(w, s).fence;
  const unordered = prev !== '' && fenceCtx(w, prev).seqno >= point;
  const chain = freshId(w, `${s}.p${point}`);
  w = dma_fence_chain_init(w, chain, prev, fence, point);
  w = must(w, s, { type: 'DRM_SYNCOBJ_ADD_POINT', chain, point, unordered });
  w = tell(w, chain, { type: 'DMA_FENCE_PUBLISH', via: s });
  w = tell(w, fence, { type: 'DMA_FENCE_PUBLISH', via: s });
  w = drm_syncobj_eventfd_entries(w, s);
  if (prev) w = dma_fence_chain_for_each(w, prev).w;
  return { w, chain };
}

export interface FindFence {
  w: World;
  /** 0, -EINVAL, -ENOENT; with `blocked` the caller sleeps (WAIT_FOR_SUBMIT) and retries. */
  ret: number;
  fence: string | null;
  /** WAIT_FOR_SUBMIT and the point is not there yet: the thread sleeps until it is (or -ETIME). */
  blocked?: boolean;
}

/**
 * drm_syncobj_find_fence - R78: resolve (`s`, `point`) to a fence, as drivers do at submit time (R88).
 * `s` = '' is an unknown handle. Returns -EINVAL for unknown flags, -ENOENT for no syncobj, -EINVAL for
 * a NULL payload or an unmaterialized point unless WAIT_FOR_SUBMIT (then `blocked`). A GC'd point
 * returns the global stub.
 */
export function drm_syncobj_find_fence(w: World, s: string, point: number, flags: number): FindFence {
  if (flags & ~DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT) return { w, ret: EINVAL, fence: null };
  if (!s || !has(w, s) || ctx<DrmSyncobjContext>(w, s).refcount === 0) return { w, ret: ENOENT, fence: null };
  const head = ctx<DrmSyncobjContext>(w, s).fence;
  if (head) {
    const r = dma_fence_chain_find_seqno(w, head, point);
    w = r.w;
    if (!r.ret) {
      if (r.fence === null) return { w: dma_fence_get_stub(w), ret: 0, fence: DMA_FENCE_STUB };
      return { w, ret: 0, fence: r.fence };
    }
  }
  if (!(flags & DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT)) return { w, ret: EINVAL, fence: null };
  return { w, ret: EINVAL, fence: null, blocked: true };
}

/**
 * DRM_IOCTL_SYNCOBJ_QUERY's per-object value - R85. With LAST_SUBMITTED the head's seqno; otherwise
 * walk the head's context to its oldest node: its seqno if signaled, else its prev_seqno. A non-chain
 * payload is 0. `collect` = false computes the same value without garbage-collecting (properties).
 */
export function drm_syncobj_query(
  w: World,
  s: string,
  lastSubmitted: boolean,
  collect = true,
): { w: World; point: number } {
  const head = ctx<DrmSyncobjContext>(w, s).fence;
  if (!head || !dma_fence_is_chain(w, head)) return { w, point: 0 };
  if (lastSubmitted) return { w, point: fenceCtx(w, head).seqno };
  let visited: string[];
  if (collect) ({ w, visited } = dma_fence_chain_for_each(w, head));
  else visited = chainNodes(w, head);
  const context = fenceCtx(w, head).context;
  let last = head;
  for (const it of visited) {
    if (fenceCtx(w, it).context !== context) break; // "most likely the timeline has unorder points"
    last = it;
  }
  return { w, point: isSignaled(w, last) ? fenceCtx(w, last).seqno : chainCtx(w, last).prevSeqno };
}

/** One entry of a host wait (syncobj_wait_entry): the point and the fence captured for it. */
export interface SyncobjWaitEntry {
  obj: string;
  point: number;
  /** captured when the point materialized (I17: later replaces do not change it); null = not yet. */
  fence: string | null;
}

export interface SyncobjWait {
  flags: number;
  entries: SyncobjWaitEntry[];
}

export interface WaitStatus {
  w: World;
  /** -EINVAL up front, or 0 once satisfied; undefined = still waiting. */
  ret?: number;
  /** index of the first signaled entry (R79 first_signaled); meaningful when ret === 0. */
  first: number;
  wait: SyncobjWait;
}

function captureEntry(w: World, e: SyncobjWaitEntry): { w: World; e: SyncobjWaitEntry } {
  if (e.fence !== null) return { w, e };
  const head = ctx<DrmSyncobjContext>(w, e.obj).fence;
  if (!head) return { w, e };
  const r = dma_fence_chain_find_seqno(w, head, e.point);
  w = r.w;
  if (r.ret) return { w, e };
  if (r.fence === null) return { w: dma_fence_get_stub(w), e: { ...e, fence: DMA_FENCE_STUB } };
  return { w, e: { ...e, fence: r.fence } };
}

function evaluate(w: World, wait: SyncobjWait): WaitStatus {
  const available = (wait.flags & DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE) !== 0;
  const all = (wait.flags & DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL) !== 0;
  let first = -1;
  let count = 0;
  wait.entries.forEach((e, i) => {
    if (e.fence === null) return;
    if (available || isSignaled(w, e.fence)) {
      if (first < 0) first = i;
      count++;
    }
  });
  const done = count === wait.entries.length || (count > 0 && !all);
  return { w, ret: done ? 0 : undefined, first: done ? Math.max(first, 0) : -1, wait };
}

/**
 * drm_syncobj_array_wait_timeout, the part before sleeping - R79/R84: capture every entry's fence up
 * front; a NULL payload or an unmaterialized point is -EINVAL unless WAIT_FOR_SUBMIT or WAIT_AVAILABLE.
 * Satisfied when every entry (WAIT_ALL) or any entry signaled, or materialized with WAIT_AVAILABLE.
 */
export function drm_syncobj_array_wait_begin(w: World, objs: string[], points: number[], flags: number): WaitStatus {
  const lazy = (flags & (DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT | DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE)) !== 0;
  const entries: SyncobjWaitEntry[] = [];
  for (let i = 0; i < objs.length; i++) {
    const c = captureEntry(w, { obj: objs[i], point: points[i] ?? 0, fence: null });
    w = c.w;
    if (c.e.fence === null && !lazy) return { w, ret: EINVAL, first: -1, wait: { flags, entries } };
    entries.push(c.e);
  }
  return evaluate(w, { flags, entries });
}

/**
 * The sleeping part - R78/R79/R84: after another thread's step, capture entries whose point has
 * materialized since (syncobj_wait_syncobj_func) and re-test. The caller applies the deadline (-ETIME).
 */
export function drm_syncobj_array_wait_check(w: World, wait: SyncobjWait): WaitStatus {
  const entries: SyncobjWaitEntry[] = [];
  for (const e0 of wait.entries) {
    const c = captureEntry(w, e0);
    w = c.w;
    entries.push(c.e);
  }
  return evaluate(w, { flags: wait.flags, entries });
}
