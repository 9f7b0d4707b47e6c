/**
 * `fencecheck merge FILE...` (issue 13.3): join the `check --json --shard i/n` outputs of one random
 * campaign, run by any job runner (a CI matrix, a cluster's job array), into one matrix. A cell
 * violates when it violates in any shard (the trace and message of the lowest shard index that found
 * one); it holds only when every shard 0..n-1 is there and holds, and otherwise is a 'holds' with
 * partial 'shards'; runs, steps and ms are summed, depth is the largest. Files of different campaigns
 * (designs, properties, configs, expectations, seed, runs, depth, engine or shard count) are one
 * InputError (exit 2), and so are a shard given twice and a file that is not a check --json output.
 */
import { readFileSync } from 'node:fs';
import { cellMatches, statusOf, type Cell, type CheckResult } from '../api.ts';
import { InputError } from '../errors.ts';

/** What every shard of one campaign must agree on (check --json's `options`). */
export interface CampaignOptions {
  engine: string;
  seed: number;
  runs: number | null;
  depth: number | null;
  shard: { index: number; count: number } | null;
}

export interface ShardOutput {
  ok: boolean;
  complete: boolean;
  interrupted: boolean;
  options: CampaignOptions;
  cells: Cell[];
  exhaustive: CheckResult['exhaustive'];
  metrics: unknown[];
}

export interface Merged extends Omit<ShardOutput, 'options'> {
  options: Omit<CampaignOptions, 'shard'> & { shards: number[]; count: number };
}

/** The cell fields that must be equal in every shard (the campaign's identity). */
const SAME = ['design', 'property', 'expected', 'engine', 'config'] as const;

function read(file: string): ShardOutput {
  let j: ShardOutput;
  try {
    j = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputError(`${file}: not a check --json output (${(e as Error).message})`);
  }
  if (!j || !Array.isArray(j.cells) || !j.options || typeof j.options !== 'object')
    throw new InputError(`${file}: not a check --json output with options (from fencecheck check --json --shard i/n)`);
  return j;
}

export function mergeShards(files: string[]): Merged {
  if (!files.length) throw new InputError('merge needs at least one check --json file');
  const outs = files.map((f) => ({ f, j: read(f) }));
  const first = outs[0];
  const { shard: _s, ...campaign } = first.j.options;
  const count = first.j.options.shard?.count ?? 1;
  const seen = new Map<number, string>();
  for (const { f, j } of outs) {
    const { shard, ...c } = j.options;
    for (const k of Object.keys(campaign) as (keyof typeof campaign)[])
      if (JSON.stringify(c[k]) !== JSON.stringify(campaign[k]))
        throw new InputError(
          `${f}: ${k} ${JSON.stringify(c[k])} differs from ${first.f}'s ${JSON.stringify(campaign[k])}: ` +
            `not shards of one campaign`,
        );
    if ((shard?.count ?? 1) !== count)
      throw new InputError(`${f}: shard count ${shard?.count ?? 1} differs from ${first.f}'s ${count}`);
    const index = shard?.index ?? 0;
    if (seen.has(index)) throw new InputError(`${f}: shard ${index}/${count} is also ${seen.get(index)}`);
    seen.set(index, f);
    const key = (c: Cell) => SAME.map((k) => c[k]).join('\0');
    const mine = j.cells.map(key).join('\n'),
      theirs = first.j.cells.map(key).join('\n');
    if (mine !== theirs) {
      const a = new Set(first.j.cells.map(key));
      const odd =
        j.cells.find((c) => !a.has(key(c))) ?? first.j.cells.find((c) => !j.cells.some((d) => key(d) === key(c)));
      throw new InputError(
        `${f}: its cells differ from ${first.f}'s` +
          (odd ? ` (${SAME.map((k) => `${k} ${odd[k]}`).join(', ')})` : ' (order)') +
          ': not shards of one campaign',
      );
    }
  }
  const ordered = [...outs].sort((a, b) => (a.j.options.shard?.index ?? 0) - (b.j.options.shard?.index ?? 0));
  const all = seen.size === count;
  const cells = first.j.cells.map((c0, i) => {
    const cs = ordered.map((o) => o.j.cells[i]);
    const bad = cs.find((c) => c.observed === 'violates');
    const sum = (k: 'runs' | 'steps' | 'ms' | 'states') => cs.reduce((n, c) => n + (c[k] ?? 0), 0);
    // a holds is reached if any shard reached it (null: the property declares no witness)
    const reached = cs.some((c) => c.reached === null || c.reached === undefined)
      ? null
      : cs.reduce((n, c) => n + (c.reached ?? 0), 0);
    const base: Cell = bad ?? cs[0];
    const partial = bad ? null : (cs.find((c) => c.partial)?.partial ?? (all ? null : 'shards'));
    return {
      ...base,
      runs: sum('runs'),
      steps: sum('steps'),
      ms: sum('ms'),
      states: sum('states'),
      depth: Math.max(...cs.map((c) => c.depth ?? 0)),
      bound: bad
        ? `${bad.bound} (shard ${ordered[cs.indexOf(bad)].j.options.shard?.index ?? 0}/${count})`
        : `${c0.bound.replace(/^\d+ random runs/, `${sum('runs')} random runs`).replace(/, shard \d+\/\d+/, '')}` +
          ` (${seen.size} of ${count} shards)`,
      partial,
      reached: bad ? base.reached : reached,
    };
  });
  for (const c of cells) {
    c.status = statusOf(c);
    c.match = cellMatches(c);
  }
  return {
    ok: cells.every((c) => c.match),
    complete: !cells.some((c) => c.status === 'partial'),
    interrupted: outs.some((o) => o.j.interrupted),
    options: { ...campaign, shards: [...seen.keys()].sort((a, b) => a - b), count },
    cells,
    exhaustive: [],
    metrics: first.j.metrics,
  };
}
