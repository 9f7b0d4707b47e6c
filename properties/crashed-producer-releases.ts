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

export default defineProperty({
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
    const w = r.settled;
    for (const [from, to] of waitEdges(w)) {
      const s = w.o[to];
      if (s?.machine.id !== 'user_memory_fence') continue;
      const { writer }: UmfContext = s.context;
      if (w.o[writer]?.hasTag('crashed'))
        return `${from} still waits on ${to}, whose writer ${writer} crashed (seed 002 §2.1)`;
    }
    return null;
  },
});
