/**
 * no-starvation (issue 10's trial change): a monitor with a count per entity. Violated where the
 * scheduler may choose any ready entity (single-fifo-implicit over-approximates every policy), holding
 * where selection is round robin (single-fifo-rr: the kernel's drm_sched_rq_select_entity_rr). The
 * variants, at a scope where a pass can happen, are built here and run through src/api.ts.
 */
import { describe, expect, test } from 'vitest';
import singleFifo, { type SingleFifoConfig } from '../../models/designs/single-fifo-implicit.ts';
import singleFifoRr from '../../models/designs/single-fifo-rr.ts';
import type { Design } from '../../models/design.ts';
import { checkDesigns } from '../../src/api.ts';

// Two clients; client 1 has three jobs that touch no BO client 0's first job writes, so once proc0.j0 is
// ready proc1 can keep the scheduler busy. No hangs; three credits, so no GPU step is needed in between.
type Cfg = SingleFifoConfig & { starvationBound?: number };
const starve: Cfg = { processes: 2, jobs: 3, bos: 5, maxHangs: 0, tdr: true, creditLimit: 3 };

function variant(name: string, base: Design<Cfg>, cfg: Cfg, verdict: 'holds' | 'violates', depth = 40): Design<Cfg> {
  return {
    ...base,
    name,
    configs: { ...base.configs, starve: cfg },
    bounds: {
      exhaustive: { config: 'starve', depth, maxStates: 200_000 },
      random: { config: 'starve', depth: 40, runs: 300 },
    },
    expect: { ...base.expect, 'no-starvation': { verdict, why: 'test' } },
  };
}

describe('no-starvation', () => {
  test('violated on single-fifo-implicit (any ready entity may run): the shortest trace', async () => {
    const r = await checkDesigns({ properties: ['no-starvation'], engine: 'exhaustive', metrics: false }, [
      variant('single-fifo-implicit', singleFifo, starve, 'violates'),
    ]);
    const c = r.cells[0];
    expect(c.observed).toBe('violates');
    expect(c.message).toBe(
      'proc0.ctx starves: its ready job proc0.j0 was passed over 2 times in a row (bound 1), ' +
        'last by drm_sched_run_job(sched0, proc1.ctx)',
    );
    expect(c.bound).toBe('7-step trace');
    // stateful monitor: symmetry and POR are off and say why
    expect(r.exhaustive[0].reductions.por).toMatch(/^off \(a stateful monitor/);
  });
  test('the BFS trace is shortest: nothing within 6 steps', async () => {
    const r = await checkDesigns({ properties: ['no-starvation'], engine: 'exhaustive', metrics: false }, [
      variant('single-fifo-implicit', singleFifo, starve, 'holds', 6),
    ]);
    expect(r.cells[0].observed).toBe('holds');
    expect(r.cells[0].bound).toMatch(/stopped by the depth bound 6/);
  });
  test('the random explorer finds it too, and minimizes it', async () => {
    const r = await checkDesigns({ properties: ['no-starvation'], engine: 'random', seed: 1, metrics: false }, [
      variant('single-fifo-implicit', singleFifo, starve, 'violates'),
    ]);
    expect(r.cells[0].observed).toBe('violates');
    expect(r.cells[0].message).toMatch(/starves: its ready job .* was passed over 2 times in a row \(bound 1\)/);
  });
  test('the config key starvationBound sets K: K = 0 is broken by the first pass', async () => {
    const r = await checkDesigns({ properties: ['no-starvation'], engine: 'exhaustive', metrics: false }, [
      variant('single-fifo-implicit', singleFifo, { ...starve, starvationBound: 0 }, 'violates'),
    ]);
    expect(r.cells[0].message).toMatch(/passed over 1 time in a row \(bound 0\)/);
    expect(r.cells[0].bound).toBe('5-step trace');
  });
  test('holds where selection is round robin, over every reachable state', async () => {
    const r = await checkDesigns({ properties: ['no-starvation'], engine: 'exhaustive', metrics: false }, [
      variant('single-fifo-rr-test', singleFifoRr, starve, 'holds'),
    ]);
    expect(r.ok).toBe(true);
    expect(r.cells[0].bound).toMatch(/^all \d+ reachable states \(world and monitor states\) of config 'starve'$/);
  });
});
