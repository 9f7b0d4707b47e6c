/**
 * no-userspace-wait-under-kernel-lock — I12 (R78, R79, R88, R120, H16): a kernel thread that holds a
 * kernel lock (a dma_resv, a mutex) never waits on something only userspace can bring about: a syncobj
 * point to materialize (WAIT_FOR_SUBMIT, WAIT_AVAILABLE), a user memory fence (wait-user-fence), a fence
 * only userspace signals. drm_syncobj_find_fence asserts lockdep_assert_none_held_once() before such a
 * wait (R78): the userspace thread that would submit may need the very lock, and the kernel cannot know.
 */
import { defineProperty } from './property.ts';
import { ctx, type World, sortedIds } from '../models/world.ts';
import { isFence } from '../models/view.ts';
import type { KthreadContext } from '../models/kernel/kthread.ts';
import type { DmaFenceContext } from '../models/dma-buf/dma-fence.ts';

/** Can only userspace make `id` happen? (user memory fences, syncobjs, fences whose signaller is userspace) */
function userOnly(w: World, id: string): boolean {
  const s = w.o[id];
  if (!s) return false;
  if (s.machine.id === 'user_memory_fence' || s.machine.id === 'drm_syncobj') return true;
  return isFence(s) && !s.hasTag('signaled') && (s.context as DmaFenceContext).signaller === 'user';
}

/** Kernel threads blocked on a userspace-only event, with the locks they hold. */
function userWaits(w: World): [thread: string, on: string, locks: string[]][] {
  const out: [string, string, string[]][] = [];
  for (const id of sortedIds(w)) {
    if (w.o[id].machine.id !== 'kthread' || w.o[id].value !== 'blocked') continue;
    const c = ctx<KthreadContext>(w, id);
    if (userOnly(w, c.waitingOn)) out.push([id, c.waitingOn, c.locks]);
  }
  return out;
}

export default defineProperty({
  name: 'no-userspace-wait-under-kernel-lock',
  kind: 'state',
  rules: ['I12', 'R78', 'R79', 'R88', 'H16'],
  statement: 'No kernel thread holding a kernel lock waits on anything only userspace can signal.',
  needs: ['kthread'],
  witness: { what: 'a kernel thread waiting on userspace', state: (w) => userWaits(w).length > 0 },
  state: (w) => {
    for (const [t, on, locks] of userWaits(w))
      if (locks.length)
        return (
          `${t} (${ctx<KthreadContext>(w, t).work}) holds ${locks.join(', ')} while it waits on ${on}, ` +
          'which only userspace can bring about (I12, R78)'
        );
    return null;
  },
});
