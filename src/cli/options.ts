/**
 * Commander's parsed flags -> CheckOptions. The flags themselves are program.mjs's EXPLORE_OPTIONS (one
 * entry per CheckOptions key, typed against it; plain JavaScript, so that help and a bad flag answer
 * without tsx); test/cli/front-door.test.ts checks every flag it declares arrives here.
 */
import type { CheckOptions } from '../api.ts';
import { InputError } from '../errors.ts';

/** Without onProgress (the CLI's progress is its own). */
export function toCheckOptions(o: Record<string, any>): CheckOptions {
  return {
    designs: o.design,
    properties: o.property,
    engine: o.engine,
    runs: o.runs,
    depth: o.depth,
    maxStates: o.maxStates,
    seed: o.seed,
    budgetMs: o.budgetMs,
    save: !!o.save,
    symmetry: o.symmetry,
    por: o.por,
    liveness: o.liveness,
    maxMemoryMb: o.maxMemoryMb,
    metrics: o.metrics,
    config: o.config,
    without: o.without,
    set: o.set ? parseSets(o.set) : undefined,
    shard: o.shard,
    workers: o.workers,
  };
}

/** Parse repeated `key=value` flags; a malformed one is an InputError. */
function parseSets(flags: readonly string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of flags) {
    const m = /^([A-Za-z_][A-Za-z0-9_-]{0,63})=(.{0,200})$/.exec(f);
    if (!m) throw new InputError(`--set takes key=value, got '${f.slice(0, 40)}'`);
    out[m[1]] = m[2];
  }
  return out;
}
