/**
 * crashed-producer-releases — seed 002 §2.1 "Deadlock mitigation to recover from segfaults: the kernel
 * knows which process is obliged to signal which fence; if the producer crashes, the kernel signals
 * [it]"; R105 (a killed process's work completes with -ESRCH). From any state, with userspace stopped
 * and the kernel, GPU and timers running fairly (the drain), nothing still waits on a user fence whose
 * writer process has crashed.
 */
import { defineProperty } from './property.ts';
import { waitEdges } from '../models/view.ts';
import type { UmfContext } from '../models/userq/user-memory-fence.ts';
import type { World } from '../models/world.ts';

/** Waits on a user fence whose writer crashed, as [waiter, fence]. */
function waitsOnCrashed(w: World): [string, string, string][] {
  const out: [string, string, string][] = [];
  for (const [from, to] of waitEdges(w)) {
    const s = w.o[to];
    if (s?.machine.id !== 'user_memory_fence') continue;
    const { writer }: UmfContext = s.context;
    if (w.o[writer]?.hasTag('crashed')) out.push([from, to, writer]);
  }
  return out;
}

const crashedProducerReleases = defineProperty({
  name: 'crashed-producer-releases',
  kind: 'drain',
  rules: ['R105', 'R120'],
  needs: ['user_memory_fence'],
  witness: {
    what: 'a user fence whose writer crashed',
    state: (w) =>
      Object.values(w.o).some(
        (s) => s.machine.id === 'user_memory_fence' && !!w.o[(s.context as UmfContext).writer]?.hasTag('crashed'),
      ),
  },
  statement: 'Once a producer process crashed, nothing waits forever on the user fences it was obliged to write.',
  drain: (_from, r) => {
    if (!r.settled) return `the kernel, GPU and timers did not settle within ${r.bound} steps (livelock)`;
    const [stuck] = waitsOnCrashed(r.settled);
    return stuck ? `${stuck[0]} still waits on ${stuck[1]}, whose writer ${stuck[2]} crashed (seed 002 §2.1)` : null;
  },
});

/** On the state graph: the obligations are the waits on a crashed writer's user fence (src/explore/liveness.ts). */
export default Object.assign(crashedProducerReleases, {
  graph: { unmet: (w: World) => waitsOnCrashed(w).map(([from, to]) => `${from} -> ${to}`) },
});
