// @ts-check
/**
 * The CLI's front door (issue 15.5): every command, flag and help text, in plain JavaScript, so that
 * `--help`, `--version`, `help <cmd>`, `<cmd> --help` and a bad flag, command or flag value are answered
 * by Node and commander alone, before tsx or any TypeScript is loaded. A command that will do work hands
 * over to its implementation (main.ts `commands`), which `load` brings in (bin/fencecheck.mjs: tsx's
 * loader, then main.ts; tests: main.ts itself). The one home of the flags: EXPLORE_OPTIONS is typed
 * against CheckOptions (style-anchors §6), so an API option without a flag (or an explicit null) does
 * not compile; options.ts maps the parsed flags back to CheckOptions.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { oneLine } from '../terminal-text.mjs';

/**
 * @typedef {Record<string, any>} Flags commander's parsed flags
 * @typedef {(cmd: Command) => void} Spec
 * @typedef {object} Actions what each command does (main.ts `commands`)
 * @property {(o: Flags) => Promise<void>} list
 * @property {(o: Flags) => Promise<void>} check
 * @property {(files: string[], o: Flags) => Promise<void>} merge
 * @property {(file: string, o: Flags) => Promise<void>} explain
 * @property {(o: Flags, args: string[]) => Promise<void>} report `args`: the command line after 'report'
 * @property {(files: string[]) => Promise<void>} replay
 * @property {(files: string[]) => Promise<void>} resave
 * @typedef {object} Impl
 * @property {Actions} actions
 * @property {(e: unknown) => number} failed the exit code for an error a command threw, its line written
 * @typedef {(f: (a: Actions) => Promise<void>) => Promise<void>} Go runs an action once `load` is done
 */

/** src/errors.ts EXIT: the two codes that parsing alone can end with. */
const EXIT_OK = 0;
const EXIT_INPUT = 2;

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * A whole-number flag in [min, max]; a value past max is rejected, never rounded or aliased.
 * @param {string} name
 */
export const int =
  (name, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  /** @param {string} v */
  (v) => {
    if (!/^\d{1,16}$/.test(v) || Number(v) < min || Number(v) > max) {
      throw new InvalidArgumentError(`${name} takes a whole number from ${min} to ${max}, got '${v.slice(0, 40)}'`);
    }
    return Number(v);
  };
/** fast-check seeds are 32-bit: a larger one would silently alias a smaller one (issue 14.5). */
const MAX_SEED = 2 ** 32 - 1;
/**
 * @param {string} v
 * @param {string[]} [prev]
 */
const collect = (v, prev = []) => [...prev, v];

/**
 * `--shard i/n`: 0-based shard i of n.
 * @param {string} v
 */
function shardArg(v) {
  const m = /^(\d{1,6})\/(\d{1,6})$/.exec(v);
  if (!m || Number(m[2]) < 1 || Number(m[1]) >= Number(m[2]))
    throw new InvalidArgumentError(`--shard takes i/n with 0 <= i < n (e.g. 0/4), got '${v.slice(0, 40)}'`);
  return { index: Number(m[1]), count: Number(m[2]) };
}

/**
 * The exploration flags `check` and `report` take: one entry per CheckOptions key, the CLI's flag, or
 * null when the key has no flag.
 * @type {{ [K in keyof Required<import('../api.ts').CheckOptions>]: Spec | null }}
 */
export const EXPLORE_OPTIONS = {
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
      'stop exploring a design after t ms, the drains of a cut search included (makes results time-dependent)',
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
  liveness: (c) =>
    c.addOption(
      new Option('--liveness <how>', 'exhaustive: drain properties on the state graph, or by one fair drain per state')
        .choices(['graph', 'drain'])
        .default('graph'),
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
  shard: (c) =>
    c.option(
      '--shard <i/n>',
      "random engine: run only the campaign's runs k with k mod n = i (0 <= i < n); join shards with merge",
      shardArg,
    ),
  workers: (c) =>
    c.option(
      '--workers <n>',
      'exhaustive: worker threads (default 1; same states, verdicts and traces as one worker; on 2 cores ' +
        'two take 1.3x to 1.7x the CPU time of one, see README)',
      int('--workers', 1, 256),
    ),
};

/** @param {Command} cmd */
function addExploreOptions(cmd) {
  for (const spec of Object.values(EXPLORE_OPTIONS)) spec?.(cmd);
  // CLI only: what the exit code makes of a 'holds' from a run a bound stopped early.
  cmd.option('--accept-partial', "exit 0 even when a 'holds' rests on a run stopped by a bound (default: exit 3)");
  return cmd;
}

/** package.json's version, for --version. */
function version() {
  try {
    return String(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
  } catch {
    return 'unknown';
  }
}

/**
 * Where `replay`/`resave` look by default, for resave's help: src/registry.ts COUNTEREXAMPLES_DIR (the
 * same rule; test/cli/front-door.test.ts checks the help names it).
 */
function counterexamplesDir() {
  const env = process.env.FENCECHECK_COUNTEREXAMPLES;
  return env ? resolve(env) : join(ROOT, 'counterexamples');
}

/**
 * Every command, flag and help text; each action runs through `go`, which loads the implementation.
 * @param {Go} go
 * @param {string[]} argv the command line (for report's record of it)
 */
export function buildProgram(go, argv = []) {
  const program = new Command('fencecheck')
    .description('Check GPU synchronization designs for the Linux graphics stack against the dma_fence promises.')
    .exitOverride()
    .configureOutput({ outputError: (s, write) => write(`fencecheck: ${oneLine(s.replace(/^error: /, '').trim())}\n`) })
    .showSuggestionAfterError(true)
    .version(version(), '-V, --version', "print fencecheck's version");

  program
    .command('list')
    .description(
      'designs, properties and the expected verdict matrix; with --rules, the kernel rules and where the code ' +
        'encodes and checks each',
    )
    .option('--json', 'print JSON')
    .option('--rules', 'the rule map, from the Contract comments, machine descriptions and property rule lists')
    .option('--markdown', 'with --rules: the Markdown table that docs/model.md embeds')
    .option(
      '--coverage',
      'with --rules: only the coverage of hazards H1-H16 by designs and invariants I1-I27 by properties',
    )
    .action((o) => go((a) => a.list(o)));

  addExploreOptions(
    program.command('check').description('explore designs and compare each observed verdict with the expected one'),
  )
    .option('--json', 'print one JSON object, no progress')
    .action((o) => go((a) => a.check(o)));

  program
    .command('merge')
    .description("join the check --json outputs of a random campaign's shards (--shard i/n) into one matrix")
    .argument('<file...>', 'check --json outputs, one per shard')
    .option('--json', 'print one JSON object')
    .option('--accept-partial', "exit 0 even when a 'holds' rests on a run stopped early or on missing shards")
    .action((files, o) => go((a) => a.merge(files, o)));

  program
    .command('explain')
    .description('print a saved counterexample as a plain-text timeline (one column per actor) to paste into an email')
    .argument('<file>', 'a counterexample file (*.itf.json)')
    .option('--width <n>', 'target line width', int('--width', 60, 1000), 100)
    .action((file, o) => go((a) => a.explain(file, o)));

  addExploreOptions(
    program
      .command('report')
      .description(
        'check designs and write a Markdown report: verdict matrix, counterexamples and machines as Mermaid ' +
          'diagrams, design numbers',
      ),
  )
    .option('--out <dir>', 'output directory', 'report')
    .option('--html <dir>', 'write one self-contained HTML page (matrix, graphs, trace player) to this directory')
    .option('--metric-runs <n>', 'random runs behind each design number', int('--metric-runs', 0, 100_000), 20)
    .option('--quiet', 'no progress on stderr')
    .action((o) => go((a) => a.report(o, argv.slice(1))));

  program
    .command('replay')
    .description(
      "re-run saved traces under each design's current config; exit 0 iff each reproduces its recorded violation",
    )
    .argument('<file...>', 'counterexample files (*.itf.json)')
    .action((files) => go((a) => a.replay(files)));

  program
    .command('resave')
    .description(
      "re-run each saved trace's property on the current model; rewrite the file when it still violates, report (and " +
        'keep) those that no longer do',
    )
    .argument(
      '[file...]',
      `counterexample files (default: every trace under ${relative(process.cwd(), counterexamplesDir()) || '.'})`,
    )
    .action((files) => go((a) => a.resave(files)));
  return program;
}

/**
 * Parse `argv` and run its command; the exit code. Help, version and every parse error end here without
 * calling `load`; an error a command throws is the implementation's to report (`failed`).
 * @param {string[]} argv
 * @param {() => Promise<Impl>} load
 * @returns {Promise<number>}
 */
export async function run(argv, load) {
  /** @type {Impl | undefined} */
  let impl;
  /** @type {Go} */
  const go = async (f) => {
    impl ??= await load();
    await f(impl.actions);
  };
  try {
    await buildProgram(go, argv).parseAsync(argv, { from: 'user' });
    return Number(process.exitCode ?? EXIT_OK);
  } catch (e) {
    // --help and --version end here too, with exit code 0.
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT_OK : EXIT_INPUT;
    if (impl) return impl.failed(e);
    throw e;
  }
}
