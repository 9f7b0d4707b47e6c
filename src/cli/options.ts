/**
 * The exploration flags, as one declarative table typed against `CheckOptions` (style-anchors §6): every
 * key of CheckOptions must appear, with `null` opting a key out of the CLI, so an option added to the
 * API without a CLI entry does not compile. `check` and `report` both take these flags.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { CheckOptions } from '../api.ts';
import { InputError } from '../errors.ts';

/** A whole-number flag in [min, max]; a value past max is rejected, never rounded or aliased. */
export const int =
  (name: string, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  (v: string) => {
    if (!/^\d{1,16}$/.test(v) || Number(v) < min || Number(v) > max) {
      throw new InvalidArgumentError(`${name} takes a whole number from ${min} to ${max}, got '${v.slice(0, 40)}'`);
    }
    return Number(v);
  };
/** fast-check seeds are 32-bit: a larger one would silently alias a smaller one (issue 14.5). */
const MAX_SEED = 2 ** 32 - 1;
const collect = (v: string, prev: string[] = []) => [...prev, v];

type Spec = (cmd: Command) => void;

/** One entry per CheckOptions key; the CLI's flag, or null when the key has no flag. */
export const EXPLORE_OPTIONS: { [K in keyof Required<CheckOptions>]: Spec | null } = {
  designs: (c) => c.option('--design <name>', 'a design to check (repeatable; default all)', collect),
  properties: (c) =>
    c.option('--property <name>', 'a property to check (repeatable; default all the design declares)', collect),
  engine: (c) =>
    c.addOption(new Option('--engine <engine>', 'explorer').choices(['random', 'exhaustive', 'both']).default('both')),
  runs: (c) => c.option('--runs <n>', "random runs per design (default: the design's bound)", int('--runs', 1)),
  depth: (c) =>
    c.option('--depth <k>', "max steps per run / BFS depth (default: the design's bound)", int('--depth', 1)),
  maxStates: (c) =>
    c.option('--max-states <n>', "exhaustive state bound (default: the design's bound)", int('--max-states', 1)),
  seed: (c) => c.option('--seed <s>', `random seed, 0 to ${MAX_SEED} (default 1)`, int('--seed', 0, MAX_SEED)),
  budgetMs: (c) =>
    c.option(
      '--budget-ms <t>',
      'stop exploring a design after t ms (makes results time-dependent)',
      int('--budget-ms', 1),
    ),
  symmetry: (c) =>
    c.option(
      '--no-symmetry',
      'exhaustive: switch off symmetry reduction (designs that declare interchangeable objects)',
    ),
  por: (c) =>
    c.option(
      '--no-por',
      'exhaustive: switch off partial-order reduction (used only for terminal properties such as no-deadlock)',
    ),
  maxMemoryMb: (c) =>
    c.option(
      '--max-memory-mb <n>',
      'exhaustive: stop with a partial verdict above this resident memory',
      int('--max-memory-mb', 64),
    ),
  metrics: (c) => c.option('--no-metrics', 'skip the numbers designs report (over-synchronisation, latencies)'),
  save: (c) => c.option('--save', 'write new minimized traces to counterexamples/'),
  config: (c) =>
    c.option('--config <name>', 'a named config of each design, for both engines (small, default, large, ...)'),
  set: (c) => c.option('--set <key=value>', 'override one value of --config (repeatable)', collect),
  without: (c) =>
    c.addOption(
      new Option(
        '--without <mechanism>',
        'what-if: also check each design without it, list the cells that change',
      ).choices(['implicit-sync']),
    ),
  onProgress: null,
};

export function addExploreOptions(cmd: Command): Command {
  for (const spec of Object.values(EXPLORE_OPTIONS)) spec?.(cmd);
  // CLI only: what the exit code makes of a 'holds' from a run a bound stopped early.
  cmd.option('--accept-partial', "exit 0 even when a 'holds' rests on a run stopped by a bound (default: exit 3)");
  return cmd;
}

/** Commander's parsed flags -> CheckOptions (without onProgress). */
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
    maxMemoryMb: o.maxMemoryMb,
    metrics: o.metrics,
    config: o.config,
    without: o.without,
    set: o.set ? parseSets(o.set) : undefined,
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
