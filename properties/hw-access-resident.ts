/**
 * hw-access-resident — I19, R53, H5: hardware work touches only BOs placed where it can reach them.
 * Every validate path of these models brings a BO into VRAM before the work that needs it runs
 * (prepare_job: userq/umf-jobs.ts residentJobOps; the rebind / resume workers: `resident`), so a job
 * on the hardware, or a context or user-mode queue executing, finds each of its BOs with its valid copy
 * in VRAM and not freed. (A BO in `waiting`, its move queued, still has its old copy: that is fine;
 * `moving` is no-access-while-moving's.) Accessors as in no-access-while-moving.
 */
import { defineProperty } from './property.ts';
import type { World } from '../models/world.ts';

function accessors(w: World): [string, string[]][] {
  const out: [string, string[]][] = [];
  for (const id of Object.keys(w.o).sort()) {
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
  name: 'hw-access-resident',
  kind: 'state',
  rules: ['I19', 'R53', 'H5'],
  statement: 'A job on the hardware, or a context or queue executing, touches only BOs resident in VRAM.',
  state: (w) => {
    for (const [who, bos] of accessors(w)) {
      for (const b of bos) {
        const s = w.o[b];
        if (!s) continue;
        const placement: string = s.context.placement;
        if (s.hasTag('freed') || placement !== 'VRAM') {
          const where = s.hasTag('freed') ? 'freed' : `in ${placement}`;
          return `${who} is on the hardware using ${b}, whose copy is ${where}`;
        }
      }
    }
    return null;
  },
});
