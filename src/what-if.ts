/**
 * What-if runs (issue 12.2, seed 004: "it will probably work anyway thanks to implicit sync"): the same
 * design with one kernel mechanism taken away, checked beside the design as it is, and the cells whose
 * verdict changes. `--without implicit-sync` adds every WRITE/READ resv fence as BOOKKEEP
 * (models/dma-buf/dma-resv.ts WITHOUT_IMPLICIT_SYNC): no implicit wait and no EXPORT_SYNC_FILE finds
 * it; memory management still waits on everything. A design whose hazard-free holds only thanks to
 * implicit sync shows up as a change, with the trace that breaks it.
 */
import type { Design } from '../models/design.ts';
import { setG } from '../models/world.ts';
import { WITHOUT_IMPLICIT_SYNC } from '../models/dma-buf/dma-resv.ts';
/** What the what-if compares of a cell (src/api.ts Cell has these fields). */
interface CellLike {
  design: string;
  property: string;
  status: string;
  message: string | null;
  bound: string;
}

export const WHAT_IFS = ['implicit-sync'] as const;
export type WhatIf = (typeof WHAT_IFS)[number];

/** `d` in the world without `what`: same steps and expectations, a different initial world. */
export function without(d: Design, what: WhatIf): Design {
  const key = what === 'implicit-sync' ? WITHOUT_IMPLICIT_SYNC : what;
  return { ...d, init: (cfg) => setG(d.init(cfg), { [key]: true }) };
}

export interface WhatIfChange {
  design: string;
  property: string;
  /** The cell's status as the design is, and without the mechanism. */
  with: string;
  without: string;
  /** The violation found without it (one sentence), and what it rests on. */
  message: string | null;
  bound: string;
}

/** The cells whose status differs between the design as it is and the what-if. */
export function whatIfChanges(base: { cells: CellLike[] }, alt: { cells: CellLike[] }): WhatIfChange[] {
  const key = (c: CellLike) => `${c.design}\u0000${c.property}`;
  const before = new Map(base.cells.map((c) => [key(c), c]));
  const out: WhatIfChange[] = [];
  for (const c of alt.cells) {
    const b = before.get(key(c));
    if (!b || b.status === c.status) continue;
    out.push({
      design: c.design,
      property: c.property,
      with: b.status,
      without: c.status,
      message: c.message,
      bound: c.bound,
    });
  }
  return out;
}
