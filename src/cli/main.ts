/**
 * fencecheck CLI: argv -> a call into src/api.ts. Exit codes: 0 every verdict as expected (or every
 * trace reproduced), 1 an unexpected verdict or a trace that no longer reproduces, 2 bad input (unknown
 * name, bad flag, malformed trace file).
 */
import { Command, CommanderError } from 'commander';
import { relative } from 'node:path';
import { checkDesigns, listAll, replayFile, InputError, type Cell, type CheckOptions, type CheckResult } from '../api.ts';
import { progressReporter } from './progress.ts';
import { registry } from '../registry.ts';
import { addExploreOptions, toCheckOptions, int } from './options.ts';

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

/** What each design's 'holds' rests on, the fingerprint estimate, and the numbers designs report. */
export function formatBounds(r: CheckResult): string {
  const out: string[] = [];
  const holds = new Map<string, string>();
  for (const c of r.cells) if (c.observed === 'holds' && !holds.has(c.design)) holds.set(c.design, c.bound);
  if (holds.size) out.push('what each "holds" rests on:', ...[...holds].map(([d, b]) => `  ${d}: ${b}`));
  for (const e of r.exhaustive) if (e.states > 100_000) out.push(`  ${e.design}: ${e.collision}`);
  if (r.metrics.length) {
    out.push('', 'design numbers (one fair run, then min / mean / max over seeded random runs; faults excluded):');
    const wd = Math.max(...r.metrics.map((m) => m.design.length)), wm = Math.max(...r.metrics.map((m) => m.metric.length));
    for (const m of r.metrics) {
      const v = m.fair === null ? `error: ${m.error}` : `${fmt(m.fair)}${m.random ? `  (random ${fmt(m.random.min)} / ${fmt(m.random.mean)} / ${fmt(m.random.max)} over ${m.random.runs} runs)` : ''}`;
      out.push(`  ${pad(m.design, wd)}  ${pad(m.metric, wm)}  ${v}`);
    }
  }
  return out.join('\n');
}

const fmt = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(2));

/** Progress for a run: the state bound per design (for the time-left estimate) comes from the registry. */
async function progressFor(o: CheckOptions, enabled: boolean) {
  const { designs } = await registry();
  return progressReporter(enabled, {
    maxStates: (d) => o.maxStates ?? designs.get(d)?.bounds.exhaustive.maxStates ?? 1_000_000,
    budgetMs: o.budgetMs,
  });
}

let commandArgs: string[] | undefined;

export function buildProgram(): Command {
  const program = new Command('fencecheck')
    .description('Check GPU synchronization designs for the Linux graphics stack against the dma_fence promises.')
    .exitOverride()
    .configureOutput({ outputError: (s, write) => write(`fencecheck: ${s.replace(/^error: /, '').trim()}\n`) })
    .showSuggestionAfterError(true);

  program.command('list')
    .description('designs, properties and the expected verdict matrix; with --rules, the kernel rules and where the code encodes and checks each')
    .option('--json', 'print JSON')
    .option('--rules', 'the rule map, from the Contract comments, machine descriptions and property rule lists')
    .option('--markdown', 'with --rules: the Markdown table that docs/model.md embeds')
    .action(async (o) => {
      if (o.rules) {
        const { ruleMap, formatRuleMap, ruleMapMarkdown } = await import('../report/rules.ts');
        const m = await ruleMap();
        if (o.json) return void console.log(JSON.stringify(m, null, 2));
        return void process.stdout.write(o.markdown ? ruleMapMarkdown(m) : formatRuleMap(m));
      }
      const l = await listAll();
      if (o.json) return void console.log(JSON.stringify(l, null, 2));
      console.log('designs:');
      for (const d of l.designs) console.log(`  ${d.name}: ${d.summary}`);
      console.log('\nproperties:');
      for (const p of l.properties) console.log(`  ${p.name} (${p.kind}; ${p.rules.join(', ')}): ${p.statement}`);
      console.log('\nexpected verdicts:');
      for (const d of l.designs) for (const [p, e] of Object.entries(d.expect)) console.log(`  ${pad(d.name, 28)} ${pad(p, 32)} ${pad(e.verdict, 8)} ${e.why}`);
    });

  addExploreOptions(program.command('check')
    .description('explore designs and compare each observed verdict with the expected one'))
    .option('--json', 'print one JSON object, no progress')
    .action(async (o) => {
      const opts = toCheckOptions(o);
      const prog = await progressFor(opts, !o.json);
      const r = await checkDesigns({ ...opts, onProgress: prog.update });
      prog.stop();
      if (o.json) {
        const cells = r.cells.map(({ design, property, expected, observed, engine, runs, states, steps, ms, trace, config, bound, message }) => ({ design, property, expected, observed, engine, runs, states, steps, ms, trace, config, bound, message }));
        const metrics = r.metrics.map(({ design, metric, config, fair, random, unsettled }) => ({ design, metric, config, fair, random, unsettled }));
        console.log(JSON.stringify({ ok: r.ok, cells, exhaustive: r.exhaustive, metrics }));
      } else console.log([formatMatrix(r.cells), formatBounds(r), `${r.ok ? 'every verdict as expected' : 'some verdicts differ from the expectation'}`].filter(Boolean).join('\n\n'));
      process.exitCode = r.ok ? 0 : 1;
    });

  program.command('explain')
    .description('print a saved counterexample as a plain-text timeline (one column per actor) to paste into an email')
    .argument('<file>', 'a counterexample file (*.itf.json)')
    .option('--width <n>', 'target line width', int('--width', 60), 100)
    .action(async (file: string, o) => {
      const { explainFile } = await import('../report/explain.ts');
      process.stdout.write(await explainFile(file, { width: o.width }));
    });

  addExploreOptions(program.command('report')
    .description('check designs and write a Markdown report: verdict matrix, counterexamples and machines as Mermaid diagrams, design numbers'))
    .option('--out <dir>', 'output directory', 'report')
    .option('--metric-runs <n>', 'random runs behind each design number', int('--metric-runs', 0), 20)
    .option('--quiet', 'no progress on stderr')
    .action(async (o) => {
      const { writeReport } = await import('../report/report.ts');
      const opts = toCheckOptions(o);
      const prog = await progressFor(opts, !o.quiet);
      const command = ['fencecheck', 'report', ...(commandArgs ?? [])].join(' ');
      const { file, data } = await writeReport({ ...opts, onProgress: prog.update, out: o.out, command, metricRuns: o.metricRuns });
      prog.stop();
      const rel = relative(process.cwd(), file);
      console.log(`wrote ${rel.startsWith('..') ? file : rel}: ${data.cells.length} verdicts (${data.ok ? 'all as expected' : 'some UNEXPECTED'}), ${data.violations.length} counterexamples, ${data.machines.length} machines, ${data.metrics.length} design numbers`);
      process.exitCode = data.ok ? 0 : 1;
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
    commandArgs = argv.slice(1);
    await program.parseAsync(argv, { from: 'user' });
    return Number(process.exitCode ?? 0);
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end here too, with exit code 0.
      return e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof InputError) {
      // One line, always: a JSON parser's message may quote the bad input, newlines and all.
      process.stderr.write(`fencecheck: ${e.message.replace(/\s*[\r\n]+\s*/g, ' ')}\n`);
      return 2;
    }
    throw e;
  }
}

const isMain = process.argv[1] && /(?:main\.ts|fencecheck(?:\.mjs)?)$/.test(process.argv[1]);
if (isMain) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e) => { process.stderr.write(`fencecheck: internal error: ${e?.stack ?? e}\n`); process.exitCode = 3; });
}
