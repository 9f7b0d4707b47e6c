/**
 * The front door (issue 15.5): src/cli/program.mjs holds every command, flag and help text in plain
 * JavaScript, so help, version and a bad flag, command or flag value answer before tsx is loaded; a
 * command that does work hands over to main.ts. Asserted without timing: a copy of the front door with
 * only commander beside it (no tsx, no TypeScript) answers all of those, and fails only when a command
 * would run. The figures (npx fencecheck --help, check --bad-flag) are in the branch's report.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { EXPLORE_OPTIONS, buildProgram } from '../../src/cli/program.mjs';
import { toCheckOptions } from '../../src/cli/options.ts';
import { COUNTEREXAMPLES_DIR, ROOT } from '../../src/registry.ts';
import { BIN, cli, run } from './helpers.ts';

const tmp = mkdtempSync(join(tmpdir(), 'fencecheck-front-door-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The flags `check` parsed from `args` (the action runs nothing). */
function parsedCheck(args: string[]): Record<string, any> {
  let flags: Record<string, any> = {};
  const program = buildProgram(async (f) => {
    await f({
      check: async (o: Record<string, any>) => {
        flags = o;
      },
    } as any);
  });
  program.parse(['check', ...args], { from: 'user' });
  return flags;
}

describe('one table of flags for the CLI and the API', () => {
  test('EXPLORE_OPTIONS has exactly the keys toCheckOptions maps, and onProgress', () => {
    expect(Object.keys(EXPLORE_OPTIONS).sort()).toEqual([...Object.keys(toCheckOptions({})), 'onProgress'].sort());
  });
  test('every flag in the table reaches its CheckOptions key', () => {
    const every = [
      ...['--design', 'd', '--property', 'p', '--engine', 'random', '--runs', '7', '--depth', '8'],
      ...['--max-states', '9', '--seed', '10', '--budget-ms', '11', '--no-symmetry', '--no-por'],
      ...['--liveness', 'drain', '--max-memory-mb', '64', '--no-metrics', '--save', '--config', 'small'],
      ...['--set', 'a=b', '--without', 'implicit-sync', '--shard', '1/2', '--workers', '2'],
    ];
    const none = toCheckOptions(parsedCheck([])) as Record<string, unknown>;
    const all = toCheckOptions(parsedCheck(every)) as Record<string, unknown>;
    for (const [key, spec] of Object.entries(EXPLORE_OPTIONS)) {
      if (spec === null) continue;
      // a flag the list above lacks, or one toCheckOptions drops, leaves its key at the default
      expect(all[key], key).not.toEqual(none[key]);
      expect(all[key], key).not.toBeUndefined();
    }
    expect(all).toMatchObject({ designs: ['d'], runs: 7, set: { a: 'b' }, shard: { index: 1, count: 2 } });
  });
  test("resave's help names where traces are read from", () => {
    const store = join(tmp, 'store');
    const r = cli(['help', 'resave'], { env: { FENCECHECK_COUNTEREXAMPLES: store } });
    expect(r.status).toBe(0);
    expect(r.stdout.replace(/\s+/g, ' ')).toContain(`every trace under ${relative(ROOT, store)}`);
    expect(cli(['help', 'resave']).stdout).toContain(`every trace under ${relative(ROOT, COUNTEREXAMPLES_DIR)}`);
  });
});

describe('answered without tsx or TypeScript', () => {
  // bin/, src/cli/program.mjs and src/terminal-text.mjs alone, with commander the only package: no tsx, no .ts file
  const root = join(tmp, 'bare');
  mkdirSync(join(root, 'bin'), { recursive: true });
  mkdirSync(join(root, 'src', 'cli'), { recursive: true });
  mkdirSync(join(root, 'node_modules'));
  copyFileSync(BIN, join(root, 'bin', 'fencecheck.mjs'));
  copyFileSync(join(ROOT, 'src', 'cli', 'program.mjs'), join(root, 'src', 'cli', 'program.mjs'));
  copyFileSync(join(ROOT, 'src', 'terminal-text.mjs'), join(root, 'src', 'terminal-text.mjs'));
  copyFileSync(join(ROOT, 'package.json'), join(root, 'package.json'));
  symlinkSync(join(ROOT, 'node_modules', 'commander'), join(root, 'node_modules', 'commander'));
  const bare = (...args: string[]) =>
    spawnSync(process.execPath, [join(root, 'bin', 'fencecheck.mjs'), ...args], {
      cwd: root,
      encoding: 'utf8',
      timeout: 30_000,
    });
  const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;

  test.each([[['--help']], [['help', 'check']], [['check', '--help']], [['report', '-h']], [['help']]])(
    '%j: usage on stdout, exit 0',
    (args) => {
      const r = bare(...args);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^Usage: fencecheck/);
    },
  );
  test('--version', () => {
    const r = bare('--version');
    expect([r.status, r.stdout.trim()]).toEqual([0, version]);
  });
  test.each([
    [['check', '--bad-flag'], "fencecheck: unknown option '--bad-flag'\n"],
    [['chek'], "fencecheck: unknown command 'chek' (Did you mean check?)\n"],
    [['check', '--runs', 'x\x1b[2J'], /^fencecheck: option '--runs <n>' .*got 'x\\x1b\[2J'\n$/],
    [['check', '--engine', 'dfs'], /^fencecheck: option '--engine <engine>' argument 'dfs' is invalid/],
    [['check', '--shard', '2/2'], /--shard takes i\/n with 0 <= i < n/],
    [['explain', 'f', '--width', '59'], /--width takes a whole number from 60 to 1000/],
    [['replay'], "fencecheck: missing required argument 'file'\n"],
  ])('%j: one line, exit 2', (args, err) => {
    const r = bare(...args);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    if (typeof err === 'string') expect(r.stderr).toBe(err);
    else expect(r.stderr).toMatch(err);
    expect(r.stderr.split('\n')).toHaveLength(2);
  });
  test('a command that does work is the one that loads tsx (here: missing, an internal error)', () => {
    const r = bare('list');
    expect(r.status).toBe(4);
    expect(r.stderr).toMatch(/^fencecheck: internal error: .*tsx/);
  });
});

describe("npx fencecheck takes npm exec's fast path", () => {
  test('package.json declares no bin of that name, and npm ci links node_modules/.bin/fencecheck', () => {
    // with a matching bin, npm exec installs the project into its cache (a full tree walk: ~0.5 s)
    // before running it; without one it runs node_modules/.bin/fencecheck, which `prepare` links
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.bin?.fencecheck).toBeUndefined();
    expect(pkg.scripts.prepare).toMatch(/node_modules\/\.bin\/fencecheck/);
    expect(realpathSync(join(ROOT, 'node_modules', '.bin', 'fencecheck'))).toBe(realpathSync(BIN));
  });
});

test('an unknown flag in-process (main) is the same line and exit code as the real CLI', async () => {
  const r = await run('check', '--bad-flag');
  expect([r.code, r.err]).toEqual([2, "fencecheck: unknown option '--bad-flag'\n"]);
});
