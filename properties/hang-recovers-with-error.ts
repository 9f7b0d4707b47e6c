/**
 * hang-recovers-with-error — I22 (R20, R94, R99-R106, R124): a hang leads to a reset, and every fence
 * of the hung context is then signaled with an error. From any state, with userspace stopped and the
 * kernel, GPU and timers running fairly (the drain), no context or ring is still hung when the drain
 * settles, and every fence a reset context owned (its preempt fence, its user-queue fences, its jobs'
 * finished fences) is signaled with error != 0.
 * On the state graph (`graph`, src/explore/liveness.ts) every fair schedule counts: the obligations are
 * the hung rings, contexts and queues (a fair cycle keeping one hung is a missing reset), and, carried
 * from where a drain starts, the fences pending on a hung context there: no drain path from that state
 * may settle, or cycle fairly, with one of them not signaled with an error. They are carried because a
 * fence can be signaled with the reset's error and then re-armed (H15, drm_sched_resubmit_jobs).
 */
import { defineProperty } from './property.ts';
import { isFence } from '../models/view.ts';
import { ctx, type World, sortedIds } from '../models/world.ts';
import type { DmaFenceContext } from '../models/dma-buf/dma-fence.ts';
import type { GpuRingContext } from '../models/gpu/gpu-ring.ts';

const ringHung = (w: World, id: string): boolean =>
  w.o[id].machine.id === 'gpu_ring' && ctx<GpuRingContext>(w, id).hung;

// Judged at every state on the graph, where almost nothing is hung or failed: one unsorted scan first,
// and one shared empty answer (frozen: the callers copy what they keep).
const NONE = Object.freeze([]) as unknown as string[];

/** The rings, contexts and user queues hung at w (sorted). */
function hungAt(w: World): string[] {
  let out = NONE;
  for (const id of Object.keys(w.o)) if (w.o[id].hasTag('hung') || ringHung(w, id)) out = [...out, id];
  return out === NONE ? NONE : out.sort();
}

/** The fences pending on a hung context at w: a hung ring's FIFO, then the unsignaled fences a hung context owns. */
function pendingOnHung(w: World): string[] {
  if (hungAt(w) === NONE) return NONE;
  const hung = new Set<string>();
  const pending: string[] = [];
  for (const id of sortedIds(w)) {
    const s = w.o[id];
    if (s.machine.id === 'gpu_ring') {
      const ring = ctx<GpuRingContext>(w, id);
      if (ring.hung) pending.push(...ring.fifo);
    } else if (s.hasTag('hung')) hung.add(id);
  }
  for (const id of sortedIds(w)) {
    const s = w.o[id];
    if (isFence(s) && !s.hasTag('signaled') && hung.has(ctx<DmaFenceContext>(w, id).owner)) pending.push(id);
  }
  return pending;
}

/** The fences signaled with an error at w (sorted): where a fence pending on a hung context must end. */
function signaledWithError(w: World): string[] {
  let out = NONE;
  for (const id of Object.keys(w.o)) {
    const s = w.o[id];
    const e = (s.context as Partial<DmaFenceContext> | undefined)?.error;
    if (e !== undefined && e !== 0 && isFence(s) && s.hasTag('signaled')) out = [...out, id];
  }
  return out === NONE ? NONE : out.sort();
}

const hangRecovers = defineProperty({
  name: 'hang-recovers-with-error',
  kind: 'drain',
  rules: ['I22', 'R20', 'R94', 'R99', 'R102', 'R124'],
  statement: 'A hung context is reset and every fence it owned ends signaled with an error.',
  // Wherever a ring, a context or a user queue can hang (issue 14.2: a drm_sched design that never
  // declared this let a reset that forgot the guilty job's error pass, issue 14's class (a)).
  needs: ['gpu_ring', 'gpu_context', 'user_mode_queue'],
  witness: {
    what: 'a ring, context or user queue hung',
    state: (w) => Object.keys(w.o).some((id) => w.o[id].hasTag('hung') || ringHung(w, id)),
  },
  drain: (from, r) => {
    if (!r.settled) return `the kernel, GPU and timers did not settle within ${r.bound} steps (livelock)`;
    const w = r.settled;
    const pending = pendingOnHung(from);
    const still = hungAt(w)[0];
    if (still !== undefined)
      return `${still} is still hung when the kernel, GPU and timers settle: no reset (I22, R20)`;
    for (const f of pending) {
      const s = w.o[f];
      if (!s?.hasTag('signaled')) return `${f}, pending on a hung context, never signals (I22)`;
      if (ctx<DmaFenceContext>(w, f).error === 0) {
        return `${f}, pending on a hung context, signaled without an error (I22)`;
      }
    }
    return null;
  },
});

export default Object.assign(hangRecovers, {
  graph: {
    unmet: hungAt,
    cycle: (open: string[]) => `${open.join(', ')} stay${open.length > 1 ? '' : 's'} hung: no reset (I22, R20)`,
    carried: {
      from: pendingOnHung,
      met: signaledWithError,
      cycle: (open: string[]) =>
        `${open.join(', ')}, pending on a hung context, never end${open.length > 1 ? '' : 's'} signaled with an ` +
        'error (I22)',
    },
  },
});
