/**
 * Progress on stderr for long runs: a cli-progress bar on a terminal, a plain line every few seconds
 * otherwise (CI logs), nothing with --json or for runs shorter than a second.
 */
import cliProgress from 'cli-progress';
import type { Progress } from '../api.ts';

export function progressReporter(enabled: boolean): { update: (p: Progress) => void; stop: () => void } {
  if (!enabled) return { update: () => {}, stop: () => {} };
  const t0 = Date.now();
  const tty = !!process.stderr.isTTY;
  let bar: cliProgress.SingleBar | undefined;
  let lastLine = 0;
  let key = '';
  const rate = (n: number) => Math.round(n / Math.max(0.001, (Date.now() - t0) / 1000));
  return {
    update: (p) => {
      if (Date.now() - t0 < 1000) return;
      const what = p.engine === 'exhaustive' ? `${p.states} states` : `${p.runs}/${p.total} runs, ${p.steps} steps`;
      if (tty) {
        const k = `${p.design}/${p.engine}`;
        if (k !== key) {
          bar?.stop();
          key = k;
          bar = new cliProgress.SingleBar({ stream: process.stderr, format: `${p.design} {engine} [{bar}] {what} {rate}/s eta {eta}s`, hideCursor: true }, cliProgress.Presets.shades_classic);
          bar.start(p.total ?? 0, 0, { engine: p.engine, what, rate: 0 });
        }
        bar!.update(p.runs ?? p.states ?? 0, { engine: p.engine, what, rate: rate(p.engine === 'exhaustive' ? p.states ?? 0 : p.steps ?? 0) });
        if (!p.total) bar!.setTotal((p.states ?? 0) + 1);
      } else if (Date.now() - lastLine > 5000) {
        lastLine = Date.now();
        process.stderr.write(`fencecheck: ${p.design} ${p.engine}: ${what} (${Math.round((Date.now() - t0) / 1000)} s)\n`);
      }
    },
    stop: () => { bar?.stop(); },
  };
}
