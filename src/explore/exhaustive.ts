/**
 * Exhaustive explorer: breadth-first over distinct states, properties checked as each state is
 * expanded, so every counterexample is a shortest one. Bounded by depth, distinct states, time and
 * memory; it names the bound that stopped it.
 *
 * Storage (issue 7): a visited state costs a 64-bit fingerprint in an open-addressing table of typed
 * arrays, a parent index and the index of the enabled action that reached it; full states live only
 * in the BFS frontier, as compact vectors (src/world/fast.ts). A trace is rebuilt from the parent
 * pointers by re-executing the actions through `enabledActions`. The fingerprint collision
 * probability is estimated as TLC does.
 *
 * Reductions (each with an off switch; each reported in the result):
 *  - symmetry: for designs that declare interchangeable objects (`Design.symmetry`), states are
 *    deduplicated on a canonical fingerprint (members of each group sorted by their snapshots);
 *  - partial-order reduction: when every property still looked for is terminal (no-deadlock) and every
 *    step declares its footprint, each state expands only the enabled actions of one independence
 *    component (a persistent set: actions with disjoint footprints commute and cannot enable or
 *    disable each other). Persistent sets keep every deadlock, reached by an equivalent trace of the
 *    same length, so verdicts and shortest lengths are unchanged (test/perf/reductions.test.ts).
 * Monitors (properties with state, kind 'monitor'): a state of the search is the world and the tuple of
 * the monitors' states (interned by the Checker to one id, kept per state index beside the parent
 * pointer). Its fingerprint is the world's plus a term for that id at a pseudo-slot, so a design checked
 * without monitors has exactly the fingerprints, state counts and code path it had. Symmetry is off with
 * a monitor (its state may name a member, and it is not permuted with the world), and so is POR (a
 * persistent set keeps deadlocks, not the order of observed steps). Traces are rebuilt from the world
 * alone, since monitors never change which actions are enabled.
 * Only `enabledActions`, the design's steps and their declared footprints are used.
 */
import type { Design } from '../../models/design.ts';
import type { World } from '../../models/world.ts';
import { actionInfo, type Checker, type MonitorStates } from '../check.ts';
import { enabledActions } from '../world/steps.ts';
import { fpKey, z1, z2, Transition, type FastEngine, type Succ } from '../world/fast.ts';
import { engineFor } from './drain.ts';
import { toTraceStep, type Found, type TraceStep } from './trace.ts';
import { fitsUint16, patchedLength } from './level-store.ts';
import { LivenessGraph } from './liveness.ts';

export interface ExhaustiveOptions {
  maxDepth: number;
  maxStates: number;
  budgetMs?: number;
  /** Stop with a partial verdict once the process's resident memory exceeds this many bytes. */
  maxMemoryBytes?: number;
  /** Symmetry reduction for designs that declare `symmetry` (default on; --no-symmetry). */
  symmetry?: boolean;
  /** Partial-order reduction when only terminal properties are looked for (default on; --no-por). */
  por?: boolean;
  /**
   * Incremental successors when every step declares its footprint (default on): a state looks up only
   * the candidates its parent's step could have changed (FastEngine.needMask). Same successors, same
   * order; the switch is for tests and the bench.
   */
  incremental?: boolean;
  /** Keep exploring after every property has a counterexample (default false: stop, 'all-found'). */
  exploreAll?: boolean;
  /**
   * How drain properties are decided: 'graph' (default) on the state graph, exactly, for those that
   * declare a graph form (src/explore/liveness.ts; the others keep the drain); 'drain' by the one fair
   * schedule of a drain from every state (src/explore/drain.ts).
   */
  liveness?: 'graph' | 'drain';
  onProgress?: (p: { states: number; depth: number; transitions: number }) => void;
}

export interface ExhaustiveResult {
  found: Found[];
  states: number;
  transitions: number;
  depth: number;
  /** 'complete' = every reachable state seen; else the bound that stopped the search. */
  stoppedBy: 'complete' | 'depth' | 'states' | 'memory' | 'time' | 'all-found';
  /** One sentence: what the verdict rests on, naming the bound if one stopped the search. */
  bound: string;
  ms: number;
  /** 64-bit fingerprints; TLC's optimistic estimate n·(t−n)/2^64 and the birthday bound n²/2^65. */
  fingerprints: { bits: 64; collisionProbability: number; birthdayBound: number };
  memory: { structureBytes: number; bytesPerState: number; peakRss: number };
  reductions: { symmetry: string; por: string };
  /** Graph liveness: the properties it decided, drain edges kept and their bytes (null: drains only). */
  liveness: { decides: string[]; edges: number; bytes: number } | null;
}

/**
 * A set of 64-bit fingerprints, open addressing with linear probing, load ≤ 0.8. The two int32 halves
 * of an entry sit side by side, so a probe costs one cache miss, not one per half.
 */
export class FingerprintSet {
  private t: Int32Array;
  private mask: number;
  size = 0;
  constructor(capacity = 1 << 16) {
    let c = 1 << 4;
    while (c < capacity) c <<= 1;
    this.t = new Int32Array(2 * c);
    this.mask = c - 1;
  }
  get bytes(): number {
    return this.t.byteLength;
  }
  /** Add; true if it was not there. (0,0) is the empty mark, so it is stored as (0,1). */
  add(h1: number, h2: number): boolean {
    if (h1 === 0 && h2 === 0) h2 = 1;
    const t = this.t,
      mask = this.mask;
    for (let i = (h1 ^ (h2 >>> 9)) & mask; ; i = (i + 1) & mask) {
      const a = t[2 * i],
        b = t[2 * i + 1];
      if (a === 0 && b === 0) {
        t[2 * i] = h1;
        t[2 * i + 1] = h2;
        if (++this.size * 5 > (mask + 1) * 4) this.grow();
        return true;
      }
      if (a === h1 && b === h2) return false;
    }
  }
  has(h1: number, h2: number): boolean {
    if (h1 === 0 && h2 === 0) h2 = 1;
    for (let i = (h1 ^ (h2 >>> 9)) & this.mask; ; i = (i + 1) & this.mask) {
      const a = this.t[2 * i],
        b = this.t[2 * i + 1];
      if (a === 0 && b === 0) return false;
      if (a === h1 && b === h2) return true;
    }
  }
  private grow() {
    const o = this.t;
    const c = o.length; // entries: twice the old capacity
    this.t = new Int32Array(2 * c);
    this.mask = c - 1;
    this.size = 0;
    for (let i = 0; i < o.length; i += 2) if (o[i] !== 0 || o[i + 1] !== 0) this.add(o[i], o[i + 1]);
  }
}

/**
 * The BFS frontier: state vectors with their fingerprints, in index order, packed in one typed array
 * (uint16 until some value needs more). Entry: length, h1 (2 halves), h2 (2 halves), `mw` words of the
 * candidates the state must look up (FastEngine.needMask; none when `mw` is 0), the vector.
 */
class VecQueue {
  constructor(readonly mw = 0) {
    this.need = new Uint16Array(mw);
  }
  /** After `shift`: the state's need mask (when `mw` > 0). */
  readonly need: Uint16Array;
  private data: Uint16Array | Int32Array = new Uint16Array(1 << 16);
  private head = 0;
  private tail = 0;
  peakBytes = 0;
  h1 = 0;
  h2 = 0;
  get bytes(): number {
    return this.data.byteLength;
  }
  /**
   * Room for `n` more entries at the tail: the live part is moved to the front whenever that leaves a
   * quarter of the buffer free (each move copies at most three quarters and frees at least one, so a
   * vector is copied a bounded number of times), and the buffer grows only when it would not.
   */
  private reserve(n: number) {
    if (this.tail + n <= this.data.length) return;
    if (this.head > 0) {
      this.data.copyWithin(0, this.head, this.tail);
      this.tail -= this.head;
      this.head = 0;
    }
    if ((this.tail + n) * 4 > this.data.length * 3) {
      const b = new (this.data.constructor as typeof Int32Array)(
        Math.max(Math.ceil(this.data.length * 1.5), this.tail + n),
      );
      b.set(this.data.subarray(0, this.tail));
      this.data = b;
      if (this.data.byteLength > this.peakBytes) this.peakBytes = this.data.byteLength;
    }
  }
  /** Push `v` with the changed slots `pairs` applied (pairs may name slots past v's end). */
  push(v: Int32Array, h1: number, h2: number, pairs?: Int32Array, need?: Uint16Array) {
    const len = patchedLength(v, pairs);
    if (this.data instanceof Uint16Array && !fitsUint16(v, pairs)) this.widen();
    const mw = this.mw,
      o = 5 + mw;
    this.reserve(len + o);
    const d = this.data,
      t = this.tail;
    d[t] = len;
    d[t + 1] = h1 & 0xffff;
    d[t + 2] = h1 >>> 16;
    d[t + 3] = h2 & 0xffff;
    d[t + 4] = h2 >>> 16;
    if (mw) {
      if (need) for (let i = 0; i < mw; i++) d[t + 5 + i] = need[i];
      else for (let i = 0; i < mw; i++) d[t + 5 + i] = 0xffff;
    }
    d.set(v, t + o);
    for (let i = v.length; i < len; i++) d[t + o + i] = 0;
    if (pairs) for (let i = 0; i < pairs.length; i += 2) d[t + o + pairs[i]] = pairs[i + 1];
    this.tail = t + o + len;
  }
  private buf: Int32Array[] = [];
  /**
   * The next vector, in a scratch array reused for the next vector of the same length (valid until then); its
   * fingerprint is left in h1, h2.
   */
  shift(): Int32Array {
    const d = this.data,
      hd = this.head;
    const len = d[hd];
    this.h1 = d[hd + 1] | (d[hd + 2] << 16) | 0;
    this.h2 = d[hd + 3] | (d[hd + 4] << 16) | 0;
    const mw = this.mw,
      o = 5 + mw;
    for (let i = 0; i < mw; i++) this.need[i] = d[hd + 5 + i];
    let out = this.buf[len];
    if (!out) out = this.buf[len] = new Int32Array(len);
    for (let i = 0; i < len; i++) out[i] = d[hd + o + i];
    this.head = hd + o + len;
    return out;
  }
  private widen() {
    const b = new Int32Array(this.data.length);
    for (let i = 0; i < this.tail; i++) b[i] = this.data[i];
    // fingerprint halves were stored as uint16 and read back the same way; nothing else to convert
    this.data = b;
  }
}

class GrowInt32 {
  a = new Int32Array(1 << 16);
  push(i: number, x: number) {
    if (i >= this.a.length) {
      const b = new Int32Array(Math.ceil(this.a.length * 1.5));
      b.set(this.a);
      this.a = b;
    }
    this.a[i] = x;
  }
}
class GrowUint16 {
  a = new Uint16Array(1 << 16);
  push(i: number, x: number) {
    if (x > 0xffff) throw new Error(`more than 65535 enabled actions in one state`);
    if (i >= this.a.length) {
      const b = new Uint16Array(Math.ceil(this.a.length * 1.5));
      b.set(this.a);
      this.a = b;
    }
    this.a[i] = x;
  }
}

/** The fingerprint pseudo-slot of the monitor states (no object has it: slots count objects). */
const MONITOR_SLOT = 0x3fffffff;

/** Re-execute a path of enabled-action indices from the initial state (through `enabledActions`). */
export function rebuildTrace(d: Design, cfg: unknown, ks: number[]): TraceStep[] {
  let w: World = d.init(cfg);
  const out: TraceStep[] = [];
  for (const k of ks) {
    const acts = enabledActions(d, cfg, w);
    const a = acts[k];
    if (!a) throw new Error(`internal: trace rebuild: action #${k} of ${acts.length} at step ${out.length}`);
    out.push(toTraceStep(a));
    w = a.next;
  }
  return out;
}

function rebuildWorld(d: Design, cfg: unknown, ks: number[]): World {
  let w: World = d.init(cfg);
  for (const k of ks) w = enabledActions(d, cfg, w)[k].next;
  return w;
}

/** Symmetry groups as slots, and the canonical fingerprint of a vector. */
function symmetryOf(e: FastEngine, d: Design, cfg: unknown): Int32Array[][] | null {
  if (!d.symmetry) return null;
  const groups = d.symmetry(cfg).filter((g) => g.length > 1);
  if (!groups.length) return null;
  return groups.map((g) => g.map((m) => Int32Array.from(m.map((id) => e.slot(id)))));
}
function canonicalHash(groups: Int32Array[][], v: Int32Array, h1: number, h2: number): [number, number] {
  const at = (s: number) => (s < v.length ? v[s] : 0);
  for (const g of groups) {
    const tuples = g.map((m) => Array.from(m, at));
    const sorted = [...tuples].sort((a, b) => {
      for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
      return 0;
    });
    for (let m = 0; m < g.length; m++) {
      for (let t = 0; t < g[m].length; t++) {
        const s = g[m][t],
          old = tuples[m][t],
          nw = sorted[m][t];
        if (old === nw) continue;
        h1 = (h1 - z1(s, old) + z1(s, nw)) | 0;
        h2 = (h2 - z2(s, old) + z2(s, nw)) | 0;
      }
    }
  }
  return [h1, h2];
}

export function exploreExhaustive(
  d: Design,
  cfg: unknown,
  checker: Checker,
  props: string[],
  o: ExhaustiveOptions,
): ExhaustiveResult {
  const t0 = Date.now();
  const want = new Set(props);
  const found: Found[] = [];
  const e = engineFor(d, cfg);
  // Graph liveness (issue 13.2): drain edges recorded during the search, so fingerprints need indices.
  const lv = LivenessGraph.for(d, cfg, checker.drains, props, o.liveness);
  const fps = lv ? lv.fps : new FingerprintSet();
  const parent = new GrowInt32();
  const via = new GrowUint16();
  // Incremental successors for designs whose steps all declare footprints (FastEngine.needMask).
  const mw = o.incremental === false ? 0 : e.maskWords;
  const queue = new VecQueue(mw);
  const need = mw ? new Uint16Array(mw) : null;
  let peakRss = process.memoryUsage.rss();

  let states = 1;
  const pathTo = (i: number): number[] => {
    const ks: number[] = [];
    for (; i > 0; i = parent.a[i]) ks.push(via.a[i]);
    return ks.reverse();
  };
  const record = (fs: { property: string; message: string; drain?: string[] }[], ks: () => number[]) => {
    for (const f of fs) {
      if (!want.has(f.property)) continue;
      want.delete(f.property);
      found.push({
        property: f.property,
        message: f.message,
        actions: rebuildTrace(d, cfg, ks()),
        drain: f.drain,
        atStates: states,
        atMs: Date.now() - t0,
      });
    }
  };

  // Reductions: decide once what applies.
  const mon = checker.monitors.length > 0;
  const declared = o.symmetry === false ? null : symmetryOf(e, d, cfg);
  const groups = mon || lv ? null : declared;
  const symmetry =
    o.symmetry === false
      ? 'off'
      : declared && mon
        ? 'off (a stateful monitor is checked: its state may name a member of a symmetry group)'
        : declared && lv
          ? 'off (liveness on the state graph: a cycle must return to the same state, not a permuted one)'
          : groups
            ? `on (${groups.map((g) => `${g.length} interchangeable`).join(', ')})`
            : 'n/a (the design declares no interchangeable objects)';
  let porOn = false;
  let por: string;
  if (o.por === false) por = 'off';
  else if (mon) por = 'off (a stateful monitor is checked: persistent sets do not keep the order of observed steps)';
  else if (!e.allStatic) por = 'n/a (some steps declare no footprint)';
  else if (!checker.onlyTerminal(want)) por = 'n/a (a property looked for is not terminal)';
  else if (e.components < 2) por = 'no effect (every step depends on every other through shared objects)';
  else {
    porOn = true;
    por = `on (${e.components} independence components)`;
  }

  const w0 = d.init(cfg);
  const v0 = e.encode(w0);
  const [a1, a2] = e.hash(v0);
  const [c1, c2] = groups ? canonicalHash(groups, v0, a1, a2) : [a1, a2];
  // Monitor states: the interned tuple id of each state (by index), hashed in at a pseudo-slot.
  const mid = mon ? new GrowInt32() : null;
  const m0 = mon ? checker.internMonitors(checker.monitorInit(w0)) : 0;
  fps.add((c1 + (mon ? z1(MONITOR_SLOT, m0 + 1) : 0)) | 0, (c2 + (mon ? z2(MONITOR_SLOT, m0 + 1) : 0)) | 0);
  mid?.push(0, m0);
  parent.push(0, -1);
  via.push(0, 0);
  queue.push(v0, a1, a2);
  let transitions = 0;
  let depth = 0;
  let levelEnd = 1;
  let cutByDepth = false;
  let stoppedBy: ExhaustiveResult['stoppedBy'] = 'complete';
  let shifted = 0; // states taken from the queue (graph liveness drains the rest after a bound)
  let lastReport = Date.now();
  // what the checker judges at a state beside the graph (drains the graph decides need no world here)
  const worldNeeded = () => checker.needsWorld(lv ? lv.others(want) : want);
  let needWorld = worldNeeded();
  let sp = checker.needsSteps(want);
  // Witnesses (issue 11.2): counted on every distinct state expanded and every transition taken.
  let ws = checker.witnessesStates(want);
  let wt = checker.witnessesSteps(want);

  // The state being expanded as a World, decoded at most once; one thunk for the whole search (a closure per
  // state costs a defineProperty each under tsx, whose transform names every function).
  let wd: World | undefined;
  let wv = v0;
  const W = () => (wd ??= e.decode(wv));
  // the state a witness is counted at, on the engine (its vector set per state)
  const witnessAt = { engine: e, vec: v0 };
  for (let i = 0; i < states; i++) {
    if (want.size === 0 && !o.exploreAll) {
      stoppedBy = 'all-found';
      break;
    }
    if (i === levelEnd) {
      depth++;
      levelEnd = states;
    }
    const v = queue.shift();
    shifted = i + 1;
    const h1 = queue.h1,
      h2 = queue.h2;
    const succ: Succ[] = e.successors(v, h1, h2, undefined, undefined, mw ? queue.need : null);
    const ms: MonitorStates | undefined = mid ? checker.monitorsById(mid.a[i]) : undefined;
    wd = undefined;
    wv = v;
    // Witnesses and the graph's judgments are memoized on the engine only where nothing else decodes the
    // state: on a decoded world they cost less than their memos' walks (present-vblank-naive's witnesses:
    // 11% more CPU with them)
    witnessAt.vec = v;
    const at = needWorld || sp || wt || mid ? undefined : witnessAt;
    if (ws) checker.countState(W, want, at);
    if (lv) {
      const fs = lv.expand(i, W, succ, want, at);
      if (fs.length) {
        record(fs, () => pathTo(i));
        needWorld = worldNeeded();
        ws = checker.witnessesStates(want);
        wt = checker.witnessesSteps(want);
      }
    }
    if (succ.length === 0 || needWorld) {
      const fast = { engine: e, vec: v, h1, h2 };
      const fs = checker.atState(W, lv ? lv.others(want) : want, fpKey(h1, h2), succ.length, fast, ms);
      if (fs.length) {
        record(fs, () => pathTo(i));
        needWorld = worldNeeded();
        sp = checker.needsSteps(want);
        ws = checker.witnessesStates(want);
        wt = checker.witnessesSteps(want);
      }
      if (want.size === 0 && !o.exploreAll) {
        stoppedBy = 'all-found';
        break;
      }
    }
    if (depth >= o.maxDepth) {
      if (succ.length) cutByDepth = true;
      if (lv && succ.length) {
        // not expanded: a drain from here may go past the depth bound, as without graph liveness
        const fs = checker.atState(W, new Set(lv.decides.filter((p) => want.has(p))), fpKey(h1, h2));
        if (fs.length) record(fs, () => pathTo(i));
      }
      continue;
    }

    let todo = succ;
    if (porOn && succ.length > 1) {
      const count = new Map<number, number>();
      for (const s of succ) count.set(s.cand!.component, (count.get(s.cand!.component) ?? 0) + 1);
      let best = -1,
        bestN = Infinity;
      for (const [c, n] of count)
        if (n < bestN || (n === bestN && c < best)) {
          best = c;
          bestN = n;
        }
      todo = succ.filter((s) => s.cand!.component === best);
    }
    for (const s of todo) {
      transitions++;
      // The successor's vector and world, each made at most once (step properties, witnesses, monitors).
      const t = sp || wt || groups || (mid && checker.monitored(s.step)) ? new Transition(e, v, s, W) : undefined;
      if (sp || wt) {
        const wv = W();
        if (wt) checker.countStep(wv, actionInfo(t!.step, t!.args, t!.label), t!.next, want);
        const stepF = sp ? checker.atStep(wv, t!, want) : [];
        if (stepF.length) {
          record(stepF, () => [...pathTo(i), s.k]);
          needWorld = worldNeeded();
          sp = checker.needsSteps(want);
          ws = checker.witnessesStates(want);
          wt = checker.witnessesSteps(want);
        }
      }
      let n1 = s.h1,
        n2 = s.h2;
      if (groups) [n1, n2] = canonicalHash(groups, t!.vec(), n1, n2);
      let m = 0;
      if (mid) {
        m = mid.a[i];
        if (checker.monitored(s.step)) {
          const r = checker.monitorStep(ms!, W(), actionInfo(s.step, s.args, t!.label), t!.next, want);
          if (r.found.length) {
            record(r.found, () => [...pathTo(i), s.k]);
            needWorld = worldNeeded();
            sp = checker.needsSteps(want);
            ws = checker.witnessesStates(want);
            wt = checker.witnessesSteps(want);
          }
          if (r.states !== ms) m = checker.internMonitors(r.states);
        }
        n1 = (n1 + z1(MONITOR_SLOT, m + 1)) | 0;
        n2 = (n2 + z2(MONITOR_SLOT, m + 1)) | 0;
      }
      const fresh = fps.add(n1, n2);
      if (lv) lv.edge(s, fresh ? states : lv.fps.hit);
      if (!fresh) continue;
      const j = states++;
      parent.push(j, i);
      via.push(j, s.k);
      mid?.push(j, m);
      if (need) e.needMask(succ, s, need);
      const nv = t?.made;
      if (nv) queue.push(nv, s.h1, s.h2, undefined, need ?? undefined);
      else if (s.eff) queue.push(v, s.h1, s.h2, s.eff.pairs, need ?? undefined);
      else queue.push(s.vec!, s.h1, s.h2);
      if (states >= o.maxStates) break;
    }
    if (states >= o.maxStates) {
      stoppedBy = 'states';
      lv?.cut(i); // its expansion may be incomplete: no cycle may rest on its edges
      break;
    }
    // The clock every 256 expansions (cheap): progress at least every 250 ms and the time budget, even on
    // designs that expand a few thousand states a second; resident memory (a syscall) every 16,384.
    if ((i & 0xff) === 0) {
      const now = Date.now();
      if (o.budgetMs !== undefined && now - t0 > o.budgetMs) {
        stoppedBy = 'time';
        break;
      }
      if ((i & 0x3fff) === 0) {
        const rss = process.memoryUsage.rss();
        if (rss > peakRss) peakRss = rss;
        if (o.maxMemoryBytes !== undefined && rss > o.maxMemoryBytes) {
          stoppedBy = 'memory';
          break;
        }
      }
      if (o.onProgress && now - lastReport > 250) {
        lastReport = now;
        o.onProgress({ states, depth, transitions });
      }
    }
  }
  if (stoppedBy === 'complete' && cutByDepth) stoppedBy = 'depth';
  const frontier = new FrontierDrains(o.budgetMs === undefined ? undefined : t0 + o.budgetMs);
  if (lv && want.size && stoppedBy !== 'complete' && stoppedBy !== 'depth' && stoppedBy !== 'all-found') {
    // A bound stopped the search: a drain from an expanded state may settle beyond what was explored, so
    // the states not (fully) expanded that a drain edge enters get the drain (those entered only by
    // userspace steps lie on no such drain; without graph liveness they get none either).
    // With a time budget they get it until the budget runs out (then they are only counted, for the bound).
    const only = new Set(lv.decides.filter((p) => want.has(p)));
    // the state cut short is no longer in the queue; the rest of the frontier is, in index order
    const first = shifted;
    for (let j = lv.expanded; j < states && only.size; j++) {
      const v = j < first ? null : queue.shift();
      if ((v && !lv.enteredByDrain(j)) || !frontier.take()) continue;
      let fs: { property: string; message: string; drain?: string[] }[];
      if (!v) fs = checker.atState(rebuildWorld(d, cfg, pathTo(j)), only);
      else {
        const fast = { engine: e, vec: v, h1: queue.h1, h2: queue.h2 };
        fs = checker.atState(() => e.decode(v), only, fpKey(queue.h1, queue.h2), undefined, fast);
      }
      for (const f of fs) only.delete(f.property);
      record(fs, () => pathTo(j));
    }
  }
  if (lv && want.size) {
    for (const f of lv.cycles(want, pathTo)) {
      want.delete(f.property);
      found.push({ ...f, atStates: states, atMs: Date.now() - t0 });
    }
  }
  const rss = process.memoryUsage.rss();
  if (rss > peakRss) peakRss = rss;
  const structureBytes =
    fps.bytes +
    parent.a.byteLength +
    via.a.byteLength +
    Math.max(queue.peakBytes, queue.bytes) +
    (mid ? mid.a.byteLength : 0) +
    (lv ? lv.bytes - lv.fps.bytes : 0);
  const n = states,
    t = transitions + 1;
  const bound = frontier.cut(
    stoppedBy === 'all-found'
      ? `${states} states to depth ${depth}, where every property looked for had a shortest counterexample`
      : stoppedBy === 'complete'
        ? `all ${states} reachable ` +
          `states${mon ? ' (world and monitor states)' : ''}${groups ? ' (up to symmetry)' : ''}` +
          `${porOn ? ' (persistent-set reduced)' : ''}`
        : stoppedBy === 'depth'
          ? `${states} states to depth ${o.maxDepth} (stopped by the depth bound ${o.maxDepth})`
          : stoppedBy === 'states'
            ? `${states} states to depth ${depth} (stopped by the state bound ${o.maxStates})`
            : stoppedBy === 'memory'
              ? `${states} states to depth ${depth} (stopped by the memory bound ` +
                `${Math.round((o.maxMemoryBytes ?? 0) / 2 ** 20)} MiB)`
              : `${states} states to depth ${depth} (stopped by the time budget ${o.budgetMs} ms)`,
  );
  return {
    found,
    states,
    transitions,
    depth,
    stoppedBy,
    bound,
    ms: Date.now() - t0,
    fingerprints: {
      bits: 64,
      collisionProbability: (n * Math.max(0, t - n)) / 2 ** 64,
      birthdayBound: (n * n) / 2 ** 65,
    },
    memory: { structureBytes, bytesPerState: structureBytes / n, peakRss },
    reductions: { symmetry, por },
    liveness: lv ? { decides: lv.decides, edges: lv.edges, bytes: lv.bytes } : null,
  };
}

/**
 * The frontier's drains under a time budget (graph liveness after a bound stopped the search): each
 * unexpanded state a drain step enters is `due` one, and gets it until the clock (read every 64 drains)
 * passes `deadline` (ms since the epoch); after that the rest are only counted.
 */
export class FrontierDrains {
  due = 0;
  drained = 0;
  private late = false;
  constructor(private readonly deadline?: number) {}
  /** One more state due a drain: does it get it? */
  take(): boolean {
    this.due++;
    if (!this.late && this.deadline !== undefined && (this.drained & 0x3f) === 0)
      this.late = Date.now() > this.deadline;
    if (this.late) return false;
    this.drained++;
    return true;
  }
  /** Add another's counts (the shards'). */
  add(o: { due: number; drained: number }): void {
    this.due += o.due;
    this.drained += o.drained;
  }
  /** `bound`, saying inside its closing parenthesis how many ran when the budget cut them. */
  cut(bound: string): string {
    return this.drained < this.due
      ? `${bound.slice(0, -1)}; the time budget cut the drains from the unexpanded states: ` +
          `${this.drained} of ${this.due} ran)`
      : bound;
  }
}

/** A one-line TLC-style summary of a result's fingerprint statistics. */
export function collisionLine(r: ExhaustiveResult): string {
  return (
    `fingerprint collision probability: calculated (optimistic) ` +
    `${r.fingerprints.collisionProbability.toExponential(1)}, birthday bound ` +
    `${r.fingerprints.birthdayBound.toExponential(1)}`
  );
}
