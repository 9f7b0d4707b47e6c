/**
 * Runs `checkDesigns` design by design in a worker thread and posts each design's result as soon as it
 * is done, so the main thread stays free to answer SIGINT/SIGTERM while an exploration (synchronous,
 * seconds to minutes) runs, and can print what finished (run-check.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { checkDesigns } from '../api.ts';
import { limitDesigns } from '../registry.ts';
import { startOf, type WorkerInput, type WorkerMessage } from './run-check.ts';

const port = parentPort;
if (!port) throw new Error('check-worker.ts runs only as a worker thread');
const post = (m: WorkerMessage) => port.postMessage(m);
const { opts, plan } = workerData as WorkerInput;
// registry state is per thread: load only the designs planned, as the main thread did
limitDesigns(plan.map((c) => c.design));
for (const c of plan) {
  // a first report as each design starts, so progress shows before the explorer's first callback
  post({ type: 'progress', p: startOf(c.design, opts) });
  const r = await checkDesigns({
    ...opts,
    designs: [c.design],
    properties: c.properties,
    onProgress: (p) => post({ type: 'progress', p }),
  });
  post({ type: 'design', r });
}
post({ type: 'done' });
