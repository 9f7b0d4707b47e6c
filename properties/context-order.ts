/**
 * context-order — I4 (R2, R3, R52, R97): fences on one context are totally ordered by seqno, and a
 * later fence may only be signaled if every earlier one is. Deduplication keeps only the later fence of
 * a context (dma_resv R56, the scheduler R91, merge R51/R52), which is sound only if this holds.
 * Context 0 (stubs, R17) is skipped: stubs are born signaled and share seqno 0.
 */
import { defineProperty } from './property.ts';
import { isFence } from '../models/view.ts';
import type { DmaFenceContext } from '../models/dma-buf/dma-fence.ts';

export default defineProperty({
  name: 'context-order',
  kind: 'state',
  rules: ['I4', 'R2', 'R3', 'R52', 'R97'],
  needs: ['dma_fence'],
  witness: {
    what: 'two fences of one context in flight, the earlier one unsignalled',
    state: (w) => {
      const lo = new Map<number, number>();
      const hi = new Map<number, number>();
      for (const id in w.o) {
        const s = w.o[id];
        if (!isFence(s)) continue;
        const c = s.context as DmaFenceContext;
        if (c.context === 0) continue;
        hi.set(c.context, Math.max(hi.get(c.context) ?? -1, c.seqno));
        if (!s.hasTag('signaled')) lo.set(c.context, Math.min(lo.get(c.context) ?? Infinity, c.seqno));
      }
      return [...lo].some(([k, l]) => l < hi.get(k)!);
    },
  },
  statement: 'For fences a, b on one context with b.seqno > a.seqno: b signaled implies a signaled.',
  state: (w) => {
    // Per context: the highest signaled seqno and the lowest unsignaled one.
    const hi = new Map<number, [number, string]>();
    const lo = new Map<number, [number, string]>();
    for (const id in w.o) {
      const s = w.o[id];
      if (!isFence(s)) continue;
      const c = s.context as DmaFenceContext;
      if (c.context === 0) continue;
      if (s.hasTag('signaled')) {
        const h = hi.get(c.context);
        if (!h || c.seqno > h[0] || (c.seqno === h[0] && id < h[1])) hi.set(c.context, [c.seqno, id]);
      } else {
        const l = lo.get(c.context);
        if (!l || c.seqno < l[0] || (c.seqno === l[0] && id < l[1])) lo.set(c.context, [c.seqno, id]);
      }
    }
    for (const ctxId of [...hi.keys()].sort((a, b) => a - b)) {
      const h = hi.get(ctxId)!;
      const l = lo.get(ctxId);
      if (l && h[0] > l[0])
        return `${h[1]} (ctx ${ctxId}, seqno ${h[0]}) is signaled but the earlier ${l[1]} (seqno ${l[0]}) is not (I4)`;
    }
    return null;
  },
});
