/**
 * One shard of the parallel exhaustive search in a worker thread: loads the design by name, builds its
 * Checker and Shard, and answers the coordinator's calls (src/explore/parallel.ts) one at a time.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Checker } from '../check.ts';
import { registryFor } from '../registry.ts';
import { shardCalls, type ShardCalls, type ShardInput } from './parallel.ts';
import { Shard } from './parallel-shard.ts';

const port = parentPort;
if (!port) throw new Error('parallel-worker.ts runs only as a worker thread');
const input = workerData as ShardInput;
const { designs, properties } = await registryFor(input.design, input.props);
const d = designs.get(input.design)!;
const checker = new Checker(
  d,
  input.cfg,
  input.props.map((p) => properties.get(p)!),
);
const calls = shardCalls(new Shard(d, input.cfg, checker, input.props, input.o, input.index, 1));
/** The typed arrays of a result, moved instead of copied. */
const buffers = (x: unknown, out: ArrayBuffer[] = []): ArrayBuffer[] => {
  if (ArrayBuffer.isView(x)) out.push(x.buffer as ArrayBuffer);
  else if (Array.isArray(x)) for (const y of x) buffers(y, out);
  else if (x && typeof x === 'object') for (const y of Object.values(x)) buffers(y, out);
  return out;
};
port.on('message', (m: { id: number; op: keyof ShardCalls; args: unknown[] }) => {
  try {
    const result = (calls[m.op] as (...a: unknown[]) => unknown)(...m.args);
    port.postMessage({ id: m.id, result }, buffers(result));
  } catch (e) {
    port.postMessage({ id: m.id, error: String((e as Error)?.stack ?? e) });
  }
});
