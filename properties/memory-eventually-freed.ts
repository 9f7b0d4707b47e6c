/**
 * memory-eventually-freed — I5, I6, H12 (R13, R15, R16; seed 002 §3.3 "If userspace destroys a busy
 * buffer"): memory a process or a destroy released is freed after finitely many kernel steps, and nothing
 * touches it after the free. Checked from every reachable state: the state itself shows no use-after-free
 * (a get or put on a freed fence, refcount_t's "use-after-free" WARN; hardware still using a freed BO),
 * and a fair drain (userspace stopped, kernel, GPU and timers running) ends with every released fence's
 * last reference dropped and every pending BO release (ttm_bo_release's delayed destroy, 002's destroy
 * with a fence list) done.
 * On the state graph (`graph`, src/explore/liveness.ts) every fair schedule counts: the use-after-free
 * is judged at every reachable state, the obligations are the released memory not freed yet, and a
 * weakly fair cycle of kernel, GPU and timer steps that keeps one unfreed is a livelock.
 */
import { defineProperty, DRAIN_ROLES } from './property.ts';
import type { World } from '../models/world.ts';
import type { KrefContext } from '../models/dma-buf/dma-fence-ref.ts';
import { ttmBoReleasePending } from '../models/ttm/ttm-bo.ts';
import { accessors } from './no-access-while-moving.ts';

const krefs = (w: World) =>
  Object.keys(w.o)
    .filter((id) => w.o[id].machine.id === 'kref')
    .sort();
const bos = (w: World) =>
  Object.keys(w.o)
    .filter((id) => w.o[id].machine.id === 'ttm_buffer_object')
    .sort();

/** The first use-after-free the world shows, or null. */
function useAfterFree(w: World): string | null {
  for (const id of krefs(w)) {
    const c = w.o[id].context as KrefContext;
    if (c.uaf) return `${id.replace(/\.ref$/, '')} was used after its last reference was dropped (${c.uaf}; R15, H12)`;
  }
  for (const [who, list] of accessors(w))
    for (const b of list)
      if (w.o[b]?.hasTag('freed')) return `${who} still uses ${b} after it was freed (I19, 002 §3.3)`;
  return null;
}

/** Released memory not freed yet at w: fences whose last reference is still held, BOs whose destroy is pending. */
function unfreed(w: World): string[] {
  const left: string[] = [];
  for (const id of krefs(w)) {
    const c = w.o[id].context as KrefContext;
    if (c.released && !w.o[id].hasTag('freed')) left.push(`${id} (held by ${c.holders.join(', ')})`);
  }
  for (const b of bos(w)) if (ttmBoReleasePending(w, b)) left.push(`${b} (destroy pending)`);
  return left;
}

const memoryEventuallyFreed = defineProperty({
  name: 'memory-eventually-freed',
  kind: 'drain',
  temporal: 'liveness',
  observes: { roles: DRAIN_ROLES },
  rules: ['I5', 'I6', 'H12', 'R13', 'R15', 'R16'],
  statement:
    'A released fence or BO is freed after finitely many kernel, GPU and timer steps, and nothing touches it ' +
    'after the free.',
  needs: ['kref', 'ttm_buffer_object'],
  witness: {
    what: 'a fence or BO released by its owner',
    state: (w) =>
      krefs(w).some((id) => (w.o[id].context as KrefContext).released) ||
      bos(w).some((b) => ttmBoReleasePending(w, b) || w.o[b].hasTag('freed')),
  },
  drain: (from, r) => {
    const uaf = useAfterFree(from);
    if (uaf) return uaf;
    if (!r.settled)
      return `the kernel, GPU and timers did not settle within ${r.bound} steps: ${r.labels.slice(-4).join(', ')}`;
    const left = unfreed(r.settled);
    return left.length ? `released memory is never freed once userspace stops: ${left.join('; ')} (I5)` : null;
  },
});

export default Object.assign(memoryEventuallyFreed, {
  graph: {
    unmet: unfreed,
    always: useAfterFree,
    cycle: (open: string[]) => `released memory is never freed: ${open.join('; ')} (I5)`,
  },
});
