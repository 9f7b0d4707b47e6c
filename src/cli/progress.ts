/**
 * Progress on stderr for long runs: a cli-progress bar on a terminal, a plain line every second
 * otherwise (CI logs), nothing with --json or for runs shorter than a second. A one-second heartbeat
 * redraws the last report with the time spent, so a run shows progress at least every second even
 * between the explorers' callbacks (issue 15.5; the exhaustive one reports every 16,384 states at most,
 * src/explore/exhaustive.ts). It shows what is done
 * (states or runs), the rate, the time spent and the time left:
 * - random: runs done / runs in all, so the estimate is (time per run so far) x (runs left);
 * - exhaustive: the number of states is not known in advance; the estimate is an upper bound, the time
 *   to reach the design's state bound at the current rate ('<= 40 s'), or '?' without a bound.
 * With a time budget the estimate never exceeds what is left of the budget.
 */
import cliProgress from 'cli-progress';
import type { Progress } from '../api.ts';

export interface ProgressOptions {
  /** The exhaustive state bound for a design (to bound the time left), if known. */
  maxStates?: (design: string) => number | undefined;
  /** The time budget per design in ms, if any. */
  budgetMs?: number;
  /** Where to write (default process.stderr); a test passes its own stream. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Milliseconds before anything is shown (default 1000). */
  quietMs?: number;
  /** Clock, for tests. */
  now?: () => number;
  /** Milliseconds between redraws without a new report (default 1000; 0: none, for tests). */
  heartbeatMs?: number;
}

/** Seconds as '45 s', '3 min 20 s', '2 h 5 min'. */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '?';
  s = Math.round(s);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

export interface ProgressLine {
  done: number;
  total: number | undefined;
  unit: string;
  rate: number;
  elapsedS: number;
  left: string;
}

/** The numbers one progress update shows. `designMs` is the time spent on this design and engine. */
export function progressLine(p: Progress, designMs: number, o: ProgressOptions = {}): ProgressLine {
  const secs = Math.max(0.001, designMs / 1000);
  let done: number, total: number | undefined, unit: string, left: number;
  let upper = false;
  if (p.engine === 'random') {
    done = p.runs ?? 0;
    total = p.total;
    unit = 'runs';
    left = total && done > 0 ? (secs / done) * (total - done) : NaN;
  } else {
    done = p.states ?? 0;
    total = o.maxStates?.(p.design);
    unit = 'states';
    left = total && done > 0 ? (secs / done) * Math.max(0, total - done) : NaN;
    upper = true;
  }
  if (o.budgetMs) {
    const budgetLeft = Math.max(0, o.budgetMs / 1000 - secs);
    if (!Number.isFinite(left) || left > budgetLeft) {
      left = budgetLeft;
      upper = true;
    }
  }
  return {
    done,
    total,
    unit,
    rate: Math.round(done / secs),
    elapsedS: secs,
    left: Number.isFinite(left) ? `${upper ? '<= ' : ''}${formatSeconds(left)}` : '?',
  };
}

export function progressReporter(
  enabled: boolean,
  o: ProgressOptions = {},
): { update: (p: Progress) => void; stop: () => void } {
  if (!enabled) return { update: () => {}, stop: () => {} };
  const now = o.now ?? Date.now;
  const stream = o.stream ?? process.stderr;
  const t0 = now();
  const tty = !!stream.isTTY;
  let bar: cliProgress.SingleBar | undefined;
  let lastLine = 0;
  let key = '';
  let keyT0 = t0;
  let last: Progress | undefined;
  const every = o.heartbeatMs ?? 1000;
  const draw = (p: Progress) => {
    if (now() - t0 < (o.quietMs ?? 1000) || now() - keyT0 < Math.min(500, o.quietMs ?? 1000)) return;
    const l = progressLine(p, now() - keyT0, o);
    const what = `${l.done}${l.total ? `/${l.total}` : ''} ${l.unit}`;
    if (tty) {
      if (!bar) {
        bar = new cliProgress.SingleBar(
          {
            stream: stream as NodeJS.WriteStream,
            hideCursor: true,
            etaBuffer: 50,
            format: `${p.design} ${p.engine} [{bar}] {what} | {rate}/s | {elapsed} | left {left}`,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(l.total ?? l.done + 1, 0, { what, rate: 0, elapsed: '0 s', left: '?' });
      }
      if (!l.total) bar.setTotal(l.done + 1);
      bar.update(l.done, { what, rate: l.rate, elapsed: formatSeconds(l.elapsedS), left: l.left });
    } else if (now() - lastLine >= 1000) {
      lastLine = now();
      stream.write(
        `fencecheck: ${p.design} ${p.engine}: ${what}, ${l.rate}/s, ${formatSeconds(l.elapsedS)} spent, left ` +
          `${l.left}\n`,
      );
    }
  };
  const timer = every > 0 ? setInterval(() => last && draw(last), every) : undefined;
  timer?.unref();
  return {
    update: (p) => {
      const k = `${p.design}/${p.engine}`;
      if (k !== key) {
        bar?.stop();
        bar = undefined;
        key = k;
        keyT0 = now();
      }
      last = p;
      draw(p);
    },
    stop: () => {
      if (timer) clearInterval(timer);
      last = undefined;
      bar?.stop();
    },
  };
}
