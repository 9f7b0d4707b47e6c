/**
 * `fencecheck report` writes a Markdown file whose Mermaid blocks Mermaid's own parser accepts (see
 * mermaid-parse.ts: mermaid 11 under happy-dom), with the verdict matrix, every violation linked to a
 * trace file that exists and drawn as a sequence diagram, and one generated state diagram per machine.
 */
import noTdr from '../../models/designs/single-fifo-no-tdr.ts';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setup } from 'xstate';
import { main } from '../../src/cli/main.ts';
import { discoverMachines } from '../../src/report/machines.ts';
import { stateDiagram, sequenceDiagram, text, guardText } from '../../src/report/mermaid.ts';
import { evaluateMetrics, metricDoc, mulberry32 } from '../../src/report/metrics.ts';
import { loadTraceView } from '../../src/report/trace-view.ts';
import { listTraces } from '../../src/counterexample/store.ts';
import { COUNTEREXAMPLES_DIR } from '../../src/registry.ts';
import { dmaFenceMachine } from '../../models/dma-buf/dma-fence.ts';
import { and, not } from 'xstate';
import { mermaidBlocks, mermaidError } from './mermaid-parse.ts';
import { toy } from '../engine/toy.ts';

const out = mkdtempSync(join(tmpdir(), 'fencecheck-report-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

async function run(...argv: string[]) {
  let o = '',
    e = '';
  const so = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    o += String(s);
    return true;
  });
  const se = vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
    e += String(s);
    return true;
  });
  const log = vi.spyOn(console, 'log').mockImplementation((...a) => {
    o += a.join(' ') + '\n';
  });
  process.exitCode = 0;
  try {
    return { code: await main(argv), out: o, err: e };
  } finally {
    so.mockRestore();
    se.mockRestore();
    log.mockRestore();
    process.exitCode = 0;
  }
}

describe('the Mermaid check itself', () => {
  test("Mermaid's parser runs under Node and rejects a broken diagram", async () => {
    expect(await mermaidError('sequenceDiagram\n    participant a\n    a->>a: ok')).toBeNull();
    expect(await mermaidError('stateDiagram-v2\n    [*] --> a\n    a --> b : EV')).toBeNull();
    expect(await mermaidError('sequenceDiagram\n    a->>>>: x')).toMatch(/Parse error/);
    expect(await mermaidError('stateDiagram-v2\n    state x {\n    a --> b')).toMatch(/Parse error/);
    // the characters text() escapes really do break an unescaped label
    expect(await mermaidError('sequenceDiagram\n    participant a\n    a->>a: x ; y')).toMatch(/Parse error/);
    expect(await mermaidError(`sequenceDiagram\n    participant a\n    a->>a: ${text('x ; y: #z <w>')}`)).toBeNull();
  });
});

describe('fencecheck report', () => {
  let md = '';
  let r: Awaited<ReturnType<typeof run>>;
  beforeAll(async () => {
    r = await run(
      'report',
      '--design',
      'single-fifo-no-tdr',
      '--engine',
      'exhaustive',
      '--out',
      out,
      '--metric-runs',
      '2',
      '--quiet',
    );
    md = readFileSync(join(out, 'report.md'), 'utf8');
  });

  test('exit 0 and one line naming the file', () => {
    expect(r.code).toBe(0);
    const n = Object.keys(noTdr.expect).length;
    const violations = Object.values(noTdr.expect).filter((e) => e.verdict === 'violates').length;
    expect(r.out).toMatch(
      new RegExp(
        `^wrote .*report\\.md: ${n} verdicts \\(all as expected\\), ${violations} counterexamples, \\d+ machines`,
      ),
    );
    expect(r.err).toBe('');
  });
  test('the verdict matrix: one row per design x property, with the bound', () => {
    const rows = md.split('\n').filter((l) => l.startsWith('| single-fifo-no-tdr |'));
    expect(rows.map((l) => l.split('|')[2].trim()).sort()).toEqual(Object.keys(noTdr.expect).sort());
    const ft = rows.find((l) => l.includes('| finite-time |'))!;
    expect(ft).toMatch(/\| violates \| violates \| ok \| exhaustive \| \d+ states \| \d+ ms \| 3-step trace \|/);
    const holds = rows.filter((x) => /\| holds \| holds \|/.test(x));
    expect(holds.length).toBe(Object.values(noTdr.expect).filter((e) => e.verdict === 'holds').length);
    for (const l of holds) expect(l).toMatch(/all \d+ reachable states of config 'small'/);
  });
  test('every violation links to a trace file that exists and has a sequence diagram', () => {
    const links = [...md.matchAll(/\]\(([^)]+\.itf\.json)\)/g)].map((m) => m[1]);
    expect(links.length).toBeGreaterThan(0);
    for (const l of links) expect(existsSync(resolve(out, l)), l).toBe(true);
    expect(md).toMatch(/### single-fifo-no-tdr \/ finite-time\n\nExpected: published fences never signal/);
    expect(md).toMatch(
      new RegExp(
        '```mermaid\\nsequenceDiagram\\n {4}participant proc0 as proc0 \\(user\\)\\n' +
          ' {4}participant sched0 as sched0 \\(kernel\\)\\n {4}participant gpu0 as gpu0 \\(gpu\\)',
      ),
    );
    expect(md).toMatch(
      /Replay: `npx fencecheck replay counterexamples\/single-fifo-no-tdr\/finite-time\.\w+\.itf\.json`/,
    );
  });
  test('one generated state diagram per machine in models/', async () => {
    const machines = await discoverMachines();
    expect(machines.map((m) => m.id)).toEqual(
      expect.arrayContaining(['dma_fence', 'dma_resv', 'drm_sched_job', 'gpu_ring']),
    );
    for (const m of machines) expect(md).toContain(`### ${m.id}\n\n\`${m.exportName}\` in [\`${m.file}\`]`);
    expect(md.match(/```mermaid\nstateDiagram-v2\n/g)).toHaveLength(machines.length);
  });
  test("every Mermaid block passes Mermaid's parser", async () => {
    const blocks = mermaidBlocks(md);
    expect(blocks.length).toBeGreaterThan(3);
    const errors: string[] = [];
    for (const b of blocks) {
      const e = await mermaidError(b);
      if (e) errors.push(`${e}\n--- in ---\n${b.slice(0, 400)}`);
    }
    expect(errors).toEqual([]);
  });
});

describe('diagrams', () => {
  test('state diagrams come from the xstate definition: states, guarded transitions, rule ids', () => {
    const s = stateDiagram(dmaFenceMachine);
    expect(s).toMatch(/^stateDiagram-v2\n {4}\[\*\] --> unsignaled\n/);
    expect(s).toContain('unsignaled --> signaled : DMA_FENCE_SIGNAL / R4 - one-shot');
    // self-loops are listed beside their state, not drawn (their labels would overlap)
    expect(s).not.toMatch(/unsignaled --> unsignaled/);
    // the note block's lines, read without a nested-quantifier regex (that one backtracked for 80 s)
    const note = s.slice(
      s.indexOf('note right of unsignaled\n'),
      s.indexOf('end note', s.indexOf('note right of unsignaled')),
    );
    expect(note.split('\n').map((l) => l.trim())).toContain(
      'stays - DMA_FENCE_REMOVE_CALLBACK [callback queued] / R11',
    );
    expect(s).toContain('state "signaled (signaled)" as signaled');
  });
  test('a machine with nested states, root transitions and combined guards parses', async () => {
    const m = setup({ guards: { a: () => true, b: () => false } }).createMachine({
      id: 'nested',
      initial: 'idle',
      on: { RESET: { target: '.idle', description: 'R1: back to idle' } },
      states: {
        idle: { on: { GO: { target: 'busy', guard: and(['a', not('b')]) } } },
        busy: { initial: 'one', states: { one: { on: { NEXT: 'two' } }, two: { type: 'final' } }, onDone: 'end' },
        end: { type: 'final' },
      },
    });
    const s = stateDiagram(m);
    expect(s).toContain('idle --> busy : GO [and(a, not(b))]');
    expect(s).toContain('state busy {');
    expect(s).toContain('busy__one --> busy__two : NEXT');
    expect(s).toMatch(/in any state - RESET \/ R1 - back to idle \(to idle\)/);
    expect(await mermaidError(s)).toBeNull();
    expect(guardText('x')).toBe('x');
  });
  test('arrows go between actors: the scheduler that runs a job points at the ring it runs on', async () => {
    const f = listTraces().find((t) => t.startsWith('single-fifo-no-tdr/finite-time.'))!;
    const s = sequenceDiagram(await loadTraceView(join(COUNTEREXAMPLES_DIR, f)));
    expect(s).toMatch(/sched0->>gpu0: 2\. drm_sched_run_job/);
  });
  test.each(listTraces())('sequence diagram of %s parses', async (f) => {
    const v = await loadTraceView(join(COUNTEREXAMPLES_DIR, f));
    const s = sequenceDiagram(v);
    // one arrow per step at least, to the actors owning what it changed (two at most per step)
    const arrows = s.split('\n').filter((l) => /->>/.test(l));
    const steps = v.rows.length + (v.drain?.rows.length ?? 0);
    expect(arrows.length).toBeGreaterThanOrEqual(steps);
    expect(arrows.length).toBeLessThanOrEqual(2 * steps);

    expect(await mermaidError(s)).toBeNull();
  });
});

describe('design numbers', () => {
  test('metrics are deterministic: the fair run and seeded random runs give the same numbers twice', () => {
    const d = {
      ...toy,
      metrics: { 'signaled fences': (w: any) => Object.values(w.o).filter((s: any) => s.hasTag?.('signaled')).length },
    };
    const a = evaluateMetrics(d, { runs: 5, seed: 3 });
    const b = evaluateMetrics(d, { runs: 5, seed: 3 });
    expect(a).toEqual(b);
    expect(a).toHaveLength(1);
    expect(a[0].fair).toBe(3); // the fair run signals every fence of the 'default' config (3 fences)
    expect(a[0].random!.runs).toBe(5);
    expect(a[0].random!.min).toBeLessThanOrEqual(a[0].random!.max);
    expect(a[0].doc).toMatch(/defined in the design file/);
  });
  test('a design without metrics reports none', () => expect(evaluateMetrics(toy)).toEqual([]));
  test('known metric names carry their meaning', () => {
    expect(metricDoc('over-synchronisation')).toMatch(/waits the design imposes/);
    expect(metricDoc('frame_latency')).toMatch(/submitting a frame and the display showing it/);
  });
  test('the PRNG is the published mulberry32', () => {
    const r = mulberry32(1);
    expect([r(), r()].map((x) => x.toFixed(6))).toEqual(['0.627074', '0.002736']);
  });
});
