/** Shared by the CLI tests: run main() in-process with captured output; hash the store; spawn the real CLI. */
import { vi } from 'vitest';
import { createHash } from 'node:crypto';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { join } from 'node:path';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { main } from '../../src/cli/main.ts';
import { COUNTEREXAMPLES_DIR, ROOT } from '../../src/registry.ts';

export const BIN = join(ROOT, 'bin', 'fencecheck.mjs');

export async function run(...argv: string[]) {
  let out = '',
    err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    out += String(s);
    return true;
  });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
    err += String(s);
    return true;
  });
  const log = vi.spyOn(console, 'log').mockImplementation((...a) => {
    out += `${a.join(' ')}\n`;
  });
  process.exitCode = 0;
  try {
    return { code: await main(argv), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
    log.mockRestore();
    process.exitCode = 0;
  }
}

/** A hash of every file (path and bytes) under `dir`: equal before and after means nothing was touched. */
export function hashTree(dir = COUNTEREXAMPLES_DIR): string {
  const h = createHash('sha256');
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else h.update(`${p}\0${statSync(p).mtimeMs}\0`).update(readFileSync(p));
    }
  };
  walk(dir);
  return h.digest('hex');
}

export function cli(
  args: string[],
  opts: { env?: Record<string, string>; input?: string } = {},
): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, ...opts.env },
    input: opts.input,
  });
}
