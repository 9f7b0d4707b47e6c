/**
 * `check`, interruptible. An exploration is synchronous, and a JavaScript signal handler runs only
 * when the event loop turns, so a Ctrl-C during a long design would either kill the process (nothing
 * printed, the terminal left with the cursor hidden and line wrap off) or wait for the design to end.
 * So the CLI runs the designs in a worker thread and keeps the main thread for the terminal: on
 * SIGINT/SIGTERM it stops the worker, removes its half-written temp files (saved traces are written
 * temp-then-link, so a finished trace is never half a file) and returns what finished (issue 14.6).
 * Tests that call `main()` in-process run the same loop without a worker.
 */
import { readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { checkDesigns, type CheckOptions, type CheckResult, type Progress } from '../api.ts';
import { COUNTEREXAMPLES_DIR } from '../registry.ts';

export interface WorkerInput {
  opts: Omit<CheckOptions, 'onProgress'>;
  plan: { design: string; properties: string[] }[];
}

export type WorkerMessage = { type: 'progress'; p: Progress } | { type: 'design'; r: CheckResult } | { type: 'done' };

export interface RunOutcome {
  result: CheckResult;
  /** The signal that stopped the run, or null when every design finished. */
  interrupted: NodeJS.Signals | null;
  /** Designs finished, of those planned. */
  designsDone: number;
  designsPlanned: number;
}

/** The progress report for a design that has just started (nothing done yet). */
export function startOf(design: string, o: Pick<CheckOptions, 'engine'>): Progress {
  return o.engine === 'random' ? { design, engine: 'random', runs: 0 } : { design, engine: 'exhaustive', states: 0 };
}

function merge(rs: CheckResult[]): CheckResult {
  const cells = rs.flatMap((r) => r.cells);
  return {
    ok: cells.every((c) => c.match),
    cells,
    exhaustive: rs.flatMap((r) => r.exhaustive),
    metrics: rs.flatMap((r) => r.metrics),
    ...(rs.some((r) => r.whatIf)
      ? {
          whatIf: {
            without: rs.find((r) => r.whatIf)!.whatIf!.without,
            cells: rs.flatMap((r) => r.whatIf?.cells ?? []),
            changes: rs.flatMap((r) => r.whatIf?.changes ?? []),
          },
        }
      : {}),
  };
}

/** Temp files a stopped worker may leave behind in the store (`<file>.<pid>.tmp`, as saveTrace names them). */
function removeTempFiles(dir: string, pid: number) {
  const walk = (d: string) => {
    let es: import('node:fs').Dirent[];
    try {
      es = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of es) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(`.${pid}.tmp`)) {
        try {
          unlinkSync(p);
        } catch {
          /* gone already */
        }
      }
    }
  };
  walk(dir);
}

export async function runCheck(
  opts: CheckOptions,
  plan: WorkerInput['plan'],
  o: { isolate: boolean; onProgress?: (p: Progress) => void },
): Promise<RunOutcome> {
  const { onProgress, ...rest } = opts;
  const progress = o.onProgress ?? onProgress;
  const done: CheckResult[] = [];
  if (!o.isolate) {
    for (const c of plan) {
      progress?.(startOf(c.design, rest));
      done.push(await checkDesigns({ ...rest, designs: [c.design], properties: c.properties, onProgress: progress }));
    }
    return { result: merge(done), interrupted: null, designsDone: done.length, designsPlanned: plan.length };
  }
  const w = new Worker(new URL('./check-worker.mjs', import.meta.url), {
    workerData: { opts: rest, plan } satisfies WorkerInput,
  });
  return await new Promise<RunOutcome>((resolve, reject) => {
    let settled = false;
    let stopping = false;
    const finish = (interrupted: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve({ result: merge(done), interrupted, designsDone: done.length, designsPlanned: plan.length });
    };
    const onSignal = (sig: NodeJS.Signals) => {
      if (settled || stopping) return;
      stopping = true;
      // A second signal while stopping ends at once, as a user pressing Ctrl-C twice expects.
      process.once(sig, () => process.exit(130));
      void w.terminate().then(() => {
        removeTempFiles(COUNTEREXAMPLES_DIR, process.pid);
        finish(sig);
      });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    w.on('message', (m: WorkerMessage) => {
      if (m.type === 'progress') progress?.(m.p);
      else if (m.type === 'design') done.push(m.r);
      else finish(null);
    });
    w.on('error', (e) => {
      if (settled) return;
      settled = true;
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      reject(e);
    });
    w.on('exit', () => {
      if (!settled && !stopping) {
        settled = true;
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        reject(new Error('the check worker exited before it finished'));
      }
    });
  });
}
