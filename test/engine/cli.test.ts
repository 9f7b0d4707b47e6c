/**
 * Bad input gets one clear line and a non-zero exit, and never touches saved traces; replay says where
 * and why a trace diverges; the store never overwrites.
 */
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listTraces, saveTrace } from '../../src/counterexample/store.ts';
import { decodeTrace, encodeTrace } from '../../src/counterexample/itf.ts';
import { run } from '../cli/helpers.ts';
import { COUNTEREXAMPLES_DIR } from '../../src/registry.ts';

const tmp = mkdtempSync(join(tmpdir(), 'fencecheck-'));
const noTdr = () =>
  join(COUNTEREXAMPLES_DIR, listTraces().find((f) => f.startsWith('single-fifo-no-tdr/finite-time'))!);

function variant(name: string, edit: (j: any) => unknown): string {
  const j = JSON.parse(readFileSync(noTdr(), 'utf8'));
  const f = join(tmp, name);
  const r = edit(j);
  writeFileSync(f, typeof r === 'string' ? r : JSON.stringify(r ?? j));
  return f;
}

let snapshot: Map<string, string>;
beforeAll(() => {
  snapshot = new Map(listTraces().map((f) => [f, readFileSync(join(COUNTEREXAMPLES_DIR, f), 'utf8')]));
});
afterEach(() => {
  // no saved trace was touched by any of these commands
  for (const [f, text] of snapshot) expect(readFileSync(join(COUNTEREXAMPLES_DIR, f), 'utf8')).toBe(text);
});

describe('replay', () => {
  test('a saved trace reproduces: exit 0', async () => {
    const r = await run('replay', noTdr());
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ok .*reproduced: published fences never signal/m);
  });
  test('malformed JSON: one line naming the file, exit 2', async () => {
    const f = variant('bad.itf.json', () => '{"vars": [');
    const r = await run('replay', f);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(new RegExp(`^fencecheck: ${f}: not valid JSON`));
  });
  test('truncated trace (a state missing): exit 2, says truncated', async () => {
    const f = variant('trunc.itf.json', (j) => {
      j.states.pop();
    });
    const r = await run('replay', f);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/states for 3 actions .*truncated\?/);
  });
  test('wrong-typed fields: exit 2', async () => {
    const f = variant('typed.itf.json', (j) => {
      j['#meta'].actions = 'DRM_IOCTL_CS';
    });
    const r = await run('replay', f);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/'#meta.actions' must be an array/);
  });
  test('an unknown action: exit 2 naming it', async () => {
    const f = variant('action.itf.json', (j) => {
      j['#meta'].actions[1].step = 'drm_sched_run_jobs';
      j.states[2]['mbt::actionTaken'] = 'drm_sched_run_jobs';
    });
    const r = await run('replay', f);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/step 2 names unknown action 'drm_sched_run_jobs'/);
  });
  test('an unknown design: exit 2', async () => {
    const f = variant('design.itf.json', (j) => {
      j['#meta'].design = 'single-fifo-renamed';
    });
    const r = await run('replay', f);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown design 'single-fifo-renamed' \(renamed or removed\?\)/);
  });
  test('an action that is no longer enabled: exit 1 with the step', async () => {
    const f = variant('disabled.itf.json', (j) => {
      j['#meta'].actions[1].args = ['sched0', 'proc1.ctx'];
      j.states[2]['mbt::nondetPicks'].arg1.value = 'proc1.ctx';
    });
    const r = await run('replay', f);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/FAIL .*step 2: drm_sched_run_job\(sched0, proc0.ctx\) is not enabled; enabled: /);
  });
  test('an outcome that changed: exit 1', async () => {
    const f = variant('fixed.itf.json', (j) => {
      j['#meta'].actions.pop();
      j.states.pop();
    });
    const r = await run('replay', f);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/outcome changed: 'finite-time' holds at the end of the 2-step trace/);
  });
  test('a missing file: exit 2', async () => {
    const r = await run('replay', join(tmp, 'nope.itf.json'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/cannot read: ENOENT/);
  });
});

describe('check and list', () => {
  test('unknown design, unknown property, bad flag value, unknown flag: exit 2, one line', async () => {
    for (const argv of [
      ['check', '--design', 'nope'],
      ['check', '--property', 'nope'],
      ['check', '--runs', 'many'],
      ['check', '--frobnicate'],
      ['check', '--engine', 'dfs'],
    ]) {
      const r = await run(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err.trim().split('\n'), argv.join(' ')).toHaveLength(1);
    }
  });
  test('check --json prints one object with the documented cell fields', async () => {
    const r = await run(
      'check',
      '--design',
      'single-fifo-no-tdr',
      '--property',
      'finite-time',
      '--engine',
      'exhaustive',
      '--json',
    );
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.ok).toBe(true);
    expect(Object.keys(j.cells[0])).toEqual(
      expect.arrayContaining([
        'design',
        'property',
        'expected',
        'observed',
        'engine',
        'runs',
        'states',
        'steps',
        'ms',
        'trace',
      ]),
    );
    expect(j.cells[0].observed).toBe('violates');
    expect(r.err).toBe('');
  });
  test('list --json names designs and properties', async () => {
    const r = await run('list', '--json');
    const j = JSON.parse(r.out);
    expect(j.designs.map((d: any) => d.name)).toContain('single-fifo-no-tdr');
    expect(j.properties.map((p: any) => p.name)).toEqual(
      expect.arrayContaining(['one-shot', 'acyclic-waits', 'finite-time']),
    );
  });
});

describe('store and format', () => {
  test('the same trace saves to the same name and never overwrites; another trace gets another file', () => {
    const t = decodeTrace(JSON.parse(readFileSync(noTdr(), 'utf8')));
    const dir = mkdtempSync(join(tmpdir(), 'fencecheck-store-'));
    const a = saveTrace(t, dir);
    const b = saveTrace({ ...t, meta: { ...t.meta, seed: 999 } }, dir);
    expect(a.written).toBe(true);
    expect(b.written).toBe(false);
    expect(b.path).toBe(a.path);
    const c = saveTrace(
      { ...t, meta: { ...t.meta, actions: t.meta.actions.slice(0, 2) }, states: t.states.slice(0, 3) },
      dir,
    );
    expect(c.path).not.toBe(a.path);
    expect(readdirSync(join(dir, 'single-fifo-no-tdr')).sort()).toHaveLength(2);
  });
  test('encode/decode round-trips a saved trace', () => {
    const t = decodeTrace(JSON.parse(readFileSync(noTdr(), 'utf8')));
    expect(decodeTrace(JSON.parse(JSON.stringify(encodeTrace(t))))).toEqual(t);
  });
});
