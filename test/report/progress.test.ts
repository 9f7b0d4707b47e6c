/** Progress shows what is done, the rate and the time left; --json stays quiet. */
import { describe, expect, test, vi } from 'vitest';
import { Writable } from 'node:stream';
import { progressLine, progressReporter, formatSeconds } from '../../src/cli/progress.ts';
import { main } from '../../src/cli/main.ts';

describe('progress', () => {
  test('random: time left = time per run x runs left', () => {
    const l = progressLine({ design: 'd', engine: 'random', runs: 25, total: 100, steps: 1000 }, 10_000);
    expect(l).toMatchObject({ done: 25, total: 100, unit: 'runs', rate: 3, left: '30 s' });
  });
  test('exhaustive: an upper bound from the state bound; capped by the time budget', () => {
    expect(
      progressLine({ design: 'd', engine: 'exhaustive', states: 1000 }, 2000, { maxStates: () => 10_000 }).left,
    ).toBe('<= 18 s');
    expect(
      progressLine({ design: 'd', engine: 'exhaustive', states: 1000 }, 2000, {
        maxStates: () => 10_000,
        budgetMs: 5000,
      }).left,
    ).toBe('<= 3 s');
    expect(progressLine({ design: 'd', engine: 'exhaustive', states: 1000 }, 2000).left).toBe('?');
  });
  test('seconds read as minutes and hours', () => {
    expect([formatSeconds(5), formatSeconds(200), formatSeconds(7500)]).toEqual(['5 s', '3 min 20 s', '2 h 5 min']);
  });
  test('a plain line on a non-terminal stream, after the quiet period', () => {
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
    const p = progressReporter(true, { stream, now: () => t, quietMs: 1000 });
    p.update({ design: 'd', engine: 'random', runs: 1, total: 10 });
    expect(out).toBe('');
    t = 6000;
    p.update({ design: 'd', engine: 'random', runs: 5, total: 10 });
    p.stop();
    expect(out).toBe('fencecheck: d random: 5/10 runs, 1/s, 6 s spent, left 6 s\n');
  });
  test('check --json writes nothing to stderr', async () => {
    let err = '',
      out = '';
    const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
      err += String(s);
      return true;
    });
    const l = vi.spyOn(console, 'log').mockImplementation((...a) => {
      out += a.join(' ');
    });
    try {
      expect(
        await main([
          'check',
          '--design',
          'single-fifo-implicit',
          '--engine',
          'random',
          '--runs',
          '3',
          '--budget-ms',
          '1500',
          '--json',
        ]),
      ).toBeLessThan(2);
    } finally {
      e.mockRestore();
      l.mockRestore();
      process.exitCode = 0;
    }
    expect(err).toBe('');
    expect(JSON.parse(out).cells.length).toBeGreaterThan(0);
  });
});
