/**
 * Seeded-bug tests (issue 14.8): a mutant is built in the test (a step overridden by key, a machine
 * with a broken guard, a FenceOps with the bug) and checked as a design variant. Every exploration
 * here must complete: a 'holds' from a partial run would make "the mutant is caught" meaningless, and
 * a state-space blow-up should fail clearly, not run out of memory.
 */
import { expect } from 'vitest';
import type { Design, Verdict } from '../../models/design.ts';
import { checkDesigns, type Cell } from '../../src/api.ts';

/** `d` with exactly these expectations (every one 'holds' unless given), under a new name. */
export function variant<C>(d: Design<C>, name: string, props: string[], patch: Partial<Design<C>> = {}): Design<C> {
  const expect = Object.fromEntries(
    props.map((p) => [p, d.expect[p] ?? { verdict: 'holds' as Verdict, why: 'seeded-bug test' }]),
  );
  return { ...d, ...patch, name: `${d.name}~${name}`, expect };
}

/** Explore `v` exhaustively (its exhaustive bounds); assert the run completed; the cells by property. */
export async function explore(v: Design, maxStates = 200_000): Promise<Record<string, Cell>> {
  const r = await checkDesigns({ engine: 'exhaustive', metrics: false, maxStates }, [v]);
  for (const c of r.cells) expect(c.partial, `${v.name} ${c.property}: exploration stopped early`).toBeNull();
  return Object.fromEntries(r.cells.map((c) => [c.property, c]));
}
