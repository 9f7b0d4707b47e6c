/**
 * hw-access-resident — I19, R53, H5: hardware work touches only BOs placed where it can reach them.
 * Every validate path of these models brings a BO into VRAM before the work that needs it runs
 * (prepare_job: userq/umf-jobs.ts residentJobOps; the rebind / resume workers: `resident`), so a job
 * on the hardware, or a context or user-mode queue executing, finds each of its BOs with its valid copy
 * in VRAM and not freed. (A BO in `waiting`, its move queued, still has its old copy: that is fine;
 * `moving` is no-access-while-moving's.) The accessors are no-access-while-moving's.
 */
import { defineProperty } from './property.ts';
import { accessors } from './no-access-while-moving.ts';

export default defineProperty({
  name: 'hw-access-resident',
  kind: 'state',
  rules: ['I19', 'R53', 'H5'],
  statement: 'A job on the hardware, or a context or queue executing, touches only BOs resident in VRAM.',
  needs: ['ttm_buffer_object'],
  witness: {
    what: 'hardware work using a BO while some BO is outside VRAM',
    state: (w) =>
      accessors(w).some(([, bos]) => bos.length > 0) &&
      Object.values(w.o).some(
        (s) => s.machine.id === 'ttm_buffer_object' && (s.context as { placement: string }).placement !== 'VRAM',
      ),
  },
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
