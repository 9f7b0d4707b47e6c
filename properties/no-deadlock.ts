/**
 * no-deadlock — the safety property of the reference world (shared/design/reference-world-rw-umf.md,
 * "Deadlock"): no reachable state has no enabled action while some work is unfinished. The unfinished
 * work is what the design lists in `pending` (for RW-UMF: jobs with done[i] < J). It is Spin's
 * "invalid end state" and Quint's `noDeadlock = allDone ∨ ∃ i: some guard of ring i holds`.
 *
 * It is a terminal property: the engine evaluates it where no action is enabled (any role, userspace
 * included) and passes the design; it needs nothing else. Because it only looks at terminal states, it
 * is preserved by the explorer's partial-order reduction (persistent sets keep every deadlock).
 */
import { defineProperty, type Property } from './property.ts';
import type { World } from '../models/world.ts';
import { waitEdges } from '../models/view.ts';
import { findCycle } from './acyclic-waits.ts';
import type { Design } from '../models/design.ts';

/** What the engine passes a terminal property, besides the world and config. */
export interface TerminalEnv {
  design: Design;
}

const p: Property & { terminal: true } = {
  name: 'no-deadlock',
  kind: 'state',
  terminal: true,
  temporal: 'safety',
  // judged at states where nothing is enabled; it sees no transition
  observes: { steps: [] },
  rules: ['I10', 'R30'],
  // Judged only where the design says what unfinished work is (Design.pending).
  appliesTo: (d) => d.pending !== undefined,
  witness: {
    what: 'two unfinished jobs at once, or one that waits on something',
    // the cheap count first: waitEdges walks the whole view (17% of an rw-umf-b run when asked first)
    state: (w, cfg, env) => {
      const n = env.design.pending?.(w, cfg).length ?? 0;
      return n > 1 || (n === 1 && waitEdges(w).length > 0);
    },
  },
  statement:
    'Some action is enabled in every reachable state in which some job is unfinished (no deadlock, no invalid end ' +
    'state).',
  state: ((w: World, cfg: unknown, env?: TerminalEnv) => {
    const pend = env?.design.pending?.(w, cfg) ?? [];
    if (!pend.length) return null;
    // What the blocked actors wait on: the wait-for cycle, when the kinds involved draw one.
    const cycle = findCycle(w);
    return (
      `deadlock: no action is enabled, and ${pend.length} job(s) never finish: ` +
      `${pend.slice(0, 6).join(', ')}${pend.length > 6 ? ', …' : ''}` +
      (cycle ? `; they wait in a cycle: ${[...cycle.map((e) => e[0]), cycle[0][0]].join(' -> ')}` : '')
    );
  }) as Property['state'],
};

export default defineProperty(p);
