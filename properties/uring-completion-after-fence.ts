/**
 * uring-completion-after-fence — seed 003 ("fence signalling stays in the kernel"; "when job finishes
 * we create a completion item"), R96: an io_uring completion entry reports a finished job, so it is
 * posted only after that job's finished fence signalled. Userspace that reads a CQE may reuse the
 * entry's buffers at once; an early CQE is a use-after-submit race.
 */
import { defineProperty } from './property.ts';
import { earlyCompletions } from '../models/io-uring/io-uring-drm.ts';
import { ctx, idsOf } from '../models/world.ts';
import type { IoUringContext } from '../models/io-uring/io-uring.ts';

export default defineProperty({
  name: 'uring-completion-after-fence',
  kind: 'state',
  rules: ['R96'],
  needs: ['io_uring'],
  witness: {
    what: 'an entry consumed whose job has not finished (its CQE could be posted early)',
    state: (w) => idsOf(w, 'io_uring').some((u) => ctx<IoUringContext>(w, u).inflight.length > 0),
  },
  statement: 'Every io_uring CQE posted (reaped or not) reports a job whose finished fence has signalled.',
  state: (w) => {
    const e = earlyCompletions(w);
    return e.length ? `completion entries posted before their job finished: ${e.join(', ')}` : null;
  },
});
