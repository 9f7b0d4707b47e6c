/**
 * Exhaustive explorer: breadth-first over canonical world keys, properties checked on the fly, so
 * every counterexample is a shortest one. Bounded by depth and by distinct states; it says which bound
 * stopped it. Visited states keep only their key, parent and the action that reached them; a trace is
 * rebuilt from parent pointers. Only `enabledActions` and the actions' next worlds are used.
 */
import type { Design } from '../../models/design.ts';
import type { World } from '../../models/world.ts';
import { worldKey } from '../../models/world.ts';
import type { Checker } from '../check.ts';
import { enabledActions } from '../world/steps.ts';
import { toTraceStep, type Found, type TraceStep } from './trace.ts';

export interface ExhaustiveOptions {
  maxDepth: number;
  maxStates: number;
  budgetMs?: number;
  onProgress?: (p: { states: number; depth: number; transitions: number }) => void;
}

export interface ExhaustiveResult {
  found: Found[];
  states: number;
  transitions: number;
  depth: number;
  /** 'complete' = every reachable state seen; else the bound that stopped the search. */
  stoppedBy: 'complete' | 'depth' | 'states' | 'time' | 'all-found';
}

export function exploreExhaustive(d: Design, cfg: unknown, checker: Checker, props: string[], o: ExhaustiveOptions): ExhaustiveResult {
  const t0 = Date.now();
  const want = new Set(props);
  const found: Found[] = [];
  const index = new Map<string, number>();
  const parent: number[] = [];
  const via: TraceStep[] = [];
  const depthOf: number[] = [];
  const path = (i: number): TraceStep[] => {
    const out: TraceStep[] = [];
    for (; i > 0; i = parent[i]) out.push(via[i]);
    return out.reverse();
  };
  const record = (fs: { property: string; message: string; drain?: string[] }[], trace: () => TraceStep[]) => {
    for (const f of fs) {
      if (!want.has(f.property)) continue;
      want.delete(f.property);
      found.push({ property: f.property, message: f.message, actions: trace(), drain: f.drain });
    }
  };

  const w0 = d.init(cfg);
  const k0 = worldKey(w0);
  index.set(k0, 0); parent.push(-1); via.push(null as unknown as TraceStep); depthOf.push(0);
  record(checker.atState(w0, want, k0), () => []);
  let queue: (World | undefined)[] = [w0];
  let head = 0;
  let base = 0; // state index of queue[0]: states enter the queue in index order
  let transitions = 0;
  let maxDepthSeen = 0;
  let cutByDepth = false;
  let stoppedBy: ExhaustiveResult['stoppedBy'] = 'complete';
  let lastReport = Date.now();

  outer: while (head < queue.length) {
    if (want.size === 0) { stoppedBy = 'all-found'; break; }
    const w = queue[head]!;
    queue[head] = undefined;
    const i = base + head++;
    const dep = depthOf[i];
    if (dep >= o.maxDepth) { cutByDepth = true; continue; }
    for (const a of enabledActions(d, cfg, w)) {
      transitions++;
      const stepF = checker.atStep(w, a, want);
      if (stepF.length) record(stepF, () => [...path(i), toTraceStep(a)]);
      const k = worldKey(a.next);
      if (index.has(k)) continue;
      const j = parent.length;
      index.set(k, j); parent.push(i); via.push(toTraceStep(a)); depthOf.push(dep + 1);
      if (dep + 1 > maxDepthSeen) maxDepthSeen = dep + 1;
      queue.push(a.next);
      record(checker.atState(a.next, want, k), () => path(j));
      if (parent.length >= o.maxStates) { stoppedBy = 'states'; break outer; }
    }
    if (head % 256 === 0) {
      const now = Date.now();
      if (o.budgetMs !== undefined && now - t0 > o.budgetMs) { stoppedBy = 'time'; break; }
      if (o.onProgress && now - lastReport > 250) { lastReport = now; o.onProgress({ states: parent.length, depth: maxDepthSeen, transitions }); }
    }
    // Free the consumed prefix of the queue now and then.
    if (head > 65536 && head * 2 > queue.length) { queue = queue.slice(head); base += head; head = 0; }
  }
  if (stoppedBy === 'complete' && cutByDepth) stoppedBy = 'depth';
  if (stoppedBy === 'all-found' && head >= queue.length && !cutByDepth) stoppedBy = 'complete';
  return { found, states: parent.length, transitions, depth: maxDepthSeen, stoppedBy };
}
