/**
 * Issue 14.6: SIGINT/SIGTERM during `check` restore the terminal (cursor shown, line wrap on), print
 * the matrix of what finished and 'interrupted', keep every trace already saved (and leave no temp
 * file), and exit 130. The real CLI is spawned and signalled; its store is a scratch directory
 * (FENCECHECK_COUNTEREXAMPLES), and counterexamples/ hashes the same before and after.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../../src/registry.ts';
import { listTraces } from '../../src/counterexample/store.ts';
import { readTrace } from '../../src/counterexample/load.ts';
import { BIN, hashTree } from './helpers.ts';

const tmp = mkdtempSync(join(tmpdir(), 'fencecheck-signals-'));
let before = '';
beforeAll(() => {
  before = hashTree();
});
afterAll(() => {
  expect(hashTree()).toBe(before);
  rmSync(tmp, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Poll until `ready()` (or the hang guard), so a loaded machine only makes the test slower, not red. */
async function until(ready: () => boolean, guardMs = 45_000) {
  for (const t0 = Date.now(); !ready() && Date.now() - t0 < guardMs; ) await sleep(100);
}

/** Start a whole `check --save`, send `sig` once `when(store)` holds, and collect what it printed. */
async function interrupted(sig: NodeJS.Signals, when: (store: string) => boolean, store: string) {
  const p = spawn(process.execPath, [BIN, 'check', '--save', '--no-metrics'], {
    cwd: ROOT,
    env: { ...process.env, FENCECHECK_COUNTEREXAMPLES: store },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '',
    err = '';
  p.stdout.on('data', (d) => {
    out += d;
  });
  p.stderr.on('data', (d) => {
    err += d;
  });
  const closed = new Promise<number | null>((res) => p.on('close', (c) => res(c)));
  await until(() => when(store));
  const t0 = Date.now();
  p.kill(sig);
  const code = await closed;
  return { code, out, err, stopMs: Date.now() - t0 };
}

function storeIsSound(store: string) {
  if (!existsSync(store)) return 0;
  const files = listTraces(store);
  for (const f of files) expect(() => readTrace(join(store, f)), f).not.toThrow();
  const tmpFiles = readdirSync(store, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.tmp'));
  expect(tmpFiles).toEqual([]);
  return files.length;
}

describe('interrupting check', () => {
  test('SIGINT: the matrix of what finished, interrupted, saved traces kept, exit 130', async () => {
    const store = join(tmp, 'int');
    // interrupted once the first trace is on disk, so some design has finished
    const r = await interrupted('SIGINT', (st) => existsSync(st) && listTraces(st).length > 0, store);
    expect(r.code, r.err).toBe(130);
    // the process ends soon after the signal (a guard against ignoring it, not a speed target)
    expect(r.stopMs).toBeLessThan(30_000);
    expect(r.out).toMatch(/^design +property +expected +observed/m);
    expect(r.out).toMatch(/interrupted \(SIGINT\): \d+ of \d+ designs checked/);
    expect(r.out).not.toMatch(/every verdict as expected/);
    const saved = storeIsSound(store);
    // every trace the printed matrix names is on disk
    for (const m of r.out.matchAll(/replay: npx fencecheck replay (\S+)/g))
      expect(existsSync(join(ROOT, m[1])), m[1]).toBe(true);
    expect(saved).toBeGreaterThan(0);
  }, 120_000);
  test('SIGTERM early: exit 130 and says interrupted', async () => {
    const store = join(tmp, 'term');
    const started = Date.now();
    const r = await interrupted('SIGTERM', () => Date.now() - started > 4000, store);
    expect(r.code, r.err).toBe(130);
    expect(r.out).toMatch(/interrupted \(SIGTERM\)/);
    storeIsSound(store);
  }, 120_000);
  const hasScript = spawnSync('script', ['--version']).status === 0;
  test.skipIf(!hasScript)(
    'on a terminal: the cursor is shown and line wrap restored after the interrupt',
    async () => {
      const store = join(tmp, 'tty');
      const cmd = `exec ${process.execPath} ${BIN} check --no-metrics`;
      const p = spawn('script', ['-qfec', cmd, '/dev/null'], {
        cwd: ROOT,
        env: { ...process.env, FENCECHECK_COUNTEREXAMPLES: store },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let out = '';
      p.stdout.on('data', (d) => {
        out += d;
      });
      const closed = new Promise<number | null>((res) => p.on('close', (c) => res(c)));
      // once the progress bar has hidden the cursor
      await until(() => out.includes('\x1b[?25l'));
      // the CLI is script's child (exec replaced the shell)
      const child = readdirSync('/proc')
        .filter((x) => /^\d+$/.test(x))
        .find((pid) => {
          try {
            return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1] === String(p.pid);
          } catch {
            return false;
          }
        });
      expect(child).toBeDefined();
      process.kill(Number(child), 'SIGINT');
      await closed;
      const hid = out.lastIndexOf('\x1b[?25l');
      expect(hid, 'the progress bar hid the cursor').toBeGreaterThanOrEqual(0);
      expect(out.lastIndexOf('\x1b[?25h')).toBeGreaterThan(hid);
      expect(out.lastIndexOf('\x1b[?7h')).toBeGreaterThan(out.lastIndexOf('\x1b[?7l'));
      expect(out).toMatch(/interrupted \(SIGINT\)/);
    },
    120_000,
  );
});
