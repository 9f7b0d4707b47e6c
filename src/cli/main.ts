/**
 * fencecheck CLI: argv -> a call into src/api.ts. Exit codes: 0 every verdict as expected (or every
 * trace reproduced), 1 an unexpected verdict or a trace that no longer reproduces, 2 bad input (unknown
 * name, bad flag, malformed trace file).
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { checkDesigns, listAll, replayFile, InputError, type Cell } from '../api.ts';
import { progressReporter } from './progress.ts';
import { registry } from '../registry.ts';

const int = (name: string, min = 0) => (v: string) => {
  if (!/^\d+$/.test(v) || Number(v) < min) throw new InvalidArgumentError(`${name} takes a whole number >= ${min}, got '${v}'`);
  return Number(v);
};
const collect = (v: string, prev: string[] = []) => [...prev, v];

function pad(s: string, n: number) {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

export function formatMatrix(cells: Cell[]): string {
  const rows = cells.map((c) => [
    c.design, c.property, c.expected, c.observed, c.expected === c.observed ? 'ok' : 'UNEXPECTED', c.engine,
    c.states ? `${c.states} states` : `${c.runs} runs`, `${c.ms} ms`, c.trace ?? (c.observed === 'violates' ? '(not saved: --save)' : '-'),
  ]);
  const head = ['design', 'property', 'expected', 'observed', '', 'engine', 'explored', 'time', 'trace'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((x, i) => pad(x, w[i])).join('  ').trimEnd();
  const out = [line(head), ...rows.map(line)];
  for (const c of cells) {
    if (c.observed === 'violates') out.push('', `${c.design} / ${c.property}: ${c.message}`, `  ${c.bound}${c.trace ? `; replay: npx fencecheck replay ${c.trace}` : ''}`);
    else if (c.expected !== c.observed) out.push('', `${c.design} / ${c.property}: expected a violation, none found within ${c.bound}`);
  }
  return out.join('\n');
}

export function buildProgram(): Command {
  const program = new Command('fencecheck')
    .description('Check GPU synchronization designs for the Linux graphics stack against the dma_fence promises.')
    .exitOverride()
    .configureOutput({ outputError: (s, write) => write(`fencecheck: ${s.replace(/^error: /, '').trim()}\n`) })
    .showSuggestionAfterError(true);

  program.command('list')
    .description('designs, properties and the expected verdict matrix')
    .option('--json', 'print JSON')
    .action(async (o) => {
      const l = await listAll();
      if (o.json) return void console.log(JSON.stringify(l, null, 2));
      console.log('designs:');
      for (const d of l.designs) console.log(`  ${d.name}: ${d.summary}`);
      console.log('\nproperties:');
      for (const p of l.properties) console.log(`  ${p.name} (${p.kind}; ${p.rules.join(', ')}): ${p.statement}`);
      console.log('\nexpected verdicts:');
      for (const d of l.designs) for (const [p, e] of Object.entries(d.expect)) console.log(`  ${pad(d.name, 28)} ${pad(p, 32)} ${pad(e.verdict, 8)} ${e.why}`);
    });

  program.command('check')
    .description('explore designs and compare each observed verdict with the expected one')
    .option('--design <name>', 'a design to check (repeatable; default all)', collect)
    .option('--property <name>', 'a property to check (repeatable; default all the design declares)', collect)
    .addOption(new Option('--engine <engine>', 'explorer').choices(['random', 'exhaustive', 'both']).default('both'))
    .option('--runs <n>', 'random runs per design (default: the design\'s bound)', int('--runs', 1))
    .option('--depth <k>', 'max steps per run / BFS depth (default: the design\'s bound)', int('--depth', 1))
    .option('--max-states <n>', 'exhaustive state bound (default: the design\'s bound)', int('--max-states', 1))
    .option('--seed <s>', 'random seed (default 1)', int('--seed'))
    .option('--budget-ms <t>', 'stop exploring a design after t ms (makes results time-dependent)', int('--budget-ms', 1))
    .option('--save', 'write new minimized traces to counterexamples/')
    .option('--json', 'print one JSON object, no progress')
    .action(async (o) => {
      const prog = progressReporter(!o.json);
      const r = await checkDesigns({
        designs: o.design, properties: o.property, engine: o.engine, runs: o.runs, depth: o.depth, maxStates: o.maxStates,
        seed: o.seed, budgetMs: o.budgetMs, save: !!o.save, onProgress: prog.update,
      });
      prog.stop();
      if (o.json) console.log(JSON.stringify({ ok: r.ok, cells: r.cells.map(({ design, property, expected, observed, engine, runs, states, steps, ms, trace, config, bound, message }) => ({ design, property, expected, observed, engine, runs, states, steps, ms, trace, config, bound, message })) }));
      else console.log(formatMatrix(r.cells) + `\n\n${r.ok ? 'every verdict as expected' : 'some verdicts differ from the expectation'}`);
      process.exitCode = r.ok ? 0 : 1;
    });

  program.command('replay')
    .description('re-run saved traces; exit 0 iff each reproduces its recorded violation')
    .argument('<file...>', 'counterexample files (*.itf.json)')
    .action(async (files: string[]) => {
      let ok = true;
      for (const f of files) {
        const r = await replayFile(f);
        const notes = [r.digestChanged ? 'model changed since saved' : '', r.driftAt >= 0 ? `world differs from the recording from step ${r.driftAt}` : ''].filter(Boolean).join('; ');
        console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${f}: ${r.message}${notes ? ` (${notes})` : ''}`);
        ok &&= r.ok;
      }
      process.exitCode = ok ? 0 : 1;
    });
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await registry();
    await program.parseAsync(argv, { from: 'user' });
    return Number(process.exitCode ?? 0);
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end here too, with exit code 0.
      return e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof InputError) {
      process.stderr.write(`fencecheck: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

const isMain = process.argv[1] && /(?:main\.ts|fencecheck(?:\.mjs)?)$/.test(process.argv[1]);
if (isMain) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e) => { process.stderr.write(`fencecheck: internal error: ${e?.stack ?? e}\n`); process.exitCode = 3; });
}
