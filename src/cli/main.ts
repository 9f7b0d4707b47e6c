/**
 * fencecheck CLI: argv -> a call into src/api.ts. Exit codes (src/errors.ts EXIT; README's table):
 * 0 every verdict as expected (every trace reproduced, every resave rewrote or kept its file current);
 * 1 an unexpected verdict, or a trace that no longer reproduces, diverges from the design's current
 *   config or expectation, or (resave) no longer violates;
 * 2 bad input, in one line: an unknown name, a bad flag, a property a design does not declare, nothing
 *   to check, a malformed trace file, an unusable `report --out`;
 * 3 every verdict as expected, but a 'holds' rests on a run a bound stopped early (--accept-partial: 0);
 * 4 an internal error (one line; FENCECHECK_DEBUG=1 prints the stack);
 * 130 interrupted (SIGINT/SIGTERM): the matrix of what finished, 'interrupted', saved traces kept.
 * A closed stdout (`fencecheck list | head`) ends quietly.
 *
 * The commands, flags and help texts are program.mjs's (plain JavaScript, so that help, version and a
 * bad flag answer without tsx, issue 15.5); this file is what each command does once its flags parsed.
 */
import { mkdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
// Only light modules here; each command imports what it needs when it runs.
import type { Cell, CheckOptions, CheckResult } from '../api.ts';
import { COUNTEREXAMPLES_DIR, designNames, limitDesigns, propertyNames, registry } from '../registry.ts';
import { type Actions, type Impl, run } from './program.mjs';
import { toCheckOptions } from './options.ts';
import { EXIT, InputError, oneLine } from '../errors.ts';
import { checkNames } from './names.ts';

const JSON_CELL_FIELDS = [
  'design',
  'property',
  'expected',
  'observed',
  'status',
  'match',
  'reached',
  'partial',
  'engine',
  'runs',
  'states',
  'steps',
  'depth',
  'ms',
  'trace',
  'config',
  'scope',
  'bound',
  'message',
] as const;

function pad(s: string, n: number) {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

/** The observed column: a 'holds' from a run a bound stopped early says so, with what it explored. */
export function observedText(c: Cell): string {
  if (c.status === 'vacuous') return 'vacuous';
  if (c.observed !== 'holds' || !c.partial) return c.observed;
  return `holds (partial: ${c.partial}, ${c.states ? `${c.states} states` : `${c.runs} runs`})`;
}

/** The 'reached' column: where the property's precondition held (issue 11.2); '-' when not counted. */
const reachedText = (c: Cell) => (c.reached === null ? '-' : String(c.reached));

const explored = (c: Cell) => (c.states ? `${c.states} states` : `${c.runs} runs x <= ${c.depth} steps`);

export function formatMatrix(cells: Cell[]): string {
  const rows = cells.map((c) => [
    c.design,
    c.property,
    c.expected ?? '(none)',
    observedText(c),
    !c.match ? 'UNEXPECTED' : c.status === 'partial' ? 'PARTIAL' : 'ok',
    c.engine,
    c.observed === 'n/a' ? '-' : reachedText(c),
    c.observed === 'n/a' ? '-' : explored(c),
    `${c.ms} ms`,
    c.trace ?? (c.observed === 'violates' ? '(not saved: --save)' : '-'),
  ]);
  const head = ['design', 'property', 'expected', 'observed', '', 'engine', 'reached', 'explored', 'time', 'trace'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r
      .map((x, i) => pad(x, w[i]))
      .join('  ')
      .trimEnd();
  const out = [line(head), ...rows.map(line)];
  for (const c of cells) {
    if (c.observed === 'violates')
      out.push(
        '',
        `${c.design} / ${c.property}: ${c.message}`,
        `  ${c.bound}${c.trace ? `; replay: npx fencecheck replay ${c.trace}` : ''}`,
      );
    else if (c.expected === null)
      out.push('', `${c.design} / ${c.property}: applies, but the design declares no expectation (or n/a with why)`);
    else if (c.status === 'vacuous')
      out.push(
        '',
        `${c.design} / ${c.property}: vacuous: nothing found, but its precondition was never reached within ${c.bound}`,
      );
    else if (c.observed === 'n/a' && c.expected === 'n/a') continue;
    else if (c.expected !== c.observed)
      out.push('', `${c.design} / ${c.property}: expected a violation, none found within ${c.bound}`);
  }
  return out.join('\n');
}

/** The what-if's changes (issue 12.2), one block per changed cell; '' without a what-if. */
export function formatWhatIf(r: CheckResult): string {
  if (!r.whatIf) return '';
  const { without, changes } = r.whatIf;
  if (!changes.length) return `without ${without}: no cell changes`;
  return [
    `without ${without}: ${changes.length} cell(s) change`,
    ...changes.map(
      (c) =>
        `  ${c.design} / ${c.property}: ${c.with} -> ${c.without}${c.message ? `: ${c.message}` : ''} (${c.bound})`,
    ),
  ].join('\n');
}

/** The last line of `check`: whether every verdict is as expected, and whether that is a pass. */
export function verdictLine(r: CheckResult, acceptPartial: boolean): string {
  if (!r.ok) return 'some verdicts differ from the expectation';
  const partial = r.cells.filter((c) => c.status === 'partial');
  if (!partial.length) return 'every verdict as expected';
  const bounds = [...new Set(partial.map((c) => c.partial))].join(', ');
  return (
    `every verdict as expected, but ${partial.length} 'holds' rest on runs stopped early (by ${bounds}): ` +
    `${acceptPartial ? 'accepted (--accept-partial)' : 'not a pass; --accept-partial accepts them'}`
  );
}

/** The exit code of a finished check or report. */
export function checkExit(r: { ok: boolean; cells: Cell[] }, acceptPartial: boolean): number {
  if (!r.ok) return EXIT.unexpected;
  return !acceptPartial && r.cells.some((c) => c.status === 'partial') ? EXIT.partial : EXIT.ok;
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
    const wd = Math.max(...r.metrics.map((m) => m.design.length)),
      wm = Math.max(...r.metrics.map((m) => m.metric.length));
    for (const m of r.metrics) {
      const r = m.random;
      const random = r ? `  (random ${fmt(r.min)} / ${fmt(r.mean)} / ${fmt(r.max)} over ${r.runs} runs)` : '';
      const v = m.fair === null ? `error: ${m.error}` : `${fmt(m.fair)}${random}`;
      out.push(`  ${pad(m.design, wd)}  ${pad(m.metric, wm)}  ${v}`);
    }
  }
  return out.join('\n');
}

const fmt = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(2));

/** Progress for a run: the state bound per design (for the time-left estimate) comes from the registry. */
async function progressFor(o: CheckOptions, enabled: boolean) {
  const { progressReporter } = await import('./progress.ts');
  const { designs } = await registry();
  return progressReporter(enabled, {
    maxStates: (d) => o.maxStates ?? designs.get(d)?.bounds.exhaustive.maxStates ?? 1_000_000,
    budgetMs: o.budgetMs,
  });
}

/**
 * Check the --design and --property names against the files (with "did you mean"), and let the
 * registry load only the designs named, so a broken design file stops only the commands that need it.
 */
function selectNames(o: CheckOptions) {
  checkNames('design', o.designs, designNames());
  checkNames('property', o.properties, propertyNames());
  limitDesigns(o.designs?.length ? o.designs : null);
}

/** The designs the trace files name (read without loading any design; an unreadable file adds none). */
async function traceDesigns(files: string[]): Promise<string[] | null> {
  const { readTrace } = await import('../counterexample/load.ts');
  const out: string[] = [];
  for (const f of files) {
    try {
      out.push(readTrace(f).meta.design);
    } catch {
      /* the command reports it, with the file's name */
    }
  }
  return out.length ? out : null;
}

/** Show the cursor and turn line wrap back on (cli-progress turns both off on a terminal). */
function restoreTerminal() {
  if (process.stderr.isTTY) process.stderr.write('\x1b[?25h\x1b[?7h');
}

/**
 * Validate `report --out` before the check runs: an existing path must be a directory, missing levels
 * are created one at a time (Node's recursive mkdirSync never returns under /proc), and a probe file
 * proves the directory writable. Every failure is one InputError line.
 */
export function prepareOutDir(out: string): string {
  const abs = resolve(out);
  const bad = (why: string): never => {
    throw new InputError(`--out ${out}: ${why}`);
  };
  const missing: string[] = [];
  let p = abs;
  for (;;) {
    try {
      if (!statSync(p).isDirectory())
        bad(p === abs ? 'is an existing file, not a directory' : `${p} is not a directory`);
      break;
    } catch (e) {
      if (e instanceof InputError) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOTDIR') bad('a parent of it is a file, not a directory');
      if (code !== 'ENOENT' || dirname(p) === p) bad(`cannot use it (${code})`);
      missing.unshift(p);
      p = dirname(p);
    }
  }
  for (const m of missing) {
    try {
      mkdirSync(m);
    } catch (e) {
      bad(`cannot create ${m} (${(e as NodeJS.ErrnoException).code})`);
    }
  }
  const probe = join(abs, `.fencecheck-probe-${process.pid}`);
  try {
    writeFileSync(probe, '', { flag: 'wx' });
    unlinkSync(probe);
  } catch (e) {
    bad(`cannot write there (${(e as NodeJS.ErrnoException).code})`);
  }
  try {
    if (!statSync(join(abs, 'report.md')).isFile()) bad(`${join(abs, 'report.md')} exists and is not a file`);
  } catch (e) {
    if (e instanceof InputError) throw e;
  }
  return abs;
}

/** One line on stderr and the exit code for an error a command threw (src/errors.ts EXIT). */
function failed(e: unknown): number {
  if (e instanceof InputError) {
    // One line, always: a JSON parser's message may quote the bad input, newlines and all.
    process.stderr.write(`fencecheck: ${oneLine(e.message)}\n`);
    return EXIT.input;
  }
  const err = e as Error;
  process.stderr.write(
    `fencecheck: internal error: ${oneLine(String(err?.message ?? e))} (FENCECHECK_DEBUG=1 prints the stack)\n`,
  );
  if (process.env.FENCECHECK_DEBUG) process.stderr.write(`${err?.stack ?? e}\n`);
  return EXIT.internal;
}

/**
 * What each command does, once program.mjs has parsed and checked its flags. `isolate`: run `check` in
 * a worker thread so SIGINT/SIGTERM can be answered (the real CLI; tests run in-process).
 */
export function commands(isolate: boolean): Impl {
  const actions: Actions = {
    async list(o) {
      if (o.rules) {
        const { ruleMap, formatRuleMap, ruleMapMarkdown, formatCoverage } = await import('../report/rules.ts');
        const m = await ruleMap();
        if (o.coverage && o.json) return void console.log(JSON.stringify(m.coverage, null, 2));
        if (o.coverage) return void process.stdout.write(formatCoverage(m.coverage));
        if (o.json) return void console.log(JSON.stringify(m, null, 2));
        return void process.stdout.write(o.markdown ? ruleMapMarkdown(m) : formatRuleMap(m));
      }
      const { listAll } = await import('../api.ts');
      const l = await listAll();
      if (o.json) return void console.log(JSON.stringify(l, null, 2));
      console.log('designs:');
      for (const d of l.designs) console.log(`  ${d.name}: ${d.summary}`);
      console.log('\nproperties:');
      for (const p of l.properties) console.log(`  ${p.name} (${p.kind}; ${p.rules.join(', ')}): ${p.statement}`);
      console.log('\nexpected verdicts:');
      for (const d of l.designs)
        for (const [p, e] of Object.entries(d.expect))
          console.log(`  ${pad(d.name, 28)} ${pad(p, 32)} ${pad(e.verdict, 8)} ${e.why}`);
    },
    async check(o) {
      const opts = toCheckOptions(o);
      selectNames(opts);
      // A signal during planning (loading designs, probing their kinds) is held, not fatal: exit 130.
      let early: NodeJS.Signals | null = null;
      const hold = (sig: NodeJS.Signals) => {
        early ??= sig;
      };
      process.on('SIGINT', hold).on('SIGTERM', hold);
      const [{ checkPlan, DEFAULT_SEED }, { runCheck }] = await Promise.all([
        import('../api.ts'),
        import('./run-check.ts'),
      ]);
      const plan = await checkPlan(opts).finally(() => process.off('SIGINT', hold).off('SIGTERM', hold));
      await new Promise((r) => setImmediate(r)); // let a pending signal's handler run
      if (early) {
        process.stderr.write(`fencecheck: interrupted (${early}) before any design was checked\n`);
        process.exitCode = EXIT.interrupted;
        return;
      }
      const prog = await progressFor(opts, !o.json);
      const run = await runCheck(opts, plan, { isolate, onProgress: prog.update });
      prog.stop();
      if (run.interrupted) restoreTerminal();
      const r = run.result;
      const stopped = run.interrupted
        ? `interrupted (${run.interrupted}): ${run.designsDone} of ${run.designsPlanned} designs checked; the matrix ` +
          `shows those, and every trace saved so far is kept`
        : '';
      if (o.json) {
        // the cell fields --json prints, in this order (the order is part of the output)
        const cells = r.cells.map((c) => Object.fromEntries(JSON_CELL_FIELDS.map((k) => [k, c[k]])));
        const metrics = r.metrics.map(({ design, metric, config, fair, random, unsettled }) => ({
          design,
          metric,
          config,
          fair,
          random,
          unsettled,
        }));
        const complete = !r.cells.some((c) => c.observed === 'holds' && c.partial);
        console.log(
          JSON.stringify({
            ok: r.ok,
            complete,
            interrupted: !!run.interrupted,
            cells,
            exhaustive: r.exhaustive,
            metrics,
            ...(r.whatIf ? { whatIf: r.whatIf } : {}),
            // what `merge` checks every shard of a campaign agrees on
            options: {
              engine: opts.engine ?? 'both',
              seed: opts.seed ?? DEFAULT_SEED,
              runs: opts.runs ?? null,
              depth: opts.depth ?? null,
              shard: opts.shard ?? null,
            },
          }),
        );
        if (stopped) process.stderr.write(`fencecheck: ${stopped}\n`);
      } else
        console.log(
          [formatMatrix(r.cells), formatBounds(r), formatWhatIf(r), stopped || verdictLine(r, !!o.acceptPartial)]
            .filter(Boolean)
            .join('\n\n'),
        );
      process.exitCode = run.interrupted ? EXIT.interrupted : checkExit(r, !!o.acceptPartial);
    },
    async merge(files, o) {
      const { mergeShards } = await import('./merge.ts');
      const m = mergeShards(files);
      if (o.json) console.log(JSON.stringify(m));
      else
        console.log(
          [
            formatMatrix(m.cells),
            `merged shards ${m.options.shards.join(', ')} of ${m.options.count}`,
            verdictLine({ ...m, exhaustive: [], metrics: [] }, !!o.acceptPartial),
          ].join('\n\n'),
        );
      process.exitCode = checkExit(m, !!o.acceptPartial);
    },
    async explain(file, o) {
      limitDesigns(await traceDesigns([file]));
      const { explainFile } = await import('../report/explain.ts');
      process.stdout.write(await explainFile(file, { width: o.width }));
    },
    async report(o, commandArgs) {
      const opts = toCheckOptions(o);
      selectNames(opts);
      const [{ writeReport }, { writeHtml }, { checkPlan }] = await Promise.all([
        import('../report/report.ts'),
        import('../report/html.ts'),
        import('../api.ts'),
      ]);
      await checkPlan(opts);
      const outDir = o.html ?? o.out;
      prepareOutDir(outDir);
      const prog = await progressFor(opts, !o.quiet);
      const command = ['fencecheck', 'report', ...(commandArgs ?? [])].join(' ');
      const ro = { ...opts, onProgress: prog.update, out: outDir, command, metricRuns: o.metricRuns };
      const { file, data } = o.html ? await writeHtml(ro) : await writeReport(ro);
      prog.stop();
      const rel = relative(process.cwd(), file);
      console.log(
        `wrote ${rel.startsWith('..') ? file : rel}: ${data.cells.length} verdicts ` +
          `(${data.ok ? 'all as expected' : 'some UNEXPECTED'}), ${data.violations.length} counterexamples, ` +
          `${data.machines.length} machines, ${data.metrics.length} design numbers`,
      );
      if (data.ok && checkExit(data, !!o.acceptPartial) !== EXIT.ok)
        console.log(verdictLine({ ...data, exhaustive: [], metrics: [] }, false));
      process.exitCode = checkExit(data, !!o.acceptPartial);
    },
    async replay(files) {
      limitDesigns(await traceDesigns(files));
      const { replayFile } = await import('../counterexample/replay.ts');
      let ok = true;
      for (const f of files) {
        const r = await replayFile(f);
        const notes = [
          r.digestChanged ? 'model changed since saved' : '',
          r.driftAt >= 0 ? `world differs from the recording from step ${r.driftAt}` : '',
        ]
          .filter(Boolean)
          .join('; ');
        console.log(oneLine(`${r.ok ? 'ok  ' : 'FAIL'} ${f}: ${r.message}${notes ? ` (${notes})` : ''}`));
        ok &&= r.ok;
      }
      process.exitCode = ok ? EXIT.ok : EXIT.unexpected;
    },
    async resave(files) {
      const [{ resaveFile }, { listTraces }] = await Promise.all([
        import('../counterexample/resave.ts'),
        import('../counterexample/store.ts'),
      ]);
      const list = files.length ? files : listTraces().map((f) => join(COUNTEREXAMPLES_DIR, f));
      if (!list.length) throw new InputError(`no saved traces under ${COUNTEREXAMPLES_DIR}`);
      limitDesigns(await traceDesigns(list));
      let code: number = EXIT.ok;
      const tag = { rewritten: 'rewritten', unchanged: 'current  ', gone: 'NO LONGER', raced: 'SKIPPED  ' } as const;
      for (const f of list) {
        try {
          const r = await resaveFile(f);
          console.log(oneLine(`${tag[r.status]} ${f}: ${r.message}`));
          if (r.status === 'gone' || r.status === 'raced') code = Math.max(code, EXIT.unexpected);
        } catch (e) {
          if (!(e instanceof InputError)) throw e;
          console.log(oneLine(`BAD INPUT ${e.message}`));
          code = EXIT.input;
        }
      }
      process.exitCode = code;
    },
  };
  return { actions, failed };
}

/** Run one command in-process (tests; bin/fencecheck.mjs runs the same through tsx); the exit code. */
export async function main(argv: string[]): Promise<number> {
  limitDesigns(null);
  try {
    return await run(argv, async () => commands(false));
  } finally {
    // the scope is for this command only (tests call main() in-process, then the API directly)
    limitDesigns(null);
  }
}
