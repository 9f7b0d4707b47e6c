/**
 * Latency metrics a design reports (design `metrics`): the fewest atomic steps, over every schedule,
 * from the moment `start` first holds until `goal` holds (steps before `start` are free). Each step is
 * one kernel, GPU or userspace operation, so the difference between two designs on the same scenario
 * is the work put on the critical path after the producer is done: a CPU round trip where
 * cross-process pipelining was lost (seed 001 option 2). Faults are never taken. -1 = unreachable.
 */
import type { World } from './world.ts';
import { worldKey } from './world.ts';
import type { StepTable } from './design.ts';

export function stepsFromTo<C>(
  init: World,
  steps: StepTable<C>,
  cfg: C,
  start: (w: World) => boolean,
  goal: (w: World) => boolean,
  limit = 20_000,
): number {
  // 0-1 BFS: a step taken after `start` held costs 1, before it 0.
  const dist = new Map<string, number>([[worldKey(init), 0]]);
  const dq: [World, number][] = [[init, 0]];
  while (dq.length && dist.size < limit) {
    const [w, d] = dq.shift()!;
    if (d > (dist.get(worldKey(w)) ?? Infinity)) continue;
    if (goal(w)) return d;
    const cost = start(w) ? 1 : 0;
    for (const st of Object.values(steps)) {
      if (st.role === 'fault') continue;
      for (const args of st.params ? st.params(w, cfg) : [[]]) {
        if (st.enabled && !st.enabled(w, args, cfg)) continue;
        const n = st.apply(w, args, cfg);
        if (!n) continue;
        const k = worldKey(n);
        if ((dist.get(k) ?? Infinity) <= d + cost) continue;
        dist.set(k, d + cost);
        if (cost === 0) dq.unshift([n, d]);
        else dq.push([n, d + 1]);
      }
    }
  }
  return -1;
}
