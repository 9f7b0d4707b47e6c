/**
 * preempt-fence-bounded — I20 (R108-R112, R115): once a preempt fence (Xe) or eviction fence (amdgpu)
 * has signalling enabled, it signals within the preemption and reset bounds: from any state, with
 * userspace stopped and the kernel, GPU and timers running fairly (the drain), every enabled preempt or
 * eviction fence is signaled when the drain settles; and no context runs on the hardware with a
 * preempt fence that already signaled (a resumed context gets a fresh one, R111).
 */
import { defineProperty } from './property.ts';
import { isFence } from '../models/view.ts';
import type { DmaFenceContext } from '../models/dma-buf/dma-fence.ts';
import type { World } from '../models/world.ts';
import { sortedIds } from '../models/world.ts';

const lazyKinds = new Set(['preempt', 'eviction']);

function staleRunner(w: World): string | null {
  for (const id of sortedIds(w)) {
    const s = w.o[id];
    if (s.machine.id !== 'gpu_context' || s.value !== 'running') continue;
    const pf = (s.context as { pfence: string }).pfence;
    if (pf && w.o[pf]?.hasTag('signaled'))
      return `${id} runs with its preempt fence ${pf} already signaled (R111: resume installs a new one)`;
  }
  return null;
}

/** Enabled preempt/eviction fences not signalled at w. */
function enabledUnsignalled(w: World): string[] {
  const stuck: string[] = [];
  for (const id of sortedIds(w)) {
    const s = w.o[id];
    if (!isFence(s) || s.hasTag('signaled')) continue;
    const c: DmaFenceContext = s.context;
    if (lazyKinds.has(c.ops) && c.enableSignal) stuck.push(id);
  }
  return stuck;
}

const preemptFenceBounded = defineProperty({
  name: 'preempt-fence-bounded',
  kind: 'drain',
  rules: ['I20', 'R108', 'R109', 'R110', 'R111', 'R112', 'R115'],
  needs: ['gpu_context', 'user_mode_queue'],
  witness: {
    what: 'an enabled preempt or eviction fence not signalled yet',
    state: (w) =>
      Object.values(w.o).some((s) => {
        if (!isFence(s) || s.hasTag('signaled')) return false;
        const c = s.context as DmaFenceContext;
        return lazyKinds.has(c.ops) && c.enableSignal;
      }),
  },
  statement:
    'An enabled preempt/eviction fence signals within the preemption bound; contexts resume only with a fresh one.',
  drain: (from, r) => {
    const stale = staleRunner(from);
    if (stale) return stale;
    if (!r.settled) return `the kernel, GPU and timers did not settle within ${r.bound} steps (livelock)`;
    const stuck = enabledUnsignalled(r.settled);
    return stuck.length
      ? `enabled ${stuck.join(', ')} never signal${stuck.length > 1 ? '' : 's'} once userspace stops (I20)`
      : null;
  },
});

/**
 * On the state graph (src/explore/liveness.ts): the stale runner is judged at every state, the
 * obligations are the enabled, unsignalled preempt and eviction fences.
 */
export default Object.assign(preemptFenceBounded, { graph: { unmet: enabledUnsignalled, always: staleRunner } });
