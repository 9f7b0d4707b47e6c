/**
 * `fencecheck explain` on every saved trace: non-empty, names the property, one row per action (and
 * one per drain step), the offending objects, the replay command last; an acyclic-waits trace draws its
 * cycle edge by edge with the step that closed it. Bad input: one line, exit 2, the file untouched.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, statSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listTraces } from '../../src/counterexample/store.ts';
import { loadTraceFile } from '../../src/counterexample/replay.ts';
import { COUNTEREXAMPLES_DIR } from '../../src/registry.ts';
import { explainFile, renderExplain, fit as fitWidth, columnWidth } from '../../src/report/explain.ts';
import { traceView, actorColumns, effects, type Row } from '../../src/report/trace-view.ts';
import { toTraceFile } from '../../src/api.ts';
import acyclic from '../../properties/acyclic-waits.ts';
import { run } from '../cli/helpers.ts';
import { toy } from '../engine/toy.ts';

const files = listTraces();
const tmp = mkdtempSync(join(tmpdir(), 'fencecheck-explain-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The rows of the timeline grid: lines that start with a step number ('   3 |', '  d2 |'). */
const rowsOf = (text: string, drain = false) =>
  text.split('\n').filter((l) => (drain ? /^\s*d\d+ \|/ : /^\s*\d+ \|/).test(l));

describe('explain on every saved trace', () => {
  test('there are saved traces', () => expect(files.length).toBeGreaterThan(0));
  test.each(files)('%s', async (f) => {
    const path = join(COUNTEREXAMPLES_DIR, f);
    const t = loadTraceFile(path);
    const text = await explainFile(path);
    expect(text.trim().length).toBeGreaterThan(0);
    expect(text).toContain(`VIOLATED  ${t.meta.property}:`);
    expect(text.split('\n')[0]).toContain(`${t.meta.design} / ${t.meta.property}`);
    // one row per action, numbered 1..n, each naming its step
    const rows = rowsOf(text);
    expect(rows).toHaveLength(t.meta.actions.length);
    rows.forEach((r, i) => {
      expect(r).toMatch(new RegExp(`^\\s*${i + 1} \\|`));
      expect(r).toContain(t.meta.actions[i].step.slice(0, Math.min(t.meta.actions[i].step.length, 10)));
    });
    if (t.meta.drain) {
      expect(text).toMatch(/---- drain: userspace stops/);
      expect(rowsOf(text, true)).toHaveLength(t.meta.drain.length);
    }
    if (t.meta.property === 'acyclic-waits') {
      expect(text).toMatch(/the wait-for cycle, edge by edge .*closed by step \d+/s);
      expect(text).toContain('(back to the start: a cycle)');
    }
    // ends with the exact replay command
    // (past the width, the command continues on the next line with a shell continuation)
    const last = text
      .trimEnd()
      .replace(/ \\\n {2}/, ' ')
      .split('\n')
      .pop()!;
    expect(last).toMatch(/^replay: +npx fencecheck replay \S+\.itf\.json$/);
    expect(last.endsWith(f)).toBe(true);
    // fixed width: <= 100 columns when the actors fit (at most 6 columns of 12)
    const actors =
      text
        .split('\n')
        .find((l) => l.startsWith(' step |'))!
        .split('|').length - 1;
    // (the replay command is exempt: it must stay exact, whatever the path's length)
    if (actors <= 6)
      for (const l of text.split('\n').filter((x) => !x.startsWith('replay: ') && x !== `  counterexamples/${f}`))
        expect(l.length, l).toBeLessThanOrEqual(100);
    // plain ASCII, so it pastes into any mail client
    expect(text).toMatch(/^[\x20-\x7e\n]*$/);
  });
});

describe('explain: the no-TDR trace reads as the design argument', () => {
  const f = files.find((x) => x.startsWith('single-fifo-no-tdr/finite-time'));
  test('columns per actor, the stuck fence and what it waits on', async () => {
    expect(f, 'the saved single-fifo-no-tdr finite-time trace is missing').toBeDefined();
    const text = await explainFile(join(COUNTEREXAMPLES_DIR, f!));
    const head = text.split('\n').find((l) => l.startsWith(' step |'))!;
    expect(
      head
        .split('|')
        .map((s) => s.trim())
        .slice(1),
    ).toEqual(['proc0', 'sched0', 'gpu0']);
    expect(text).toMatch(/^\s+3 \|\s+\|\s+\| gpu_ring_hang/m);
    expect(text).toMatch(/the drain took no step/);
    expect(text).toMatch(/^ {2}proc0\.j0\.finished +dma_fence unsignaled: seqno 1 on context 2/m);
    expect(text).toMatch(/waits on proc0\.j0\.hw/);
  });
});

describe('explain: an acyclic-waits counterexample draws the cycle', () => {
  test('the toy cycle: both edges, the closing step marked', async () => {
    const cfg = { ...toy.configs.small, cycle: true };
    const d = {
      ...toy,
      configs: { small: cfg },
      expect: { 'acyclic-waits': { verdict: 'violates' as const, why: 'toy' } },
    };
    const actions = [
      ['toy_publish', ['f0']],
      ['toy_publish', ['f1']],
      ['toy_wait', ['f0', 'f1']],
      ['toy_wait', ['f1', 'f0']],
    ].map(([step, args]) => ({
      step: step as string,
      args: args as string[],
      label: `${step}(${(args as string[]).join(', ')})`,
    }));
    const t = toTraceFile(
      d,
      'small',
      cfg,
      { property: 'acyclic-waits', message: 'wait-for cycle: f0 -> f1; f1 -> f0', actions },
      'exhaustive',
      null,
      null,
    );
    const v = await traceView(join(tmp, 'toy.itf.json'), t, {
      designs: new Map([['toy', d]]),
      properties: new Map([['acyclic-waits', acyclic]]),
    });
    expect(v.cycle?.edges.map((e) => [e[0], e[1]])).toEqual([
      ['f0', 'f1'],
      ['f1', 'f0'],
    ]);
    expect(v.cycle?.added).toEqual([1]); // the last step added f1 -> f0
    const text = renderExplain(v);
    expect(text).toMatch(/closed by step 4: toy_wait\(f1, f0\) \(user\)/);
    expect(text).toMatch(
      new RegExp(
        '^ {4}f0\\n {6}waits on -> f1\\n {19}because w0 waits on f1\\n' +
          ' {6}waits on -> f0 {3}\\(back to the start: a cycle\\) {2}<== added by the last step$',
        'm',
      ),
    );
    expect(rowsOf(text)).toHaveLength(4);
  });
});

describe('explain: layout helpers', () => {
  test('fit cuts with ".." and never exceeds the width', () => {
    expect(fitWidth('drm_sched_run_job(proc0.ctx)', 10)).toBe('drm_sche..');
    expect(fitWidth('short', 10)).toBe('short');
  });
  test('columns shrink with more actors but stay readable', () => {
    expect(columnWidth(3, 100)).toBe(28);
    expect(columnWidth(6, 100)).toBe(12);
    // --width wins over readability: 12 actors get 6 columns each, and 5 actors fit in 72
    expect(columnWidth(12, 100)).toBe(6);
    expect(5 + 5 * (3 + columnWidth(5, 72))).toBeLessThanOrEqual(72);
  });
  test('actor columns: users, then kernel, then gpu; proc2 before proc10', () => {
    const r = (actor: string, role: Row['role']): Row => ({
      n: '1',
      actor,
      role,
      step: 's',
      args: [],
      label: 's',
      short: 's',
      effects: [],
    });
    expect(
      actorColumns([
        r('gpu0', 'gpu'),
        r('proc10', 'user'),
        r('sched0', 'kernel'),
        r('proc2', 'user'),
        r('gpu0', 'fault'),
      ]).map((a) => a.name),
    ).toEqual(['proc2', 'proc10', 'sched0', 'gpu0']);
  });
  test('effects: signals first, then state changes, then new objects', () => {
    const f = (value: string, error = 0) => ({
      kind: 'dma_fence',
      value,
      context: { seqno: 1, context: 1, signaller: 'kernel', error, published: true },
    });
    const e = effects(
      { a: f('unsignaled'), j: { kind: 'drm_sched_job', value: 'queued', context: {} } },
      {
        a: f('signaled', -62),
        j: { kind: 'drm_sched_job', value: 'running', context: {} },
        n: { kind: 'x', value: 'idle', context: {} },
      },
    );
    expect(e).toEqual(['a signals with -ETIME', 'j: queued -> running', 'new n (idle)']);
  });
});

describe('explain: bad input gives one line and exit 2, and never touches the file', () => {
  const good = files[0] ? readFileSync(join(COUNTEREXAMPLES_DIR, files[0]), 'utf8') : '{}';
  const cases: [string, string, RegExp][] = [
    ['truncated JSON', good.slice(0, Math.floor(good.length / 2)), /not valid JSON: .*truncated\?/],
    ['not JSON at all', 'hello\n', /not valid JSON/],
    [
      'a state missing',
      (() => {
        const j = JSON.parse(good);
        j.states.pop();
        return JSON.stringify(j);
      })(),
      /truncated\?/,
    ],
    [
      'no #meta',
      (() => {
        const j = JSON.parse(good);
        delete j['#meta'];
        return JSON.stringify(j);
      })(),
      /no '#meta' object/,
    ],
    [
      'vars not strings',
      (() => {
        const j = JSON.parse(good);
        j.vars = [1];
        return JSON.stringify(j);
      })(),
      /'vars' must be an array of strings/,
    ],
  ];
  test.each(cases)('%s', async (name, content, msg) => {
    const f = join(tmp, `${name.replace(/\W+/g, '-')}.itf.json`);
    writeFileSync(f, content);
    const before = statSync(f);
    const r = await run('explain', f);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(new RegExp(`^fencecheck: ${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
    expect(r.err).toMatch(msg);
    const after = statSync(f);
    expect(readFileSync(f, 'utf8')).toBe(content);
    expect(after.mtimeMs).toBe(before.mtimeMs);
  });
  test('a missing file: exit 2', async () => {
    const r = await run('explain', join(tmp, 'nope.itf.json'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/cannot read: ENOENT/);
  });
  test('a good file: exit 0, the timeline on stdout', async () => {
    const r = await run('explain', join(COUNTEREXAMPLES_DIR, files[0]));
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).toMatch(/^replay: +npx fencecheck replay /m);
  });
});

describe('explain reads like a mailing-list post (issue 15.3)', () => {
  test.each([60, 72])('--width %i is honoured on every line of every saved trace (a path is never cut)', async (w) => {
    for (const f of listTraces()) {
      const text = await explainFile(join(COUNTEREXAMPLES_DIR, f), { width: w });
      const long = text.split('\n').filter((l) => l.length > w && l.trim() !== f.replace(/^/, 'counterexamples/'));
      expect(long, f).toEqual(long.filter((l) => /^\s+counterexamples\//.test(l)));
    }
  });
  test('too many actors for a column each: a row per step names its actor, and no step name is cut', async () => {
    const f = listTraces().find((t) => t.startsWith('io-uring-kthread-per-fd/innocent-context-survives.'))!;
    const t = loadTraceFile(join(COUNTEREXAMPLES_DIR, f));
    const text = await explainFile(join(COUNTEREXAMPLES_DIR, f), { width: 100 });
    expect(text).toMatch(/^actors: proc0 \(user\), proc1 \(user\), sched0 \(kernel\)/m);
    expect(text).toMatch(/^ step \| actor +\| action$/m);
    // the first step, whole, beside its actor
    expect(text).toMatch(new RegExp(`^ +1 \\| proc0 +\\| ${t.meta.actions[0].step}`, 'm'));
    // four actors fit at 100 columns: the grid stays
    const few = listTraces().find((x) => x.startsWith('single-fifo-no-tdr/finite-time.'))!;
    expect(await explainFile(join(COUNTEREXAMPLES_DIR, few), { width: 100 })).toMatch(/^ step \| proc0 /m);
  });
  test('a cycle that blocks several fences is printed once', async () => {
    const f = listTraces().find((t) => t.startsWith('umf-wrapped/finite-time.'))!;
    const text = await explainFile(join(COUNTEREXAMPLES_DIR, f), { width: 100 });
    expect(text).toMatch(/they wait on one cycle \(6 edges\), which blocks 5 of them/);
    expect(text.match(/waits on -> /g)).toHaveLength(6);
    expect(text.match(/is on the cycle above/g)?.length).toBe(5);
  });
});
