/**
 * Issue 14.3 and 10.8: replay runs against the design as it is. The trace's named config is taken
 * from the design now; recorded values that differ are a divergence (exit 1), values of the wrong type
 * or out of bounds are bad input (exit 2); the design must still expect the violation. The digest is
 * of the model's behaviour along the trace, so an unchanged model reports no drift, and `resave`
 * refreshes a trace (rewrites it when it still violates, keeps and reports one that no longer does).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COUNTEREXAMPLES_DIR, registry } from '../../src/registry.ts';
import { listTraces } from '../../src/counterexample/store.ts';
import { readTrace } from '../../src/counterexample/load.ts';
import { replayFile } from '../../src/counterexample/replay.ts';
import { traceDigest } from '../../src/counterexample/digest.ts';
import { hashTree, run } from './helpers.ts';

const tmp = mkdtempSync(join(tmpdir(), 'fencecheck-replay-design-'));
let before = '';
beforeAll(() => {
  before = hashTree();
});
afterAll(() => {
  expect(hashTree()).toBe(before); // counterexamples/ untouched
  rmSync(tmp, { recursive: true, force: true });
});

const noTdr = () =>
  join(COUNTEREXAMPLES_DIR, listTraces().find((f) => f.startsWith('single-fifo-no-tdr/finite-time'))!);
const rwUmf = () => join(COUNTEREXAMPLES_DIR, listTraces().find((f) => f.startsWith('rw-umf-a/'))!);
function variant(from: string, name: string, edit: (j: any) => void): string {
  const j = JSON.parse(readFileSync(from, 'utf8'));
  edit(j);
  const f = join(tmp, name);
  writeFileSync(f, JSON.stringify(j));
  return f;
}

describe('replay under the current config', () => {
  test('recorded values that differ from the current config: a divergence, exit 1, naming the difference', async () => {
    const f = variant(noTdr(), 'tdr.itf.json', (j) => {
      j['#meta'].configValues.tdr = true;
    });
    const r = await run('replay', f);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^FAIL .*diverged: config 'small' differs from the recorded values \(tdr: true -> false\)/m);
    // and it ran under the current config, where the violation still reproduces
    expect(r.out).toMatch(/under the current design: reproduced/);
  });
  test('a trace relabelled to a design that expects holds: fails saying both expectations', async () => {
    const f = variant(noTdr(), 'relabel.itf.json', (j) => {
      j['#meta'].design = 'single-fifo-implicit';
      // the same config shape: single-fifo-implicit also has a budget of wrong timeouts (no-tdr has none)
      j['#meta'].configValues.timeouts = 1;
    });
    const r = await run('replay', f);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(
      /design 'single-fifo-implicit' now expects 'holds' for 'finite-time'; when saved it expected 'violates'/,
    );
  });
  test('a config that explodes (P: 200000) is rejected before anything runs: exit 2, fast', async () => {
    const f = variant(rwUmf(), 'explode.itf.json', (j) => {
      j['#meta'].configValues.P = 200000;
    });
    const t0 = Date.now();
    const r = await run('replay', f);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/'configValues.P' is 200000, out of bounds/);
    // a hang guard, not a speed target: expanding P = 200000 processes would not end at all
    expect(Date.now() - t0).toBeLessThan(30_000);
    const e = await run('explain', f);
    expect(e.code).toBe(2);
    expect(e.err).toBe(r.err);
  });
  test('wrong-typed and unknown config values: exit 2', async () => {
    for (const [name, edit, msg] of [
      [
        'type',
        (j: any) => {
          j['#meta'].configValues.tdr = 'yes';
        },
        /'configValues.tdr' is string where the design's config has boolean/,
      ],
      [
        'unknown',
        (j: any) => {
          j['#meta'].configValues.turbo = 1;
        },
        /'configValues.turbo' is not a field/,
      ],
      [
        'missing',
        (j: any) => {
          delete j['#meta'].configValues.jobs;
        },
        /'configValues.jobs' is missing/,
      ],
      [
        'float',
        (j: any) => {
          j['#meta'].configValues.jobs = 1.5;
        },
        /not an integer/,
      ],
    ] as const) {
      const r = await run('replay', variant(noTdr(), `${name}.itf.json`, edit));
      expect(r.code, name).toBe(2);
      expect(r.err, name).toMatch(msg);
    }
  });
});

describe('saved traces stay honest (issue 10.8)', () => {
  test('the digest hashes behaviour, not source: the same design as another object gives the same digest', async () => {
    const { designs } = await registry();
    const t = readTrace(noTdr());
    const d = designs.get(t.meta.design)!;
    const cfg = d.configs[t.meta.config];
    const copy = { ...d, summary: 'reworded', steps: { ...d.steps } };
    expect(traceDigest(copy, cfg, t.meta.property, t.meta.actions)).toBe(
      traceDigest(d, cfg, t.meta.property, t.meta.actions),
    );
    // and it does see behaviour: another config changes it
    expect(traceDigest(d, { ...cfg, tdr: true }, t.meta.property, t.meta.actions)).not.toBe(
      traceDigest(d, cfg, t.meta.property, t.meta.actions),
    );
  });
  test(
    'resave on copies: every trace rewritten or current; then replay reports no drift; resave again is a ' + 'no-op',
    async () => {
      const dir = join(tmp, 'store');
      cpSync(COUNTEREXAMPLES_DIR, dir, { recursive: true });
      const files = listTraces(dir).map((f) => join(dir, f));
      const r = await run('resave', ...files);
      expect(r.code, r.out).toBe(0);
      expect(r.out.trim().split('\n')).toHaveLength(files.length);
      expect(r.out).not.toMatch(/NO LONGER|BAD INPUT/);
      for (const f of files) {
        const p = await replayFile(f);
        expect(p.ok, `${f}: ${p.message}`).toBe(true);
        expect(p.digestChanged, f).toBe(false);
        expect(p.driftAt, f).toBe(-1);
      }
      const again = await run('resave', ...files);
      expect(again.code).toBe(0);
      expect(
        again.out
          .split('\n')
          .filter(Boolean)
          .every((l) => l.startsWith('current')),
      ).toBe(true);
    },
  );
  test('a trace that no longer violates is reported and kept, byte for byte; exit 1', async () => {
    const f = variant(noTdr(), 'fixed.itf.json', (j) => {
      j['#meta'].actions.pop();
      j.states.pop();
    });
    const text = readFileSync(f, 'utf8');
    const r = await run('resave', f);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^NO LONGER .*no longer violates 'finite-time'.*kept/m);
    expect(readFileSync(f, 'utf8')).toBe(text);
  });
});
