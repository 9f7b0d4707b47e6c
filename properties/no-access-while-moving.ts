/**
 * no-access-while-moving — I19 second clause (R53, H9; seed 002 §3.3 "If userspace destroys a busy
 * buffer"): no GPU or CPU access to a BO whose backing store is being copied or has been freed.
 * Accessors: a drm_sched job on the hardware (ghost `bos:<job>`), a GPU context or user-mode queue on
 * the hardware (tag 'accessing', context `bos`) with work to execute.
 */
import { defineProperty } from './property.ts';
import type { World } from '../models/world.ts';
import { sortedIds } from '../models/world.ts';

/** Who touches which BOs now: [job, context or queue, its BOs], in id order (hw-access-resident too). */
export function accessors(w: World): [string, string[]][] {
  const out: [string, string[]][] = [];
  for (const id of sortedIds(w)) {
    const s = w.o[id];
    if (s.machine.id === 'drm_sched_job' && s.hasTag('on-hardware')) {
      const bos = w.g[`bos:${id}`];
      out.push([id, Array.isArray(bos) ? bos.filter((b): b is string => typeof b === 'string') : []]);
    } else if (s.hasTag('accessing')) {
      // a context or queue with nothing to execute touches no memory (unless it is hung mid-batch)
      const c: { bos?: string[]; batches?: unknown[] } = s.context;
      if (c.batches && c.batches.length === 0 && !s.hasTag('hung')) continue;
      out.push([id, c.bos ?? []]);
    }
  }
  return out;
}

export default defineProperty({
  name: 'no-access-while-moving',
  kind: 'state',
  rules: ['I19', 'R53', 'H9'],
  statement: 'No GPU or CPU access to a BO that is being moved or has been freed.',
  needs: ['ttm_buffer_object'],
  witness: {
    what: 'a BO being copied or freed',
    state: (w) =>
      Object.values(w.o).some((s) => s.machine.id === 'ttm_buffer_object' && (s.hasTag('moving') || s.hasTag('freed'))),
  },
  state: (w) => {
    for (const [who, bos] of accessors(w)) {
      for (const b of bos) {
        const s = w.o[b];
        if (s && (s.hasTag('moving') || s.hasTag('freed')))
          return (
            `${who} is on the hardware using ${b} while ${b} is ${s.hasTag('freed') ? 'freed' : 'being moved'} ` +
            `(I19)`
          );
      }
    }
    return null;
  },
});
