/**
 * Parallel exhaustive search (issue 13.3): `check --workers N`. N shards (src/explore/parallel-shard.ts)
 * in worker_threads, driven level by level from here: expand, route each successor's fingerprint to the
 * shard that owns it, judge, adopt, then rank the new level (a merge of the shards' sorted order keys).
 * Every shard first explores the same small prefix alone (BFS levels until the frontier has 16·N
 * states), then keeps the frontier states whose rank is its index mod N.
 *
 * What stays as with one worker (test/explore/parallel.test.ts): on a complete exploration the state
 * and transition counts, the depth, the verdicts, and each counterexample: per BFS level, each shard
 * reports the least violation of each property by one worker's order (the violating state's BFS rank,
 * then the action's index), the coordinator keeps the least over shards and rebuilds its path from the
 * BFS parents it keeps by rank (one worker's tree), so the trace is the one a single worker finds
 * first: a shortest one, the same one. Drain properties with a graph form are decided
 * on one worker's state graph: the shards keep their states' judgments and drain edges, and once the
 * search is over the coordinator records them in rank order (= one worker's state index) in one
 * LivenessGraph and runs its SCC and carried-obligation analysis (liveness.ts), so the lassos are one
 * worker's too; states and ranks reach it as typed arrays, once. Bounds are checked per level, so a run a
 * bound stops (states, time, memory) or that stops when everything is found ends at a level boundary
 * and its counts may exceed one worker's; its verdicts are as partial as one worker's.
 *
 * One worker (or a design given as an object, which a worker thread cannot load by name) is the
 * sequential explorer, exploreExhaustive, unchanged. Without --workers (`exploreAuto`), one worker
 * first explores up to PROBE_STATES states; a space done by then (most small configs: seconds) is that
 * result, exactly one worker's; a bigger one is explored again with one worker per core (none on a
 * one-core machine), since starting workers and loading the design in each costs seconds.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Design } from '../../models/design.ts';
import { Checker } from '../check.ts';
import { registry } from '../registry.ts';
import {
  exploreExhaustive,
  FrontierDrains,
  rebuildTrace,
  type ExhaustiveOptions,
  type ExhaustiveResult,
} from './exhaustive.ts';
import { LivenessGraph } from './liveness.ts';
import {
  ownerOf,
  type Accepted,
  rankKeys,
  Shard,
  type Cands,
  type FrontierFound,
  type LevelFinding,
  type LivenessRecords,
  type ShardOptions,
} from './parallel-shard.ts';
import type { Found } from './trace.ts';

export interface ParallelOptions extends ExhaustiveOptions {
  workers: number;
  /** Tests: run the shards in this thread (same algorithm, no worker threads). */
  inThread?: boolean;
}

/** Without --workers: a space one worker explores within this many states is not worth workers. */
export const PROBE_STATES = 20_000;

/**
 * `workers` given: that many (1: exploreExhaustive). Not given: one worker. Measured on this project's
 * 2-core machine (rw-umf-b, no-deadlock, separate runs), two workers take 1.1-1.3x one worker's CPU
 * and 0.6-0.7x its wall time at (5,3), 1.65x and 1.05x at (4,3); with every property on, 2.8x its peak
 * memory. Each worker derives the memo entries the other derives too (rw-umf-b (4,3): 166k misses each,
 * as many as one worker's in all). A bound stops them at a level's end, so a capped run's counts depend
 * on the worker count. So parallel search is opt-in (`--workers N`); the probe below
 * (`FENCECHECK_AUTO_WORKERS=1`) picks one worker per core for spaces past PROBE_STATES.
 */
export async function exploreAuto(
  d: Design,
  cfg: unknown,
  checker: Checker,
  props: string[],
  o: ExhaustiveOptions & { workers?: number },
): Promise<ExhaustiveResult> {
  if (o.workers !== undefined) return exploreParallel(d, cfg, checker, props, { ...o, workers: o.workers });
  if (process.env.FENCECHECK_AUTO_WORKERS !== '1') return exploreExhaustive(d, cfg, checker, props, o);
  const cores = availableParallelism();
  if (cores < 2 || o.maxStates <= PROBE_STATES) return exploreExhaustive(d, cfg, checker, props, o);
  const probe = exploreExhaustive(d, cfg, checker, props, { ...o, maxStates: PROBE_STATES, onProgress: undefined });
  if (probe.stoppedBy !== 'states') return probe;
  return exploreParallel(d, cfg, checker, props, { ...o, workers: cores });
}

/** What the coordinator asks of a shard, in this thread or in a worker. */
export interface ShardCalls {
  init(): void;
  expand(depth: number, want: string[]): { cands: Cands[]; transitions: number; findings: LevelFinding[] };
  judge(from: Cands[]): Accepted[];
  adopt(acc: Accepted[]): Float64Array;
  setRanks(r: Float64Array, levelKeys?: Float64Array, base?: number): void;
  partition(count: number): void;
  liveness(): LivenessRecords | null;
  resolve(fp: Int32Array): Int32Array;
  drainFrontier(want: string[], deadline?: number): FrontierFound;
  stats(): {
    n: number;
    structureBytes: number;
    cutByDepth: boolean;
    symmetry: string;
    por: string;
    reached: [string, number][];
    prefixReached: [string, number][];
  };
}
type Async<T> = { [K in keyof T]: T[K] extends (...a: infer A) => infer R ? (...a: A) => Promise<R> : never };
type Handle = Async<ShardCalls> & { close(): Promise<void> };

/** The calls on one Shard object. */
export function shardCalls(s: Shard): ShardCalls {
  return {
    init: () => s.init(),
    expand: (depth, want) => s.expand(depth, new Set(want)),
    judge: (from) => s.judge(from),
    adopt: (acc) => s.adopt(acc),
    setRanks: (r, k, b) => s.setRanks(r, k, b),
    partition: (count) => s.partition(count),
    liveness: () => s.liveness(),
    resolve: (fp) => s.resolve(fp),
    drainFrontier: (want, deadline) => s.drainFrontier(new Set(want), deadline),
    stats: () => ({
      n: s.n,
      structureBytes: s.structureBytes,
      cutByDepth: s.cutByDepth,
      symmetry: s.symmetry,
      por: s.por,
      reached: [...s.checker.reached],
      prefixReached: s.prefixReached,
    }),
  };
}

/** Input of a worker (src/explore/parallel-worker.ts). */
export interface ShardInput {
  design: string;
  cfg: unknown;
  props: string[];
  o: ShardOptions;
  index: number;
}

function workerHandle(input: ShardInput): Handle {
  const w = new Worker(new URL('./parallel-worker.mjs', import.meta.url), { workerData: input });
  let seq = 0;
  const waiting = new Map<number, { ok: (v: unknown) => void; fail: (e: Error) => void }>();
  let dead: Error | null = null;
  w.on('message', (m: { id: number; result?: unknown; error?: string }) => {
    const p = waiting.get(m.id);
    waiting.delete(m.id);
    if (m.error !== undefined) p?.fail(new Error(m.error));
    else p?.ok(m.result);
  });
  const die = (e: Error) => {
    dead = e;
    for (const p of waiting.values()) p.fail(e);
    waiting.clear();
  };
  w.on('error', die);
  w.on('exit', (c) => die(new Error(`a search worker exited (code ${c})`)));
  const call =
    (op: keyof ShardCalls) =>
    (...args: unknown[]) =>
      new Promise((ok, fail) => {
        if (dead) return fail(dead);
        const id = seq++;
        waiting.set(id, { ok, fail });
        w.postMessage({ id, op, args });
      });
  const ops: (keyof ShardCalls)[] = [
    'init',
    'expand',
    'judge',
    'adopt',
    'setRanks',
    'partition',
    'liveness',
    'resolve',
    'drainFrontier',
    'stats',
  ];
  const h = Object.fromEntries(ops.map((op) => [op, call(op)])) as unknown as Handle;
  h.close = async () => {
    w.removeAllListeners('exit');
    await w.terminate();
  };
  return h;
}

function localHandle(s: Shard): Handle {
  const c = shardCalls(s);
  const h = Object.fromEntries(
    Object.entries(c).map(([k, f]) => [k, async (...a: unknown[]) => (f as (...x: unknown[]) => unknown)(...a)]),
  ) as unknown as Handle;
  h.close = async () => {};
  return h;
}

export async function exploreParallel(
  d: Design,
  cfg: unknown,
  checker: Checker,
  props: string[],
  o: ParallelOptions,
): Promise<ExhaustiveResult> {
  const n = o.workers;
  const byName = (await registry()).designs.get(d.name) === d;
  if (n <= 1 || (!byName && !o.inThread)) return exploreExhaustive(d, cfg, checker, props, o);
  const t0 = Date.now();
  const so: ShardOptions = { maxDepth: o.maxDepth, symmetry: o.symmetry, por: o.por, liveness: o.liveness };
  // Graph liveness: the coordinator's graph, one worker's (assembled from the shards' records at the end).
  const graph = LivenessGraph.for(d, cfg, checker.drains, props, o.liveness);
  // Every state's BFS parent and action index, by rank, from the order keys: one worker's BFS tree, whichever
  // shard keeps a state, so each trace and lasso prefix is one worker's.
  let parent = new Int32Array(1 << 12),
    via = new Uint16Array(1 << 12);
  parent[0] = -1;
  const pathTo = (i: number): number[] => {
    const ks: number[] = [];
    for (; i > 0; i = parent[i]) ks.push(via[i]);
    return ks.reverse();
  };
  const hs: Handle[] = [];
  for (let i = 0; i < n; i++)
    hs.push(
      o.inThread
        ? localHandle(
            new Shard(
              d,
              cfg,
              new Checker(d, cfg, [
                ...checker.state,
                ...checker.terminal,
                ...checker.step,
                ...checker.drains,
                ...checker.monitors,
              ]),
              props,
              so,
              i,
              1,
            ),
          )
        : workerHandle({ design: d.name, cfg, props, o: so, index: i }),
    );
  const all = <T>(f: (h: Handle, i: number) => Promise<T>) => Promise.all(hs.map(f));
  try {
    const want = new Set(props);
    const found: Found[] = [];
    // the shards' least violation of each property (one worker's order) is the one a single worker finds
    const takeLeast = (lists: LevelFinding[][]) => {
      const best = new Map<string, LevelFinding>();
      for (const fs of lists)
        for (const f of fs) {
          const b = best.get(f.property);
          if (!b || f.order < b.order) best.set(f.property, f);
        }
      for (const f of [...best.values()].sort((a, b) => a.order - b.order)) {
        want.delete(f.property);
        found.push({
          property: f.property,
          message: f.message,
          actions: rebuildTrace(d, cfg, f.k < 0 ? pathTo(f.at) : [...pathTo(f.at), f.k]),
          drain: f.drain,
          atStates: states,
          atMs: Date.now() - t0,
        });
      }
    };
    let states = 1,
      transitions = 0,
      depth = 0;
    let peakRss = process.memoryUsage.rss();
    let stoppedBy: ExhaustiveResult['stoppedBy'] = 'complete';
    await all((h) => h.init());
    let parallel = false;
    let frontier = 1;
    let parentBase = 0; // the global rank of the expanded level's first state
    for (;;) {
      const ex = await all((h) => h.expand(depth, [...want]));
      // In the prefix every shard did the same work: count it once.
      const used = parallel ? ex : [ex[0]];
      for (const r of used) transitions += r.transitions;
      takeLeast(used.map((r) => r.findings));
      let keys: Float64Array[];
      if (parallel) {
        const acc = await all((h, i) => h.judge(ex.map((r) => r.cands[i])));
        keys = await all((h, s) => h.adopt(acc.map((a) => a[s])));
      } else keys = await all(async (h, i) => h.adopt(await h.judge([ex[i].cands[0]])));
      const used2 = parallel ? keys : [keys[0]];
      frontier = used2.reduce((m, k) => m + k.length, 0);
      const base = states;
      states += frontier;
      const ranks = rankKeys(used2, 0);
      // the level's keys in rank order (with graph liveness, owners rank what they accepted by them)
      const levelKeys = new Float64Array(frontier);
      for (let sh = 0; sh < used2.length; sh++)
        for (let i = 0; i < used2[sh].length; i++) levelKeys[ranks[sh][i]] = used2[sh][i];
      if (states > parent.length) {
        const g = Math.max(states, Math.ceil(parent.length * 1.5));
        const p2 = new Int32Array(g),
          v2 = new Uint16Array(g);
        p2.set(parent);
        v2.set(via);
        parent = p2;
        via = v2;
      }
      // a key is (parent's rank in its level) * 65536 + (the action's index among the enabled ones)
      for (let r = 0; r < levelKeys.length; r++) {
        parent[base + r] = parentBase + Math.floor(levelKeys[r] / 65536);
        via[base + r] = levelKeys[r] % 65536;
      }
      parentBase = base;
      await all((h, i) => h.setRanks(parallel ? ranks[i] : ranks[0], graph ? levelKeys : undefined, base));
      if (!parallel && frontier >= 16 * n) {
        await all((h) => h.partition(n));
        parallel = true;
      }
      const rss = process.memoryUsage.rss();
      if (rss > peakRss) peakRss = rss;
      o.onProgress?.({ states, depth, transitions });
      if (frontier === 0) break;
      depth++;
      if (want.size === 0 && !o.exploreAll) {
        stoppedBy = 'all-found';
        break;
      }
      if (states >= o.maxStates) {
        stoppedBy = 'states';
        break;
      }
      if (o.budgetMs !== undefined && Date.now() - t0 > o.budgetMs) {
        stoppedBy = 'time';
        break;
      }
      if (o.maxMemoryBytes !== undefined && rss > o.maxMemoryBytes) {
        stoppedBy = 'memory';
        break;
      }
    }
    let liveness: ExhaustiveResult['liveness'] = null;
    let graphBytes = 0;
    const drains = new FrontierDrains();
    if (graph) {
      const only = new Set(graph.decides.filter((p) => want.has(p)));
      if (only.size && stoppedBy !== 'complete' && stoppedBy !== 'all-found') {
        // a bound stopped the search at a level's end: the frontier states a drain step enters get the
        // drain (before the partition every shard holds the same frontier: shard 0's)
        const deadline = o.budgetMs === undefined ? undefined : t0 + o.budgetMs;
        const ds = parallel
          ? await all((h) => h.drainFrontier([...only], deadline))
          : [await hs[0].drainFrontier([...only], deadline)];
        takeLeast(ds.map((d) => d.findings));
        for (const x of ds) drains.add(x);
      }
      const recs = (await all((h) => h.liveness())).map((r) => r!);
      await assembleGraph(graph, parallel ? recs : [recs[0]], n, (o, fp) => hs[o].resolve(fp));
      if (want.size)
        for (const f of graph.cycles(want, pathTo)) {
          want.delete(f.property);
          found.push({ ...f, atStates: states, atMs: Date.now() - t0 });
        }
      liveness = { decides: graph.decides, edges: graph.edges, bytes: graph.bytes };
      graphBytes = graph.bytes - graph.fps.bytes;
    }
    const st = await all((h) => h.stats());
    if (stoppedBy === 'complete' && st.some((s) => s.cutByDepth)) stoppedBy = 'depth';
    const structureBytes = st.reduce((m, s) => m + s.structureBytes, graphBytes + parent.byteLength + via.byteLength);
    // Witness counts: the prefix once (shard 0's), then every shard's own part.
    for (const [name] of checker.reached) {
      let k = 0;
      for (const [i, s] of st.entries()) {
        const total = new Map(s.reached).get(name) ?? 0;
        k += i === 0 || !parallel ? total : total - (new Map(s.prefixReached).get(name) ?? 0);
        if (!parallel) break;
      }
      checker.reached.set(name, k);
    }
    const t = transitions + 1;
    const how = `${n} workers`;
    const bound = drains.cut(
      stoppedBy === 'all-found'
        ? `${states} states to depth ${depth}, where every property looked for had a shortest counterexample (${how})`
        : stoppedBy === 'complete'
          ? `all ${states} reachable states${checker.monitors.length ? ' (world and monitor states)' : ''}` +
            `${st[0].symmetry.startsWith('on') ? ' (up to symmetry)' : ''}` +
            `${st[0].por.startsWith('on') ? ' (persistent-set reduced)' : ''} (${how})`
          : stoppedBy === 'depth'
            ? `${states} states to depth ${o.maxDepth} (stopped by the depth bound ${o.maxDepth}; ${how})`
            : stoppedBy === 'states'
              ? `${states} states to depth ${depth} (stopped by the state bound ${o.maxStates} at the end of a ` +
                `level; ${how})`
              : stoppedBy === 'memory'
                ? `${states} states to depth ${depth} (stopped by the memory bound ` +
                  `${Math.round((o.maxMemoryBytes ?? 0) / 2 ** 20)} MiB; ${how})`
                : `${states} states to depth ${depth} (stopped by the time budget ${o.budgetMs} ms; ${how})`,
    );
    return {
      liveness,
      found,
      states,
      transitions,
      depth,
      stoppedBy,
      bound,
      ms: Date.now() - t0,
      fingerprints: {
        bits: 64,
        collisionProbability: (states * Math.max(0, t - states)) / 2 ** 64,
        birthdayBound: (states * states) / 2 ** 65,
      },
      memory: { structureBytes, bytesPerState: structureBytes / states, peakRss },
      reductions: { symmetry: st[0].symmetry, por: st[0].por },
    };
  } finally {
    await all((h) => h.close());
  }
}

/**
 * Record the shards' states in `graph` in rank order, one worker's order: each state's judgment (its
 * carried set ids interned again in the graph) and its kept drain edges, their targets resolved from
 * fingerprints to ranks by the shards that own them (`resolve(owner, fingerprints)`). With one record
 * set (no partition happened), shard 0 owns every fingerprint.
 */
async function assembleGraph(
  graph: LivenessGraph,
  recs: LivenessRecords[],
  count: number,
  resolve: (owner: number, fp: Int32Array) => Promise<Int32Array>,
): Promise<void> {
  const shards = recs.length;
  // edge targets, by owner: ask each owner once for the ranks of every fingerprint it owns
  const tgt = recs.map((r) => new Int32Array(r.f1.length));
  const byOwner: { src: number; at: number }[][] = Array.from({ length: shards === 1 ? 1 : count }, () => []);
  for (let k = 0; k < shards; k++) {
    const r = recs[k];
    for (let e = 0; e < r.f1.length; e++)
      byOwner[shards === 1 ? 0 : ownerOf(r.f1[e], r.f2[e], count)].push({ src: k, at: e });
  }
  await Promise.all(
    byOwner.map(async (list, ow) => {
      const fp = new Int32Array(2 * list.length);
      for (let i = 0; i < list.length; i++) {
        const { src, at } = list[i];
        fp[2 * i] = recs[src].f1[at];
        fp[2 * i + 1] = recs[src].f2[at];
      }
      const ranks = await resolve(ow, fp);
      for (let i = 0; i < list.length; i++) tgt[list[i].src][list[i].at] = ranks[i];
    }),
  );
  // which shard recorded each rank, and where (the prefix every shard explored alone: shard 0's)
  let total = 0;
  for (let k = 0; k < shards; k++) total += recs[k].rank.length - (k === 0 ? 0 : recs[k].prefix);
  const who = new Int32Array(total),
    pos = new Int32Array(total);
  const eOff = recs.map((r) => {
    const off = new Int32Array(r.deg.length + 1);
    for (let i = 0; i < r.deg.length; i++) off[i + 1] = off[i] + r.deg[i];
    return off;
  });
  for (let k = 0; k < shards; k++)
    for (let i = k === 0 ? 0 : recs[k].prefix; i < recs[k].rank.length; i++) {
      const rank = recs[k].rank[i];
      if (rank >= total) throw new Error('internal: a shard expanded a state past the graph');
      who[rank] = k;
      pos[rank] = i;
    }
  const sets = recs.map((r) => r.sets.map((s) => graph.internSet(s)));
  const c = recs[0]?.carried ?? 0;
  const from = new Array<number>(c).fill(0),
    met = new Array<number>(c).fill(0);
  for (let u = 0; u < total; u++) {
    const k = who[u],
      i = pos[u],
      r = recs[k];
    for (let t = 0; t < c; t++) {
      from[t] = sets[k][r.from[i * c + t]];
      met[t] = sets[k][r.met[i * c + t]];
    }
    graph.addState(u, { flags: r.flags[i], carry: (r.cs[i] & 1) !== 0, stuck: (r.cs[i] & 2) !== 0, from, met });
    for (let e = eOff[k][i]; e < eOff[k][i + 1]; e++) graph.addEdge(tgt[k][e], r.labels[r.lab[e]]);
  }
}
