/**
 * signalling-section-discipline — I11 (R22-R29, H3, H4, H14): a thread inside a fence signalling
 * critical section (run_job, IRQ completion, TDR/reset, preempt-fence work, eviction-suspend work:
 * a kthread whose `sigFor` names unsignaled fences) never allocates with reclaim (GFP_KERNEL/NOFS/NOIO,
 * R24, R25), never holds a dma_resv lock (R23), and never waits on a fence that is not signaled (R29).
 * Each is a deadlock with a shrinker, an mmu notifier, or a thread that waits on a fence holding the
 * resv lock. A mutex may be taken inside a section only if no thread holds it across a fence wait or a
 * reclaiming allocation (I11's fourth clause, judged on the state: the section blocks on a mutex whose
 * holder is itself blocked on a fence or in reclaim, H14, H16).
 */
import { defineProperty } from './property.ts';
import { ctx, type World, sortedIds } from '../models/world.ts';
import { isFence } from '../models/view.ts';
import { mutexOwner, type KthreadContext } from '../models/kernel/kthread.ts';

const signaled = (w: World, id: string) => {
  const s = w.o[id];
  return !!s && isFence(s) && s.hasTag('signaled');
};

export default defineProperty({
  name: 'signalling-section-discipline',
  kind: 'state',
  rules: ['I11', 'R22', 'R23', 'R24', 'R25', 'R29', 'H3', 'H4', 'H14', 'H16'],
  statement:
    'Inside a dma_fence signalling section: no reclaiming allocation, no dma_resv lock, no wait on an unsignaled ' +
    'fence.',
  needs: ['kthread'],
  witness: {
    what: 'a kernel thread on the signalling path of an unsignaled fence (in a state, or across a step)',
    state: (w) =>
      Object.keys(w.o).some(
        (id) => w.o[id].machine.id === 'kthread' && ctx<KthreadContext>(w, id).sigFor.some((f) => !signaled(w, f)),
      ),
    step: (before, _a, after) =>
      Object.keys(after.o).some(
        (id) => after.o[id].machine.id === 'kthread' && before.o[id] && before.o[id] !== after.o[id],
      ) && Object.keys(after.o).some((id) => signaled(after, id) && before.o[id] && !signaled(before, id)),
  },
  state: (w) => {
    for (const id of sortedIds(w)) {
      const s = w.o[id];
      if (s.machine.id !== 'kthread') continue;
      const c = ctx<KthreadContext>(w, id);
      const open = c.sigFor.filter((f) => !signaled(w, f));
      if (!open.length) continue;
      const sec = `${id} (${c.work}) is in the signalling section of ${open.join(', ')}`;
      if (s.value === 'blocked' && c.reclaim)
        return `${sec} and allocated with ${c.reclaim}: direct reclaim waits on ${c.waitingOn} (R24, H3)`;
      const owner = s.value === 'blocked' ? mutexOwner(w, c.waitingOn) : undefined;
      if (owner !== undefined) {
        if (c.waitingOn.startsWith('resv:')) return `${sec} and blocks taking ${c.waitingOn} (R23, H4)`;
        const o = ctx<KthreadContext>(w, owner);
        if (w.o[owner].value === 'blocked' && !signaled(w, o.waitingOn))
          return (
            `${sec} and blocks on ${c.waitingOn}, which ${owner} (${o.work}) holds while ` +
            `${o.reclaim ? `reclaiming (${o.reclaim}) on` : 'waiting on'} ${o.waitingOn} (I11, H14, H16)`
          );
      } else if (s.value === 'blocked' && !signaled(w, c.waitingOn))
        return `${sec} and waits on unsignaled ${c.waitingOn} (R29)`;
      const resv = c.locks.find((l) => l.startsWith('resv:'));
      if (resv) return `${sec} and holds ${resv} (R23, H4)`;
    }
    return null;
  },
});
