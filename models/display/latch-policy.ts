/**
 * The compositor's decision at paint, per surface (seed 000 "vblank + frame + WBS"), as named latch
 * policies. Each reads fence states only (present-view.ts acquireState) and answers COMPOSITOR_LATCH's
 * {n, use}: take the first n queued commits, show the last taken one if `use`, release the rest (R139).
 * - 'naive': the newest commit, whatever its state; the compositor then waits on its acquire fence (a
 *   CPU wait, models/display/present.ts compositor_paint), the seeded bug of present-vblank-naive;
 * - 'transaction': commits in order, each once its acquire signaled (Mutter/KWin transactions): a
 *   newer commit that is ready waits behind an older one that is not;
 * - 'late-binding': the newest commit whose acquire signaled, else keep the previous buffer;
 * - 'kms-fence': the newest commit whose acquire fence exists (materialized, R141), signalled or not;
 *   the compositor never waits on the CPU but hands the fence to KMS as IN_FENCE_FD, and the commit
 *   tail holds the flip until it signals (R131, R133): one slow client then holds every plane's flip.
 * With nothing ready, commits whose content will never come (the kernel signalled an error, seed 002)
 * are dropped from the head of the queue.
 */
import type { World } from '../world.ts';
import type { SurfaceCommit } from './compositor.ts';
import type { LatchPolicy, PaintPolicy } from './present-config.ts';
import { acquireState, type Readiness } from './present-view.ts';

const notYet = (r: Readiness) => r === 'pending' || r === 'unmaterialized';

/** The newest ready commit among the first `upto`, else drop the leading errored ones and show nothing. */
function newestReady(st: Readiness[], upto: number): { n: number; use: boolean } {
  for (let i = upto - 1; i >= 0; i--) if (st[i] === 'ready') return { n: i + 1, use: true };
  let e = 0;
  while (e < st.length && st[e] === 'error') e++;
  return { n: e, use: false };
}

const states = (w: World, q: SurfaceCommit[]) => q.map((s) => acquireState(w, s));

export const latchPolicies: Record<PaintPolicy, LatchPolicy> = {
  naive: { decide: (_w, q) => ({ n: q.length, use: true }) },
  transaction: {
    decide(w, q) {
      const st = states(w, q);
      const blocked = st.findIndex(notYet);
      return newestReady(st, blocked < 0 ? st.length : blocked);
    },
  },
  'late-binding': {
    decide: (w, q) => {
      const st = states(w, q);
      return newestReady(st, st.length);
    },
  },
  'kms-fence': {
    kmsWaits: true,
    decide: (w, q) => {
      const st = states(w, q);
      for (let i = st.length - 1; i >= 0; i--)
        if (st[i] === 'ready' || st[i] === 'pending') return { n: i + 1, use: true };
      return newestReady(st, st.length);
    },
  },
};
