/**
 * @xstate/graph coverage for one machine: traverse every state reachable with the events a test
 * supplies (parameterized events need an events function, tooling.md §1.2), and report every
 * transition of the machine's definition that no edge of the traversal took. A model's unit test
 * asserts that list is empty, so a transition nobody can reach is a finding, not dead weight.
 */
import { getAdjacencyMap, adjacencyMapToArray } from '@xstate/graph';
import type { AnyStateMachine, AnyMachineSnapshot, EventObject } from 'xstate';

export interface CoverageResult {
  states: number;
  edges: number;
  /** Transitions as "stateId: EVENT#index" (index = position among that event's candidates). */
  all: string[];
  uncovered: string[];
}

function allTransitions(m: AnyStateMachine): string[] {
  const out: string[] = [];
  const walk = (node: any) => {
    for (const [ev, ts] of node.transitions as Map<string, unknown[]>) {
      for (let i = 0; i < ts.length; i++) out.push(`${node.id}: ${ev}#${i}`);
    }
    for (let i = 0; i < (node.always ?? []).length; i++) out.push(`${node.id}: always#${i}`);
    for (const c of Object.values(node.states ?? {})) walk(c);
  };
  walk(m.root);
  return out.sort();
}

export function coverTransitions(
  machine: AnyStateMachine,
  events: (s: AnyMachineSnapshot) => EventObject[],
  opts: { input?: unknown; limit?: number } = {},
): CoverageResult {
  const adj = getAdjacencyMap(machine, {
    events: events as any,
    input: opts.input as any,
    limit: opts.limit ?? 50_000,
  });
  const edges = adjacencyMapToArray(adj);
  const taken = new Set<string>();
  for (const { state, event } of edges) {
    for (const t of machine.getTransitionData(state as any, event as any) as any[]) {
      const list = t.source.transitions.get(t.eventType) as unknown[] | undefined;
      const i = list ? list.indexOf(t) : -1;
      taken.add(`${t.source.id}: ${t.eventType}#${i}`);
    }
  }
  // Eventless (always) transitions run inside a macrostep and are not edges; they are not counted.
  const all = allTransitions(machine).filter((t) => !t.includes(': always#'));
  return { states: Object.keys(adj).length, edges: edges.length, all, uncovered: all.filter((t) => !taken.has(t)) };
}
