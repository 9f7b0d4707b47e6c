/**
 * Lines of code stay at or under 120 columns (issue 10, "habits in CI"). `npm run format` (Biome, line
 * width 120) lays code out; it does not split string literals or comments, which this test covers.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ROOT } from '../../src/registry.ts';

const MAX = 120;

describe('style', () => {
  test(`every TypeScript line is at most ${MAX} columns`, () => {
    const files = execFileSync('git', ['ls-files', '*.ts'], { cwd: ROOT, encoding: 'utf8' })
      .split('\n')
      .filter(Boolean);
    expect(files.length).toBeGreaterThan(100);
    const long: string[] = [];
    for (const f of files) {
      const lines = readFileSync(join(ROOT, f), 'utf8').split('\n');
      lines.forEach((l, i) => {
        if ([...l].length > MAX) long.push(`${f}:${i + 1} (${[...l].length} columns)`);
      });
    }
    expect(long).toEqual([]);
  });
});
