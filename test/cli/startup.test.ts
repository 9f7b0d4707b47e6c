/**
 * A CLI that starts fast and guides (issue 15.5), tested by spawning it and asserting output and exit
 * codes (never times; the figures are in the branch's report): --help, --version and a bad flag need no
 * design; a broken design file stops only the commands that need it, with file:line:column and
 * esbuild's message; mistyped names get "did you mean"; long runs show progress with a time-left.
 */
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { cli } from './helpers.ts';
import { COUNTEREXAMPLES_DIR, ROOT, designNames, propertyNames, registry } from '../../src/registry.ts';
import { listTraces } from '../../src/counterexample/store.ts';
import { progressReporter } from '../../src/cli/progress.ts';
import { suggest } from '../../src/cli/names.ts';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

describe('commands that need no design', () => {
  test('--help', () => {
    const r = cli(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Usage: fencecheck/);
    expect(r.stdout).toMatch(/--version/);
  });
  test("--version prints package.json's version", () => {
    for (const flag of ['--version', '-V']) {
      const r = cli([flag]);
      expect(r.status).toBe(0);
      expect(r.stdout.trim()).toBe(pkg.version);
    }
  });
  test('a bad flag is one line and exit 2', () => {
    const r = cli(['check', '--bad-flag']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("fencecheck: unknown option '--bad-flag'\n");
  });
});

describe('did you mean', () => {
  test('a mistyped design', () => {
    const r = cli(['check', '--design', 'single-fifo-implict']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown design 'single-fifo-implict'; did you mean 'single-fifo-implicit'\?/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
  test('a mistyped property', () => {
    const r = cli(['report', '--property', 'finite-tme', '--out', join(tmpdir(), 'unused')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown property 'finite-tme'; did you mean 'finite-time'\?/);
  });
  test('a name far from every known one lists them', () => {
    const r = cli(['check', '--design', 'zzzzzzzzzzzzzzzz']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/known: .*single-fifo-implicit/);
  });
  test('suggest ranks the closest names first', () => {
    expect(suggest('umf-wraped', designNames())[0]).toBe('umf-wrapped');
    expect(suggest('no-deadlok', propertyNames())).toEqual(['no-deadlock']);
  });
});

// The fast name check and the lazy loader rest on models/designs/D.ts defining design D.
test('every design and property file is named after what it defines', async () => {
  const { designs, properties } = await registry();
  expect(designNames()).toEqual([...designs.keys()].sort());
  expect(propertyNames()).toEqual([...properties.keys()].sort());
});

describe('a design file that fails to load', () => {
  let dir = '';
  const env = () => ({ FENCECHECK_DESIGNS: dir });
  beforeAll(() => {
    // the real designs (symlinks: their imports resolve from models/designs/) and one broken file
    dir = mkdtempSync(join(tmpdir(), 'fencecheck-designs-'));
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
    for (const f of readdirSync(join(ROOT, 'models', 'designs')))
      symlinkSync(join(ROOT, 'models', 'designs', f), join(dir, f));
    writeFileSync(join(dir, 'broken-design.ts'), "export const x = 1;\nexport default { name: 'broken-design', };;)\n");
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('does not stop --help, a bad flag or a check of another design', () => {
    expect(cli(['--help'], { env: env() }).status).toBe(0);
    expect(cli(['check', '--nope'], { env: env() }).status).toBe(2);
    const r = cli(['check', '--design', 'single-fifo-no-tdr', '--engine', 'random', '--runs', '2', '--json'], {
      env: env(),
    });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).cells.length).toBeGreaterThan(0);
  });
  test('does not stop replaying a trace of another design', () => {
    const f = listTraces().find((t) => t.startsWith('single-fifo-no-tdr/'));
    expect(f).toBeDefined();
    const r = cli(['replay', join(COUNTEREXAMPLES_DIR, f ?? '')], { env: env() });
    expect(r.stdout).toMatch(/^ok {3}/);
    expect(r.status).toBe(0);
  });
  test('a command that needs it says where and why: file:line:column and esbuild', () => {
    for (const args of [['check', '--design', 'broken-design'], ['list']]) {
      const r = cli(args, { env: env() });
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/^fencecheck: .*broken-design\.ts:2:\d+: Unexpected "\)" \(esbuild; loading .*\)\n$/);
    }
  });
});

describe('progress', () => {
  test('a long run reports on stderr, with the real bound and a time left', () => {
    // the budget makes the run last past the one-second quiet period; what is asserted is the text
    const r = cli([
      'check',
      '--design',
      'single-fifo-implicit',
      '--engine',
      'random',
      '--runs',
      '100000',
      '--budget-ms',
      '2500',
      '--no-metrics',
    ]);
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/^fencecheck: single-fifo-implicit random: \d+\/100000 runs, \d+\/s, \d+ s spent, left /m);
  });
  test('the heartbeat redraws every second between the explorer callbacks', () => {
    vi.useFakeTimers();
    try {
      let out = '';
      const stream = Object.assign(
        new Writable({
          write: (c, _e, cb) => {
            out += String(c);
            cb();
          },
        }),
        { isTTY: false },
      );
      let t = 0;
      const p = progressReporter(true, { stream, now: () => t, maxStates: () => 40_000 });
      p.update({ design: 'd', engine: 'exhaustive', states: 0 });
      t = 1200;
      p.update({ design: 'd', engine: 'exhaustive', states: 4_000 });
      // no callback for two seconds: two redraws, time spent moving on
      for (const at of [2400, 3600]) {
        t = at;
        vi.advanceTimersByTime(1000);
      }
      p.stop();
      const lines = out.trim().split('\n');
      expect(lines).toEqual([
        'fencecheck: d exhaustive: 4000/40000 states, 3333/s, 1 s spent, left <= 11 s',
        'fencecheck: d exhaustive: 4000/40000 states, 1667/s, 2 s spent, left <= 22 s',
        'fencecheck: d exhaustive: 4000/40000 states, 1111/s, 4 s spent, left <= 32 s',
      ]);
    } finally {
      vi.useRealTimers();
    }
  });
});
