/**
 * Issue 14.5: every error path is one line and a documented exit code, checked before work starts:
 * `report --out` is validated before the check runs (an existing file, a path under a file, /proc/x,
 * which made Node's recursive mkdir spin forever), a closed stdout (`fencecheck list | head`) ends
 * quietly, and `explain` fails exactly like `replay` on the same bad input.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COUNTEREXAMPLES_DIR, ROOT } from '../../src/registry.ts';
import { listTraces } from '../../src/counterexample/store.ts';
import { BIN, run } from './helpers.ts';

const tmp = mkdtempSync(join(tmpdir(), 'fencecheck-errors-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('report --out is validated before the check runs', () => {
  const file = join(tmp, 'a-file');
  writeFileSync(file, 'x');
  test.each([
    ['an existing file', file, /is an existing file, not a directory/],
    ['a path under a file', join(file, 'sub'), /a parent of it is a file, not a directory/],
    ['/proc/x', '/proc/x/report', /cannot create \/proc\/x \(ENOENT\)|cannot write there/],
  ])('%s: exit 2, one line, at once', async (_n, out, msg) => {
    const t0 = Date.now();
    const r = await run('report', '--out', out, '--quiet', '--no-metrics');
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(msg);
    expect(r.out).toBe('');
    // a guard, not a speed target: the check that would otherwise run first takes minutes
    expect(Date.now() - t0).toBeLessThan(30_000);
  });
});

describe('a closed stdout ends quietly', () => {
  test('fencecheck list | head -1: exit 0, nothing on stderr', async () => {
    const p = spawn(process.execPath, [BIN, 'list'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => {
      err += d;
    });
    p.stdout.once('data', () => p.stdout.destroy()); // what head does after its first line
    const code = await new Promise<number | null>((res) => p.on('close', (c) => res(c)));
    expect(err).toBe('');
    expect(code).toBe(0);
  }, 30_000);
});

describe('explain fails exactly like replay', () => {
  const good = readFileSync(
    join(COUNTEREXAMPLES_DIR, listTraces().find((f) => f.startsWith('single-fifo-no-tdr/'))!),
    'utf8',
  );
  const j = () => JSON.parse(good);
  const cases: [string, () => unknown][] = [
    [
      'unknown design',
      () => {
        const x = j();
        x['#meta'].design = 'gone';
        return x;
      },
    ],
    [
      'unknown property',
      () => {
        const x = j();
        x['#meta'].property = 'gone';
        return x;
      },
    ],
    [
      'unknown action',
      () => {
        const x = j();
        x['#meta'].actions[0].step = 'gone';
        x.states[1]['mbt::actionTaken'] = 'gone';
        return x;
      },
    ],
    [
      'unknown config',
      () => {
        const x = j();
        x['#meta'].config = 'gone';
        return x;
      },
    ],
    [
      'extra states',
      () => {
        const x = j();
        x.states.push(x.states[1]);
        return x;
      },
    ],
    [
      'a non-string drain label',
      () => {
        const x = j();
        x['#meta'].drain = [{ evil: 1 }];
        return x;
      },
    ],
  ];
  test.each(cases)('%s: both exit 2 with the same line', async (name, mk) => {
    const f = join(tmp, `${name.replace(/\W+/g, '-')}.itf.json`);
    writeFileSync(f, JSON.stringify(mk()));
    const a = await run('replay', f);
    const b = await run('explain', f);
    expect(a.code).toBe(2);
    expect(b.code).toBe(2);
    expect(b.err).toBe(a.err);
    expect(a.err.trim().split('\n')).toHaveLength(1);
    expect(b.out).toBe('');
  });
});

describe('bad flag values', () => {
  test('explain --width out of range: exit 2, one line', async () => {
    const r = await run('explain', join(tmp, 'missing.itf.json'), '--width', '59');
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });
});
