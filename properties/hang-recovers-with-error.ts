/**
 * hang-recovers-with-error — I22 (R20, R94, R99-R106, R124): a hang leads to a reset, and every fence
 * of the hung context is then signaled with an error. From any state, with userspace stopped and the
 * kernel, GPU and timers running fairly (the drain), no context or ring is still hung when the drain
 * settles, and every fence a reset context owned (its preempt fence, its user-queue fences, its jobs'
 * finished fences) is signaled with error != 0.
 */
import { defineProperty } from './property.ts';
import { isFence } from '../models/view.ts';
import { ctx } from '../models/world.ts';
import type { DmaFenceContext } from '../models/dma-buf/dma-fence.ts';
import type { GpuRingContext } from '../models/gpu/gpu-ring.ts';

export default defineProperty({
  name: 'hang-recovers-with-error',
  kind: 'drain',
  rules: ['I22', 'R20', 'R94', 'R99', 'R102', 'R124'],
  statement: 'A hung context is reset and every fence it owned ends signaled with an error.',
  // Wherever a ring, a context or a user queue can hang (issue 14.2: a drm_sched design that never
  // declared this let a reset that forgot the guilty job's error pass, issue 14's class (a)).
  needs: ['gpu_ring', 'gpu_context', 'user_mode_queue'],
  witness: {
    what: 'a ring, context or user queue hung',
    state: (w) =>
      Object.keys(w.o).some((id) => {
        const s = w.o[id];
        return s.hasTag('hung') || (s.machine.id === 'gpu_ring' && ctx<GpuRingContext>(w, id).hung);
      }),
  },
  drain: (from, r) => {
    if (!r.settled) return `the kernel, GPU and timers did not settle within ${r.bound} steps (livelock)`;
    const w = r.settled;
    const hung = new Set<string>();
    const pending: string[] = [];
    for (const id of Object.keys(from.o).sort()) {
      const s = from.o[id];
      if (s.machine.id === 'gpu_ring') {
        const ring = ctx<GpuRingContext>(from, id);
        if (ring.hung) pending.push(...ring.fifo);
      } else if (s.hasTag('hung')) hung.add(id);
    }
    for (const id of Object.keys(from.o).sort()) {
      const s = from.o[id];
      if (isFence(s) && !s.hasTag('signaled') && hung.has(ctx<DmaFenceContext>(from, id).owner)) pending.push(id);
    }
    for (const id of Object.keys(w.o).sort()) {
      const s = w.o[id];
      const ringHung = s.machine.id === 'gpu_ring' && ctx<GpuRingContext>(w, id).hung;
      if (s.hasTag('hung') || ringHung) {
        return `${id} is still hung when the kernel, GPU and timers settle: no reset (I22, R20)`;
      }
    }
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
