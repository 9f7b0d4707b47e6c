/**
 * `npm run bench` (issues 7, 13): one table for the reference world RW-UMF A and B at (P, J) = (2,2),
 * (3,2), (4,2), (4,4), (5,3): our exhaustive BFS (each config in its own process, for a clean peak
 * RSS), Spin on the same world (bench/rw-umf.pml) when `spin` and `gcc` are installed (-DCOLLAPSE, its
 * compressed store, and at the last config also its plain hash store, which is about 3x faster), random mode
 * with properties on, and the naive harness (fc.commands over live xstate actors); then the issue-2
 * figures for single-fifo-implicit at 2 and 3 processes; then a row per design (issue 13.4) at its
 * `default` and `large` configs (the configs it has when it has neither), each with every property the
 * design expects a verdict for switched on: exhaustive states/s (capped per row, the cap in the row's
 * notes) and random steps/s, with the ratio of each exhaustive rate to rw-umf-b's measured in this run;
 * four designs also with no property (the engine alone), so that ratio splits into the engine's share and
 * the properties'.
 *
 * Every exhaustive row of ours also gives the exploration's CPU time (user + system, worker threads included)
 * and its rate per CPU second, and how long the process took to start (node, tsx, the registry, the
 * design's modules) before exploring: the machine is shared, so wall-clock rates move with its load (the
 * load average at start and end is printed) and CPU rates much less. A row that explored for less than
 * TINY_MS or fewer than TINY_STATES states measures start-up and warm-up (the JIT, the first run of every
 * transition), not a rate: its rate column says so and it gets no ratio to rw-umf-b.
 *
 * Options: --quick (rw-umf only up to (4,3), design rows at `default` only with small caps; a few
 * minutes), --no-spin, --repeat=N (the reference rows, rw-umf-b and Spin at the last config, run N times
 * back to back; a row is its run of median exploration CPU, its notes give the range: the ratios the
 * issue-13 targets are read from then rest on medians, not on one run of a drifting machine),
 * --only=<substrings of row names, comma-separated>, --json (one JSON object on
 * stdout instead of the table: every row as {name, design, config, engine, workers, states, transitions,
 * ms, rate, peakMB, bytesPerState, ...}, for comparing commits).
 * Caps: each of our exhaustive runs stops at 2.5 GB RSS or 60M states, Spin at -DMEMLIM=8192 MB (a capped row says so
 * in `notes`).
 * Runs offline after `npm ci`. --quick took 8 minutes on an idle 2-core machine (81 designs); the full table
 * adds (4,4) and (5,3), two workers at (5,3) and every design at `default` and `large` with the larger caps
 * (up to 30 s a design row), so plan on an hour or more.
 */
import { spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { tmpdir, cpus, totalmem, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Job } from './one.ts';
import { registry } from '../src/registry.ts';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const noSpin = args.includes('--no-spin');
const only = args
  .find((a) => a.startsWith('--only='))
  ?.slice(7)
  .split(',');
const asJson = args.includes('--json');
const repeatArg = args.find((a) => a.startsWith('--repeat='));
const REPEAT = repeatArg ? Number(repeatArg.slice(9)) : 1;
if (!Number.isInteger(REPEAT) || REPEAT < 1 || REPEAT > 15) {
  process.stderr.write(`bench: --repeat wants an integer from 1 to 15, not '${repeatArg?.slice(9)}'\n`);
  process.exit(2);
}

// The last config is the reference for every design row's ratio: in --quick it is (4,3) (819,052 states, a
// few seconds), since (4,2) explores in under a second on a quiet machine, which the bench itself calls
// start-up dominated.
const CONFIGS: [number, number][] = quick
  ? [
      [2, 2],
      [3, 2],
      [4, 2],
      [4, 3],
    ]
  : [
      [2, 2],
      [3, 2],
      [4, 2],
      [4, 4],
      [5, 3],
    ];
const MAX_RSS = 2.5 * 2 ** 30;
const TINY_MS = 1000;
const TINY_STATES = 2000;
const loadAtStart = loadavg().map((x) => Number(x.toFixed(2)));
const MAX_STATES = 60_000_000;

interface Row {
  name: string;
  /** The design (rw-umf rows: rw-umf-a/b; Spin rows: the world Spin checks). */
  design: string;
  config: string;
  engine: 'exhaustive' | 'random' | 'spin' | 'naive';
  workers: number;
  states?: number;
  transitions?: number;
  s?: number;
  rate?: number;
  rateUnit?: string;
  peakMB?: number;
  bps?: number;
  /** Exploration CPU seconds (ours: user + system of the process during the search; Spin: pan's). */
  cpuS?: number;
  /** Milliseconds from process start to the start of the exploration (ours). */
  startupMs?: number;
  /** Too short to be a rate (TINY_MS, TINY_STATES). */
  tiny?: boolean;
  first?: string;
  notes?: string;
}
const rows: Row[] = [];

function runJob(job: Job): any {
  const r = spawnSync(
    process.execPath,
    ['--max-old-space-size=3072', '--import', 'tsx', join(here, 'one.ts'), JSON.stringify(job)],
    { encoding: 'utf8', maxBuffer: 1 << 24 },
  );
  if (r.status !== 0) throw new Error(`bench job failed: ${JSON.stringify(job)}\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}
/**
 * `run` done `n` times, back to back: the run of median exploration CPU seconds (`cpuS` of a run; the
 * lower median for an even count), and a note for the row with the range seen ('' for one run).
 */
function medianRun<R>(n: number, run: () => R, cpuS: (r: R) => number): { run: R; note: string } {
  const rs = Array.from({ length: n }, run).sort((a, b) => cpuS(a) - cpuS(b));
  const note =
    n < 2
      ? ''
      : `; median of ${n} runs by exploration CPU (${cpuS(rs[0]).toFixed(2)} to ${cpuS(rs[n - 1]).toFixed(2)} s)`;
  return { run: rs[(n - 1) >> 1], note };
}
/** One of our jobs, REPEAT times at a reference row (`medianRun`), else once. */
function runJobAt(job: Job, reference: boolean): any {
  const { run, note } = medianRun(
    reference ? REPEAT : 1,
    () => runJob(job),
    (r) => r.exploreCpuMs / 1000,
  );
  return { ...run, repeatNote: note };
}
const mb = (b: number) => Math.round(b / 2 ** 20);
/** The measured fields of one of our exhaustive runs: counts, wall and CPU rates, memory, start-up. */
const measured = (r: {
  states: number;
  transitions: number;
  ms: number;
  peakRss: number;
  bytesPerState: number;
  exploreCpuMs: number;
  startupMs: number;
}) => ({
  states: r.states,
  transitions: r.transitions,
  s: r.ms / 1000,
  rate: r.states / (r.ms / 1000),
  rateUnit: 'st/s',
  peakMB: mb(r.peakRss),
  bps: r.bytesPerState,
  cpuS: r.exploreCpuMs / 1000,
  startupMs: r.startupMs,
  tiny: r.ms < TINY_MS || r.states < TINY_STATES,
});
const log = (s: string) => process.stderr.write(s + '\n');
const want = (name: string) => !only || only.some((o) => name.includes(o));

function which(cmd: string): boolean {
  try {
    execFileSync('which', [cmd], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// ---- ours: exhaustive --------------------------------------------------------------------------
// rw-umf-b at the largest (P, J) also with 2 worker threads (issue 13.3: at most Spin's wall time).
const LAST = CONFIGS[CONFIGS.length - 1];
/** The reference rows: rw-umf-b at the last config (the ratios are read from them; --repeat repeats them). */
const isReference = (v: string, P: number, J: number) => v === 'B' && P === LAST[0] && J === LAST[1];
for (const v of ['A', 'B'] as const) {
  for (const [P, J] of CONFIGS) {
    const reference = isReference(v, P, J);
    for (const workers of reference ? [1, 2] : [1]) {
      const name = `fencecheck BFS rw-umf-${v.toLowerCase()}${workers > 1 ? ` --workers ${workers}` : ''}`;
      if (!want(name)) continue;
      log(`${name} p${P}j${J} ...`);
      const r = runJobAt(
        {
          kind: 'exhaustive',
          design: `rw-umf-${v.toLowerCase()}`,
          config: { P, J },
          props: ['no-deadlock'],
          maxStates: MAX_STATES,
          maxMemoryBytes: MAX_RSS,
          exploreAll: true,
          workers,
        },
        reference,
      );
      const f = r.found[0];
      rows.push({
        name,
        design: `rw-umf-${v.toLowerCase()}`,
        engine: 'exhaustive',
        workers,
        config: `p${P}j${J}`,
        ...measured(r),
        first: f ? `${f.atStates} st, ${f.atMs} ms, len ${f.length}` : '-',
        notes:
          `${r.stoppedBy === 'complete' ? 'complete' : `CAPPED: ${r.bound}`}; P(collision) ` +
          `${r.collision.toExponential(0)}; process CPU ${(r.cpuMs / 1000).toFixed(1)} s${r.repeatNote}`,
      });
    }
  }
}

// rw-umf-b at the largest (P, J) with liveness: finite-time on the state graph beside no-deadlock (issue
// 13: at most 1.5x the safety-only row's CPU), and every property the design expects a verdict for, with
// one and two workers (drain properties on the one graph the coordinator assembles from the shards).
const rwB = (await registry()).designs.get('rw-umf-b')!;
const rwBProps = Object.keys(rwB.expect)
  .filter((p) => rwB.expect[p].verdict !== 'n/a')
  .sort();
for (const [props, workers] of [
  [['finite-time', 'no-deadlock'], 1],
  [rwBProps, 1],
  [rwBProps, 2],
] as const) {
  const label = props === rwBProps ? 'every property' : props.join(' + ');
  const name = `fencecheck BFS rw-umf-b (${label})${workers > 1 ? ` --workers ${workers}` : ''}`;
  if (!want(name)) continue;
  log(`${name} p${LAST[0]}j${LAST[1]} ...`);
  const r = runJobAt(
    {
      kind: 'exhaustive',
      design: 'rw-umf-b',
      config: { P: LAST[0], J: LAST[1] },
      props: [...props],
      maxStates: MAX_STATES,
      maxMemoryBytes: MAX_RSS,
      exploreAll: true,
      workers,
    },
    true,
  );
  rows.push({
    name,
    design: 'rw-umf-b',
    engine: 'exhaustive',
    workers,
    config: `p${LAST[0]}j${LAST[1]}`,
    ...measured(r),
    first: r.found.length ? r.found.map((f: any) => `${f.property} len ${f.length}`).join(', ') : '-',
    notes:
      `${r.stoppedBy === 'complete' ? 'complete' : `CAPPED: ${r.bound}`}; ${props.join(', ')}; process CPU ` +
      `${(r.cpuMs / 1000).toFixed(1)} s${r.repeatNote}`,
  });
}

// ---- Spin ---------------------------------------------------------------------------------------
const haveSpin = !noSpin && which('spin') && which('gcc');
if (haveSpin) {
  const dir = mkdtempSync(join(tmpdir(), 'fencecheck-spin-'));
  const pml = join(here, 'rw-umf.pml');
  const build = (P: number, J: number, v: string, cflags: string[]) => {
    const t0 = performance.now();
    execFileSync('spin', [`-DP=${P}`, `-DJ=${J}`, ...(v === 'B' ? ['-DDESIGN_B'] : []), '-a', pml], {
      cwd: dir,
      stdio: 'ignore',
    });
    execFileSync('gcc', ['-O2', '-w', '-DSAFETY', '-DNOREDUCE', '-DMEMLIM=8192', ...cflags, '-o', 'pan', 'pan.c'], {
      cwd: dir,
      stdio: 'ignore',
    });
    return performance.now() - t0;
  };
  const pan = (flags: string[]) => {
    const t0 = performance.now();
    const r = spawnSync('/usr/bin/time', ['-f', 'MAXRSS %M CPU %U %S', './pan', ...flags], {
      cwd: dir,
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    });
    const ms = performance.now() - t0;
    const out = (r.stdout ?? '') + (r.stderr ?? '');
    const num = (re: RegExp) => parseFloat(out.match(re)?.[1] ?? 'NaN'); // pan prints big counts as 1.3768914e+08
    return {
      ms,
      out,
      capped: /reached -DMEMLIM bound|out of memory|max search depth too small/i.test(out),
      states: num(/([\d.e+]+) states, stored/),
      transitions: num(/([\d.e+]+) transitions \(= stored\+matched\)/),
      maxrss: num(/MAXRSS (\d+)/) * 1024,
      cpuS: num(/CPU ([\d.]+) /) + num(/CPU [\d.]+ ([\d.]+)/),
      depth: num(/at depth (\d+)/),
      vec: num(/State-vector (\d+) byte/),
      mem: num(/([\d.]+)\s+total actual memory usage/),
      memStates: num(/([\d.]+)\s+actual memory usage for states/),
      memHash: num(/([\d.]+)\s+memory used for hash table/),
    };
  };
  for (const v of ['A', 'B']) {
    // The reference config also with pan's plain hash store (no -DCOLLAPSE): faster than the compressed
    // store and larger, the configuration issue 13 first measured against (-DSAFETY); both ratios are
    // printed, since they differ by about 3x.
    for (const [P, J] of CONFIGS)
      for (const plain of isReference(v, P, J) ? [false, true] : [false]) {
        const name = `Spin 6.5 DFS rw-umf-${v.toLowerCase()}${plain ? ' (no COLLAPSE)' : ''}`;
        if (!want(name)) continue;
        log(`${name} p${P}j${J} ...`);
        const ours = rows.find(
          (r) => r.name === `fencecheck BFS rw-umf-${v.toLowerCase()}` && r.config === `p${P}j${J}`,
        );
        const w = Math.max(16, Math.ceil(Math.log2(ours?.states ?? 1 << 20)) + 1);
        const cms = build(P, J, v, plain ? [] : ['-DCOLLAPSE']);
        const { run: full, note: repeated } = medianRun(
          isReference(v, P, J) ? REPEAT : 1,
          () => pan(['-c0', '-E', '-A', '-m100000', `-w${w}`]),
          (r) => r.cpuS,
        );
        let first = '-';
        if (v === 'A') {
          build(P, J, v, ['-DBFS', '-DCOLLAPSE']);
          const b = pan(['-m100000', `-w${w}`]);
          first = `${b.states} st, ${Math.round(b.ms)} ms, len ${b.depth} (BFS)`;
        }
        rows.push({
          name,
          design: `rw-umf-${v.toLowerCase()}`,
          engine: 'spin',
          workers: 1,
          config: `p${P}j${J}`,
          states: full.states,
          transitions: full.transitions,
          s: full.ms / 1000,
          rate: full.states / (full.ms / 1000),
          rateUnit: 'st/s',
          peakMB: mb(full.maxrss),
          bps: ((full.memStates + full.memHash) * 2 ** 20) / full.states,
          cpuS: full.cpuS,
          first,
          notes:
            `${full.capped ? 'CAPPED (pan ran out of memory or depth); ' : ''}-DNOREDUCE ` +
            `${plain ? '(plain hash store)' : '-DCOLLAPSE'} -DMEMLIM=8192 ` +
            `-w${w}; state vector ${full.vec} B; B/state = (states + hash table)/states; compile ` +
            `${(cms / 1000).toFixed(1)} s (not counted); transitions include timeout self-loops at end states` +
            repeated,
        });
      }
  }
  rmSync(dir, { recursive: true, force: true });
} else {
  log(
    noSpin ? 'Spin rows skipped (--no-spin)' : 'Spin rows skipped: spin or gcc not installed (apt-get install -y spin)',
  );
}

// ---- random mode and the naive harness ------------------------------------------------------------
const RP = 4,
  RJ = 4;
for (const v of ['a', 'b']) {
  for (const props of [['no-deadlock'], ['finite-time', 'no-deadlock']]) {
    const name = `fencecheck random rw-umf-${v} (${props.join(' + ')})`;
    if (!want(name)) continue;
    log(`${name} ...`);
    const w = runJob({
      kind: 'random-walk',
      design: `rw-umf-${v}`,
      config: { P: RP, J: RJ },
      props,
      runs: 2000,
      depth: 400,
      seed: 1,
    });
    let first = '-';
    if (props.length === 1) {
      const f = runJob({
        kind: 'random',
        design: `rw-umf-${v}`,
        config: { P: RP, J: RJ },
        props: ['no-deadlock'],
        runs: 300,
        depth: 400,
        seed: 1,
      });
      first = f.found.length
        ? `${Math.round(f.ms)} ms, len ${f.found[0].length} (shrunk, minimized)`
        : `none in ${f.runs} runs`;
    }
    rows.push({
      name,
      design: `rw-umf-${v}`,
      engine: 'random',
      workers: 1,
      config: `p${RP}j${RJ}`,
      s: w.ms / 1000,
      rate: w.steps / (w.ms / 1000),
      rateUnit: 'steps/s',
      peakMB: mb(w.peakRss),
      first,
      notes:
        `${w.runs} runs (fc choice arrays, exploreRandom's loop, not stopping at violations), ${w.steps} ` +
        `steps${w.drains ? `, ${w.drains} drains` : ''}; first = exploreRandom(no-deadlock), seed 1`,
    });
  }
}
for (const v of ['A', 'B'] as const) {
  const name = `naive fc.commands+createActor rw-umf-${v.toLowerCase()}`;
  if (!want(name)) continue;
  log(`${name} ...`);
  // Throughput: 2000 runs; a deadlock ends its run (counted) instead of failing the property.
  const r = runJob({
    kind: 'naive',
    variant: v,
    P: RP,
    J: RJ,
    numRuns: 2000,
    maxCommands: 400,
    seed: 1,
    timeLimitMs: 300_000,
    stopOnViolation: false,
  });
  // Time to A's deadlock: the property fails at the first deadlock, then fast-check shrinks.
  const f =
    v === 'A'
      ? runJob({
          kind: 'naive',
          variant: v,
          P: RP,
          J: RJ,
          numRuns: 100_000,
          maxCommands: 400,
          seed: 1,
          timeLimitMs: 120_000,
        })
      : null;
  rows.push({
    name,
    design: `rw-umf-${v.toLowerCase()}`,
    engine: 'naive',
    workers: 1,
    config: `p${RP}j${RJ}`,
    s: r.ms / 1000,
    rate: r.steps / (r.ms / 1000),
    rateUnit: 'steps/s',
    peakMB: mb(r.peakRss),
    first: f?.failed
      ? `${Math.round(f.firstFailureMs)} ms to 1st failure, ${Math.round(f.ms)} ms with shrink, len ` +
        `${f.counterexampleLength}`
      : '-',
    notes:
      `${r.runs} runs, ${r.steps} executed commands (skipped preconditions not counted), ${r.violations} runs ` +
      `ended in deadlock; deadlock invariant after each command`,
  });
}

// ---- issue 2: single-fifo-implicit -------------------------------------------------------------
const sf = { processes: 2, jobs: 2, bos: 2, maxHangs: 1, tdr: true, creditLimit: 1 };
const sfProps = ['acyclic-waits', 'finite-time', 'one-shot'];
for (const procs of [2, 3]) {
  const cfg = { ...sf, processes: procs };
  if (want('single-fifo random')) {
    log(`single-fifo-implicit ${procs} processes, random ...`);
    const w = runJob({
      kind: 'random',
      design: 'single-fifo-implicit',
      config: cfg,
      props: sfProps,
      runs: 300,
      depth: 80,
      seed: 1,
    });
    rows.push({
      name: 'fencecheck random single-fifo-implicit',
      design: 'single-fifo-implicit',
      engine: 'random',
      workers: 1,
      config: `${procs} procs`,
      s: w.ms / 1000,
      rate: w.steps / (w.ms / 1000),
      rateUnit: 'steps/s',
      peakMB: mb(w.peakRss),
      notes: `exploreRandom, ${w.runs} runs, ${w.steps} steps, all 3 properties on (they hold)`,
    });
  }
  if (want('single-fifo BFS')) {
    log(`single-fifo-implicit ${procs} processes, exhaustive ...`);
    const r = runJob({
      kind: 'exhaustive',
      design: 'single-fifo-implicit',
      config: cfg,
      props: sfProps,
      maxStates: 2_000_000,
      maxMemoryBytes: MAX_RSS,
      budgetMs: 90_000,
      exploreAll: true,
    });
    rows.push({
      name: 'fencecheck BFS single-fifo-implicit',
      design: 'single-fifo-implicit',
      engine: 'exhaustive',
      workers: 1,
      config: `${procs} procs`,
      ...measured(r),
      notes: `${r.stoppedBy === 'complete' ? 'complete' : `CAPPED: ${r.bound}`}; all 3 properties (drains) on`,
    });
  }
}

// ---- issue 13: a row per design -----------------------------------------------------------------
// Every design at its `default` and `large` configs (or the configs it has when it has neither), every
// property it expects a verdict for on at once (drains, step properties and monitors included), so the
// rate is what `check` pays. Each row is bounded so the whole bench stays in minutes: a state cap and a
// time budget for the exhaustive row, a run count and a time budget for the random one; a capped row
// says which bound stopped it.
const CAP = quick
  ? { states: 20_000, exhaustiveMs: 4_000, runs: 50, randomMs: 2_000 }
  : { states: 300_000, exhaustiveMs: 20_000, runs: 300, randomMs: 10_000 };
const { designs: allDesigns } = await registry();
/**
 * Designs that also get a row with no property (the engine alone): three present-* worlds and io_uring's,
 * whose `default` configs reach 10^5 states and more (a smaller one is start-up dominated without properties).
 */
const ENGINE_ALONE = ['present-vblank-naive', 'present-submit-return', 'present-kms-in-fence', 'io-uring-mixed-submit'];
for (const d of allDesigns.values()) {
  const named = ['default', 'large'].filter((c) => Object.hasOwn(d.configs, c));
  const configs = quick ? named.slice(0, 1) : named;
  if (!configs.length) configs.push(...Object.keys(d.configs).slice(0, quick ? 1 : 2));
  for (const configName of configs) {
    const base = {
      kind: 'design' as const,
      design: d.name,
      configName,
      maxStates: CAP.states,
      maxMemoryBytes: MAX_RSS,
      seed: 1,
      depth: d.bounds.random.depth,
    };
    const xName = `fencecheck BFS ${d.name} (all properties)`;
    if (want(xName)) {
      log(`${xName} ${configName} ...`);
      const r = runJob({ ...base, engine: 'exhaustive', budgetMs: CAP.exhaustiveMs, runs: 0 });
      rows.push({
        name: xName,
        design: d.name,
        engine: 'exhaustive',
        workers: r.workers,
        config: configName,
        ...measured(r),
        first: r.found.length ? r.found.map((f: any) => `${f.property} len ${f.length}`).join(', ') : '-',
        notes:
          `${r.stoppedBy === 'complete' ? 'complete' : `CAPPED: ${r.bound}`}; cap ${CAP.states} states or ` +
          `${CAP.exhaustiveMs / 1000} s; ${r.properties.length} properties; por ${r.reductions.por}`,
      });
    }
    // The same row with no property, for a few designs: what the engine alone costs, so the ratio to
    // rw-umf-b (a world checked for one property) splits into the engine's part and the properties'.
    const eName = `fencecheck BFS ${d.name} (no property: the engine alone)`;
    if (ENGINE_ALONE.includes(d.name) && configName === configs[0] && want(eName)) {
      log(`${eName} ${configName} ...`);
      const cap = 15 * CAP.states; // 5-10x faster: at CAP.states it would be start-up dominated
      const r = runJob({
        kind: 'exhaustive',
        design: d.name,
        config: d.configs[configName],
        props: [],
        maxStates: cap,
        maxMemoryBytes: MAX_RSS,
        budgetMs: CAP.exhaustiveMs,
        exploreAll: true,
      });
      rows.push({
        name: eName,
        design: d.name,
        engine: 'exhaustive',
        workers: 1,
        config: configName,
        ...measured(r),
        notes:
          `${r.stoppedBy === 'complete' ? 'complete' : `CAPPED: ${r.bound}`}; cap ${cap} states or ` +
          `${CAP.exhaustiveMs / 1000} s; no property`,
      });
    }
    const rName = `fencecheck random ${d.name} (all properties)`;
    if (want(rName)) {
      log(`${rName} ${configName} ...`);
      const w = runJob({ ...base, engine: 'random', budgetMs: CAP.randomMs, runs: CAP.runs });
      rows.push({
        name: rName,
        design: d.name,
        engine: 'random',
        workers: 1,
        config: configName,
        transitions: w.steps,
        s: w.ms / 1000,
        rate: w.steps / (w.ms / 1000),
        rateUnit: 'steps/s',
        peakMB: mb(w.peakRss),
        notes:
          `${w.runs} runs of <= ${base.depth} steps (cap ${CAP.runs} runs or ${CAP.randomMs / 1000} s), ` +
          `${w.steps} steps, ${w.drains} drains, ${w.violations} violations seen (runs go on past them)`,
      });
    }
  }
}

// ---- print --------------------------------------------------------------------------------------
/** States (or steps) per CPU second of the exploration. */
const cpuRate = (r: Row) => (r.cpuS && (r.states ?? r.transitions) ? (r.states ?? r.transitions)! / r.cpuS : undefined);
const fmt = (n: number | undefined, d = 0) =>
  n === undefined || Number.isNaN(n)
    ? '-'
    : n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const head = [
  'engine / world',
  'config',
  'distinct states',
  'transitions',
  'seconds',
  'rate',
  'CPU s',
  'rate / CPU s',
  'start-up ms',
  'peak RSS MB',
  'B/state',
  'first counterexample (A)',
  'notes',
];
const table = rows.map((r) => [
  r.name,
  r.config,
  fmt(r.states),
  fmt(r.transitions),
  fmt(r.s, 2),
  r.tiny ? `start-up dominated` : r.rate ? `${fmt(r.rate)} ${r.rateUnit}` : '-',
  fmt(r.cpuS, 2),
  r.tiny ? '-' : cpuRate(r) ? `${fmt(cpuRate(r))} ${r.rateUnit}` : '-',
  fmt(r.startupMs),
  fmt(r.peakMB),
  fmt(r.bps, 1),
  r.first ?? '-',
  r.notes ?? '',
]);
// Ratios measured in this run.
const get = (n: string, c: string) => rows.find((r) => r.name === n && r.config === c);
const ratios: string[] = [];
for (const [P, J] of CONFIGS)
  for (const v of ['a', 'b']) {
    const ours = get(`fencecheck BFS rw-umf-${v}`, `p${P}j${J}`),
      spin = get(`Spin 6.5 DFS rw-umf-${v}`, `p${P}j${J}`);
    if (ours?.rate && spin?.rate)
      ratios.push(
        `rw-umf-${v} p${P}j${J}: states ` +
          `${ours.states === spin.states ? 'equal' : `DIFFER (${ours.states} vs ${spin.states})`}, Spin/ours speed ` +
          `${(spin.rate / ours.rate).toFixed(1)}×` +
          (ours.cpuS && spin.cpuS ? `, CPU time ours/Spin ${(ours.cpuS / spin.cpuS).toFixed(1)}×` : ''),
      );
  }
for (const v of ['a', 'b']) {
  const naive = get(`naive fc.commands+createActor rw-umf-${v}`, `p${RP}j${RJ}`);
  for (const p of ['no-deadlock', 'finite-time + no-deadlock']) {
    const ours = get(`fencecheck random rw-umf-${v} (${p})`, `p${RP}j${RJ}`);
    if (ours?.rate && naive?.rate)
      ratios.push(
        `random rw-umf-${v}, ours (${p}) / naive (deadlock invariant) steps/s: ` +
          `${(ours.rate / naive.rate).toFixed(1)}×`,
      );
  }
}
// Each design row's exhaustive rate against rw-umf-b's (the reference world, no-deadlock, one worker) at
// the largest (P, J) this run measured: issue 13's target is at least 1/3.
const [RBP, RBJ] = CONFIGS[CONFIGS.length - 1];
const refB = get('fencecheck BFS rw-umf-b', `p${RBP}j${RBJ}`);
const toRef: Record<string, number> = {};
const refB2 = get('fencecheck BFS rw-umf-b --workers 2', `p${RBP}j${RBJ}`);
const spinB = get('Spin 6.5 DFS rw-umf-b', `p${RBP}j${RBJ}`);
const spinPlain = get('Spin 6.5 DFS rw-umf-b (no COLLAPSE)', `p${RBP}j${RBJ}`);
if (refB?.cpuS && spinPlain?.cpuS)
  ratios.push(
    `rw-umf-b p${RBP}j${RBJ}: CPU time ours/Spin with its plain hash store (no -DCOLLAPSE) ` +
      `${(refB.cpuS / spinPlain.cpuS).toFixed(1)}×` +
      (refB2?.s ? `; wall time 2 workers / that Spin ${(refB2.s! / spinPlain.s!).toFixed(2)}×` : ''),
  );
if (refB?.rate && refB2?.rate)
  ratios.push(
    `rw-umf-b p${RBP}j${RBJ}: 2 workers / 1 worker speed ${(refB2.rate / refB.rate).toFixed(2)}×` +
      (spinB?.s ? `; wall time 2 workers / Spin ${(refB2.s! / spinB.s).toFixed(2)}×` : ''),
  );
{
  const at = `p${RBP}j${RBJ}`;
  const nd = get('fencecheck BFS rw-umf-b', at),
    ft = get('fencecheck BFS rw-umf-b (finite-time + no-deadlock)', at),
    all1 = get('fencecheck BFS rw-umf-b (every property)', at),
    all2 = get('fencecheck BFS rw-umf-b (every property) --workers 2', at);
  if (nd?.cpuS && ft?.cpuS)
    ratios.push(
      `rw-umf-b ${at}: finite-time on the graph + no-deadlock / no-deadlock alone, ` +
        `CPU ${(ft.cpuS / nd.cpuS).toFixed(2)}×` +
        ` (states ${ft.states === nd.states ? 'equal' : `${ft.states} vs ${nd.states}`})`,
    );
  if (all1?.s && all2?.s)
    ratios.push(
      `rw-umf-b ${at}, every property: 2 workers / 1 worker wall ${(all2.s / all1.s).toFixed(2)}×` +
        (all1.cpuS && all2.cpuS ? `, CPU ${(all2.cpuS / all1.cpuS).toFixed(2)}×` : '') +
        ` (states ${all2.states === all1.states ? 'equal' : `${all2.states} vs ${all1.states}`})`,
    );
}
const toRefCpu: Record<string, number> = {};
const tinyRows: string[] = [];
if (refB?.rate)
  for (const r of rows)
    if (r.engine === 'exhaustive' && r.name.endsWith('(all properties)') && r.rate) {
      if (r.tiny) {
        tinyRows.push(
          `${r.design} ${r.config} (${r.states} st in ${fmt(r.s! * 1000)} ms, start-up ${fmt(r.startupMs)} ms)`,
        );
        continue;
      }
      toRef[`${r.design}/${r.config}`] = r.rate / refB.rate;
      const rc = cpuRate(r),
        bc = cpuRate(refB);
      if (rc && bc) toRefCpu[`${r.design}/${r.config}`] = rc / bc;
      ratios.push(
        `${r.design} ${r.config} exhaustive / rw-umf-b p${RBP}j${RBJ}: wall ${(r.rate / refB.rate).toFixed(3)} ` +
          `(1/${(refB.rate / r.rate).toFixed(1)})` +
          (rc && bc ? `, CPU ${(rc / bc).toFixed(3)} (1/${(bc / rc).toFixed(1)})` : ''),
      );
    }
for (const r of rows)
  if (r.name.endsWith('(no property: the engine alone)') && refB && !r.tiny) {
    const all = get(`fencecheck BFS ${r.design} (all properties)`, r.config);
    const rc = cpuRate(r),
      bc = cpuRate(refB),
      ac = all && !all.tiny ? cpuRate(all) : undefined;
    if (rc && bc)
      ratios.push(
        `${r.design} ${r.config}, the engine alone (no property) / rw-umf-b p${RBP}j${RBJ}: ` +
          `CPU ${(rc / bc).toFixed(3)}` +
          (ac
            ? `; with every property it runs at ${(ac / rc).toFixed(3)} of that rate ` +
              `(${all!.states} states with them, ${r.states} without)`
            : ''),
      );
  }
if (tinyRows.length)
  ratios.push(
    `start-up dominated (explored < ${TINY_MS} ms or < ${TINY_STATES} states; no ratio): ${tinyRows.join(', ')}`,
  );
const machine = {
  node: process.version,
  cpus: cpus().length,
  cpu: cpus()[0]?.model ?? '?',
  memMB: mb(totalmem()),
  loadAverageAtStart: loadAtStart,
  loadAverageAtEnd: loadavg().map((x) => Number(x.toFixed(2))),
  quick,
  repeat: REPEAT,
};
if (asJson) {
  const out = rows.map((r) => ({
    name: r.name,
    design: r.design,
    config: r.config,
    engine: r.engine,
    workers: r.workers,
    states: r.states ?? null,
    transitions: r.transitions ?? null,
    ms: r.s === undefined ? null : Math.round(r.s * 1000),
    rate: r.rate ?? null,
    rateUnit: r.rateUnit ?? null,
    peakMB: r.peakMB ?? null,
    bytesPerState: r.bps ?? null,
    cpuMs: r.cpuS === undefined ? null : Math.round(r.cpuS * 1000),
    cpuRate: r.tiny ? null : (cpuRate(r) ?? null),
    startupMs: r.startupMs === undefined ? null : Math.round(r.startupMs),
    startupDominated: r.tiny ?? false,
    toRwUmfB: r.engine === 'exhaustive' ? (toRef[`${r.design}/${r.config}`] ?? null) : null,
    toRwUmfBCpu: r.engine === 'exhaustive' ? (toRefCpu[`${r.design}/${r.config}`] ?? null) : null,
    first: r.first ?? null,
    notes: r.notes ?? null,
  }));
  console.log(JSON.stringify({ machine, reference: refB ? `rw-umf-b p${RBP}j${RBJ}` : null, rows: out, ratios }));
} else {
  console.log(
    `fencecheck bench — node ${machine.node}, ${machine.cpus}× ${machine.cpu}, ${machine.memMB} MB RAM, load ` +
      `average at start ${machine.loadAverageAtStart.join(' ')}, at end ${machine.loadAverageAtEnd.join(' ')}`,
  );
  const wid = head.map((h, i) => Math.max(h.length, ...table.map((t) => t[i].length)));
  const line = (t: string[]) => '| ' + t.map((x, i) => x.padEnd(wid[i])).join(' | ') + ' |';
  console.log(line(head));
  console.log('|' + wid.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const t of table) console.log(line(t));
  if (ratios.length) console.log('\n' + ratios.join('\n'));
}
