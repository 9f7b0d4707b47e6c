/**
 * One worker's part of the parallel exhaustive search (src/explore/parallel.ts; issue 13.3). Pure
 * computation, no threads: the coordinator drives N of these, in worker threads or (tests) in one.
 *
 * Level-synchronous BFS. A shard expands its own frontier states; their successors stay with a shard that
 * made them (vectors hold this thread's intern ids, so they cannot move); whether a successor is new is
 * decided by the shard that owns its fingerprint (fingerprint mod N), which keeps the visited set of
 * those fingerprints only. Per level: `expand` (successors and properties, candidates grouped by owner),
 * `judge` (each owner: a fingerprint never seen is new; its order key is the least of the level's
 * candidates with it; the shard that made it by that key keeps it, or another of its makers when that one
 * keeps too many: Shard.judge), `adopt` (each shard keeps its share as its next frontier, in key order).
 * The order key of a successor is (global BFS rank of its parent, index of the action among the enabled
 * ones): exactly the order in which one worker's BFS discovers states, so the least key is the parent and
 * the action one worker would have stored the state by, and the coordinator's ranks of the next level (a
 * merge of the shards' sorted keys) are one worker's state indices. The coordinator keeps each state's
 * parent by rank from those keys, so every trace is one worker's, whichever shard holds the state.
 *
 * Graph liveness (liveness.ts) as with one worker: a shard judges each state it expands with the graph
 * form (`LivenessGraph.judge`) and keeps the drain edges of the states where an obligation is open, the
 * targets by fingerprint; an owner keeps each fingerprint's global rank (from the level's merged keys).
 * Once the search is over the coordinator resolves the targets to ranks at their owners and records the
 * states in rank order in one graph: one worker's graph, state for state, so its cycles and lassos are one
 * worker's too. A candidate says whether a drain step made it, so the owner knows which states of a
 * frontier a bound left unexpanded are entered by a drain edge (those get a drain, as with one worker).
 *
 * Fingerprints must mean the same in every thread, but the engine's state vectors hold snapshot intern
 * ids given in order of first sight, which differ per thread. So the fingerprint here is the same
 * two-lane sum as the engine's, over (hash of the object id, hash of the snapshot's content: machine,
 * status, value, context) instead of (slot, intern id); each intern id's content hash is computed once.
 * Symmetry sorts members by content hash (a canonical form as good as the engine's sort by id), and
 * monitor states are hashed by their canonical JSON. Equal worlds have equal fingerprints in every
 * thread; distinct worlds collide with the same 2^-64-ish odds as one worker's.
 */
import type { Design } from '../../models/design.ts';
import type { World } from '../../models/world.ts';
import { snapshotById } from '../../models/world.ts';
import { actionInfo, canonicalJson, type Checker, type MonitorStates } from '../check.ts';
import {
  cachedLabel,
  fpKey,
  Transition,
  type Effect,
  type EngineState,
  type FastEngine,
  type Succ,
} from '../world/fast.ts';
import { engineFor } from './drain.ts';
import { isDrainRole } from './drain-path.ts';
import { FingerprintSet, FrontierDrains } from './exhaustive.ts';
import { LevelStore } from './level-store.ts';
import { LivenessGraph } from './liveness.ts';

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}
/** Two independent 32-bit hashes of a string (FNV-1a, two offsets, then mixed). */
function strHash(s: string): [number, number] {
  let a = 0x811c9dc5 | 0,
    b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 15);
  }
  return [fmix32(a ^ s.length), fmix32(b + s.length)];
}

/** A machine's identity across threads: its id and its definition (function sources included). */
const machineKeys = new WeakMap<object, string>();
function machineKey(m: { id: string; config: unknown; implementations?: unknown }): string {
  let k = machineKeys.get(m);
  if (k === undefined) {
    const src = (_: string, v: unknown) => (typeof v === 'function' ? String(v) : v);
    k = `${m.id}#${strHash(JSON.stringify([m.config, m.implementations ?? null], src)).join(':')}`;
    machineKeys.set(m, k);
  }
  return k;
}

const MONITOR_SLOT_ID = '$monitors';

class Grow<T extends Int32Array | Uint16Array | Uint8Array | Float64Array> {
  constructor(public a: T) {}
  set(i: number, x: number) {
    if (i >= this.a.length) {
      const b = new (this.a.constructor as new (n: number) => T)(Math.ceil(this.a.length * 1.5) + 16);
      b.set(this.a as ArrayLike<number> & T);
      this.a = b;
    }
    this.a[i] = x;
  }
  /** Room for indices below n (then `a` may be written directly). */
  reserve(n: number) {
    if (n > this.a.length) {
      const b = new (this.a.constructor as new (n: number) => T)(Math.max(n, Math.ceil(this.a.length * 1.5) + 16));
      b.set(this.a as ArrayLike<number> & T);
      this.a = b;
    }
  }
}

/** The size of a shard's table of fingerprints sent lately (Shard.sent): 2^16 entries, 1 MiB. */
const SENT_MASK = (1 << 16) - 1;

/** Which shard owns a fingerprint, of `count`. */
export function ownerOf(f1: number, f2: number, count: number): number {
  return count === 1 ? 0 : (fmix32(f1 ^ Math.imul(f2, 0x9e3779b1)) >>> 0) % count;
}

/** Candidates for one owner: fingerprints (two lanes), order keys, and 1 where a drain step made one. */
export interface Cands {
  fp: Int32Array;
  keys: Float64Array;
  drain: Uint8Array;
}

/**
 * A shard's graph-liveness records, for the coordinator (`Shard.liveness`): per state it expanded, in
 * rank order, its rank, the judgment's bits (`flags`; `cs`: 1 carried, 2 stuck), its carried set ids
 * (`carried` of them a state, in `from` and `met`) and how many drain edges it kept (`deg`); per kept
 * edge, the target's fingerprint and the label's index in `labels`. The first `prefix` states are the
 * prefix every shard explored alone.
 */
export interface LivenessRecords {
  prefix: number;
  rank: Int32Array;
  flags: Uint8Array;
  cs: Uint8Array;
  carried: number;
  from: Int32Array;
  met: Int32Array;
  deg: Int32Array;
  f1: Int32Array;
  f2: Int32Array;
  lab: Int32Array;
  labels: string[];
  sets: string[][];
}

/** What `drainFrontier` found, and how many frontier states were due a drain and got one. */
export interface FrontierFound {
  findings: LevelFinding[];
  due: number;
  drained: number;
}

/** The best (least order key) violation of one property a shard saw in a level. */
export interface LevelFinding {
  property: string;
  message: string;
  drain?: string[];
  /** rank * 65538 (+ 1 + action index for a step or monitor violation): one worker's order. */
  order: number;
  /** The global rank of the state it was found at (the coordinator has every state's BFS parent). */
  at: number;
  /** The index of the violating action among the state's enabled ones; -1: the state itself. */
  k: number;
}

/**
 * An owner's answer to one source (`Shard.judge`): per candidate, 1 where the source keeps it (new in the
 * level, and the source the owner chose among those that made it) plus 2 where some candidate with its
 * fingerprint came by a drain step, plus 4 where the source keeps a state another source reached by a
 * smaller order key: that key is in `ovK`, beside the candidate's index in `ovJ`.
 */
export interface Accepted {
  acc: Uint8Array;
  ovJ: Int32Array;
  ovK: Float64Array;
}

export interface ShardOptions {
  maxDepth: number;
  symmetry?: boolean;
  por?: boolean;
  /** As exploreExhaustive's: drain properties with a graph form on the state graph (default), or by drains. */
  liveness?: 'graph' | 'drain';
}

export class Shard {
  readonly e: FastEngine;
  /** Words of an incremental-successors mask (0: the design's steps do not all declare footprints). */
  private readonly mw: number;
  /** Graph liveness: the judgments (its graph stays empty) and, indexed, the fingerprint set. */
  private lv: LivenessGraph | null;
  private fps: FingerprintSet | LivenessGraph['fps'];
  /** Graph liveness, as owner: each fingerprint's global rank (by its index in `fps`), and this level's accepted. */
  private rankOf = new Grow(new Int32Array(1 << 12));
  private pendIns: number[] = [];
  private pendKey: number[] = [];
  /** Graph liveness, as generator: the records of `LivenessRecords`, growing. */
  private rec = {
    n: 0,
    prefix: 0,
    rank: new Grow(new Int32Array(1 << 12)),
    flags: new Grow(new Uint8Array(1 << 12)),
    cs: new Grow(new Uint8Array(1 << 12)),
    from: new Grow(new Int32Array(1 << 6)),
    met: new Grow(new Int32Array(1 << 6)),
    deg: new Grow(new Int32Array(1 << 12)),
    e: 0,
    f1: new Grow(new Int32Array(1 << 12)),
    f2: new Grow(new Int32Array(1 << 12)),
    lab: new Grow(new Int32Array(1 << 12)),
    labelIds: new Map<string, number>(),
    labels: [] as string[],
  };
  private mid: Grow<Int32Array> | null;
  /** Local states stored. */
  n = 0;
  /**
   * The frontier, in rank order: per state its local index, rank within the level, engine and portable
   * world hashes, whether a drain step enters it (graph liveness: a frontier a bound left unexpanded
   * drains these), its need mask and, once expanded, its enabled mask (FastEngine.needMask), its vector.
   * While a level's successors are pending it is their parents' level; `nx` receives the next.
   */
  private fr: LevelStore;
  private nx: LevelStore;
  /** Scratch need and enabled masks (mw words). */
  private needBuf: Uint16Array;
  private enBuf: Uint16Array;
  /**
   * This level's successors sent to an owner, in generation order (struct of typed arrays, reused across
   * levels; vectors are made on adoption): the parent's frontier index, the effect (the engine's memo owns
   * it), engine hashes, the full vector where the step has no effect, portable hashes,
   * monitor id, owner, and index among that owner's candidates.
   */
  private np = 0;
  private pFi = new Grow(new Int32Array(1 << 12));
  private pEff: (Effect | null)[] = [];
  private pH = new Grow(new Int32Array(1 << 13));
  private pVec: (Int32Array | null)[] = [];
  private pVecBytes = 0;
  private pP = new Grow(new Int32Array(1 << 13));
  private pM = new Grow(new Int32Array(1 << 12));
  private pOwner = new Grow(new Uint16Array(1 << 12));
  private pJ = new Grow(new Int32Array(1 << 12));
  /** The global rank of the frontier's level's first state (the store's ranks are within the level). */
  private frBase = 0;
  /**
   * The fingerprints this shard sent lately, direct-mapped: the level it sent each in (0: none) and its
   * index among its owner's candidates. One sent in an earlier level is in its owner's set by now, so it
   * is not new; one sent in this level has a candidate there already, with a smaller order key (a level's
   * candidates come in key order), which needs only this one's drain bit. Without it most candidates
   * were repeats: in rw-umf-b (4,3) with 2 shards, 72% of those for the other shard. An entry is four
   * words side by side (fingerprint's two lanes, level, index), so a probe touches one cache line.
   */
  private sent = new Int32Array(4 * (SENT_MASK + 1));
  /** Levels expanded (the stamp of a `sent` entry). */
  private level = 0;
  /** Per owner, this level's candidates (`n` of them): fingerprints (two lanes), order keys, drain bits. */
  private out: { fp: Grow<Int32Array>; keys: Grow<Float64Array>; drain: Grow<Uint8Array>; n: number }[] = [];
  private ps1 = new Grow(new Int32Array(1 << 10));
  private ps2 = new Grow(new Int32Array(1 << 10));
  private psKnown = new Grow(new Uint16Array(1 << 10));
  private g1 = new Grow(new Int32Array(64));
  private g2 = new Grow(new Int32Array(64));
  private gKnown = new Grow(new Uint16Array(64));
  private oh1: number[] = [];
  private oh2: number[] = [];
  private mh = new Map<number, [number, number]>();
  private groups: Int32Array[][] | null;
  private porOn: boolean;
  readonly mon: boolean;
  cutByDepth = false;
  peakFrontierBytes = 0;
  /** The witness counts when the shared prefix ended (counted once, by shard 0). */
  prefixReached: [string, number][] = [];
  readonly symmetry: string;
  readonly por: string;

  constructor(
    readonly d: Design,
    readonly cfg: unknown,
    readonly checker: Checker,
    props: string[],
    readonly o: ShardOptions,
    readonly index: number,
    public count: number,
  ) {
    this.e = engineFor(d, cfg);
    this.mw = this.e.maskWords;
    this.fr = new LevelStore(this.mw);
    this.nx = new LevelStore(this.mw);
    this.needBuf = new Uint16Array(this.mw);
    this.enBuf = new Uint16Array(this.mw);
    this.mon = checker.monitors.length > 0;
    this.mid = this.mon ? new Grow(new Int32Array(1 << 12)) : null;
    this.lv = LivenessGraph.for(d, cfg, checker.drains, props, o.liveness);
    this.fps = this.lv ? this.lv.fps : new FingerprintSet();
    // Reductions, decided as exploreExhaustive decides them (and reported in the same words).
    const declared =
      o.symmetry === false || !d.symmetry
        ? null
        : d
            .symmetry(cfg)
            .filter((g) => g.length > 1)
            .map((g) => g.map((m) => Int32Array.from(m.map((id) => this.e.slot(id)))));
    this.groups = this.mon || this.lv || !declared?.length ? null : declared;
    this.symmetry =
      o.symmetry === false
        ? 'off'
        : declared?.length && this.mon
          ? 'off (a stateful monitor is checked: its state may name a member of a symmetry group)'
          : declared?.length && this.lv
            ? 'off (liveness on the state graph: a cycle must return to the same state, not a permuted one)'
            : this.groups
              ? `on (${this.groups.map((g) => `${g.length} interchangeable`).join(', ')})`
              : 'n/a (the design declares no interchangeable objects)';
    this.porOn = false;
    if (o.por === false) this.por = 'off';
    else if (this.mon)
      this.por = 'off (a stateful monitor is checked: persistent sets do not keep the order of observed steps)';
    else if (!this.e.allStatic) this.por = 'n/a (some steps declare no footprint)';
    else if (!checker.onlyTerminal(new Set(props))) this.por = 'n/a (a property looked for is not terminal)';
    else if (this.e.components < 2) this.por = 'no effect (every step depends on every other through shared objects)';
    else {
      this.porOn = true;
      this.por = `on (${this.e.components} independence components)`;
    }
  }

  // ---- portable hashing ------------------------------------------------------------------------

  private slotHash(s: number): void {
    for (let i = this.oh1.length; i <= s; i++) {
      const [a, b] = strHash(i === 0 ? '$g' : this.e.ids[i]);
      this.oh1.push(a);
      this.oh2.push(b);
    }
  }
  /** Make the content hash of slot s's value x known (x = intern id; slot 0: the globals' id). */
  private ensure(s: number, x: number): void {
    if (s >= this.oh1.length) this.slotHash(s);
    if (s === 0) {
      if (x < this.gKnown.a.length && this.gKnown.a[x]) return;
      const [a, b] = strHash(`$g|${JSON.stringify(this.e.decode(Int32Array.of(x)).g)}`);
      this.g1.set(x, a);
      this.g2.set(x, b);
      this.gKnown.set(x, 1);
      return;
    }
    if (x < this.psKnown.a.length && this.psKnown.a[x]) return;
    const sn = snapshotById(x);
    const hv = sn.historyValue && Object.keys(sn.historyValue).length ? JSON.stringify(sn.historyValue) : '';
    const ch = sn.children && Object.keys(sn.children).length ? Object.keys(sn.children).sort().join(',') : '';
    const [a, b] = strHash(
      `${machineKey(sn.machine)}|${sn.status}|${JSON.stringify(sn.value)}|${JSON.stringify(sn.context)}|${hv}|${ch}`,
    );
    this.ps1.set(x, a);
    this.ps2.set(x, b);
    this.psKnown.set(x, 1);
  }
  private value(s: number, x: number): [number, number] {
    this.ensure(s, x);
    return s === 0 ? [this.g1.a[x], this.g2.a[x]] : [this.ps1.a[x], this.ps2.a[x]];
  }
  /** Lane 1 and lane 2 of (object id, content); call ensure(s, x) first. 0 for no object. */
  private z1(s: number, x: number): number {
    if (x === 0) return 0;
    const c = s === 0 ? this.g1.a[x] : this.ps1.a[x];
    return fmix32(fmix32(c + 0x51ed27) ^ Math.imul(this.oh1[s], 0x9e3779b1));
  }
  private z2(s: number, x: number): number {
    if (x === 0) return 0;
    const c = s === 0 ? this.g2.a[x] : this.ps2.a[x];
    return fmix32(fmix32(c ^ 0x27d4eb2f) + Math.imul(this.oh2[s], 0x85ebca77));
  }
  private z(s: number, x: number): [number, number] {
    if (x === 0) return [0, 0];
    this.ensure(s, x);
    return [this.z1(s, x), this.z2(s, x)];
  }
  private full(v: Int32Array): [number, number] {
    let p1 = 0,
      p2 = 0;
    for (let s = 0; s < v.length; s++) {
      const x = v[s];
      if (x === 0) continue;
      this.ensure(s, x);
      p1 = (p1 + this.z1(s, x)) | 0;
      p2 = (p2 + this.z2(s, x)) | 0;
    }
    return [p1, p2];
  }
  private canonical(v: Int32Array, p1: number, p2: number): [number, number] {
    const at = (s: number) => (s < v.length ? v[s] : 0);
    for (const g of this.groups!) {
      const tuples = g.map((m) => Array.from(m, (s) => at(s)));
      const keyOf = (t: number[]) => t.map((x, i) => (x === 0 ? [0, 0] : this.value(g[0][i], x)));
      const keyed = tuples.map((t) => ({ t, k: keyOf(t) }));
      const sorted = [...keyed].sort((a, b) => {
        for (let i = 0; i < a.k.length; i++)
          for (let l = 0; l < 2; l++) if (a.k[i][l] !== b.k[i][l]) return a.k[i][l] - b.k[i][l];
        return 0;
      });
      for (let m = 0; m < g.length; m++)
        for (let t = 0; t < g[m].length; t++) {
          const s = g[m][t],
            old = tuples[m][t],
            nw = sorted[m].t[t];
          if (old === nw) continue;
          // the member's value moves to slot s: hash it as slot s's (content hashes ignore the slot)
          const [a1, a2] = this.z(s, old);
          const [b1, b2] = this.z(s, nw);
          p1 = (p1 - a1 + b1) | 0;
          p2 = (p2 - a2 + b2) | 0;
        }
    }
    return [p1, p2];
  }
  private monHash(m: number): [number, number] {
    let h = this.mh.get(m);
    if (!h) {
      const [a, b] = strHash(canonicalJson(this.checker.monitorsById(m) as MonitorStates as never));
      const [o1, o2] = strHash(MONITOR_SLOT_ID);
      h = [
        fmix32(fmix32(a + 0x51ed27) ^ Math.imul(o1, 0x9e3779b1)),
        fmix32(fmix32(b ^ 0x27d4eb2f) + Math.imul(o2, 0x85ebca77)),
      ];
      this.mh.set(m, h);
    }
    return h;
  }
  /** Which shard owns a fingerprint. */
  owner(f1: number, f2: number): number {
    return ownerOf(f1, f2, this.count);
  }

  // ---- the search ------------------------------------------------------------------------------

  /** Store the initial state (every shard does; only its owner keeps the fingerprint). Its key, 0. */
  init(): void {
    const w0 = this.d.init(this.cfg);
    const v0 = this.e.encode(w0);
    const [h1, h2] = this.e.hash(v0);
    const [p1, p2] = this.full(v0);
    let [f1, f2] = this.groups ? this.canonical(v0, p1, p2) : [p1, p2];
    const m0 = this.mon ? this.checker.internMonitors(this.checker.monitorInit(w0)) : 0;
    if (this.mon) {
      const [a, b] = this.monHash(m0);
      f1 = (f1 + a) | 0;
      f2 = (f2 + b) | 0;
    }
    this.fps.add(f1, f2);
    this.rankOf.set(0, 0);
    this.mid?.set(0, m0);
    this.n = 1;
    this.fr.clear();
    this.fr.push(v0, null, 0, h1, h2, p1, p2, false, null);
  }

  get frontierSize(): number {
    return this.fr.n;
  }

  /**
   * The frontier's BFS ranks within its level, in frontier order (the coordinator's merge of the shards'
   * keys); the level's first state has global rank `base`. With graph liveness also the level's keys in
   * rank order, which rank what this shard, as owner, accepted in the level.
   */
  setRanks(ranks: Float64Array, levelKeys?: Float64Array, base = 0): void {
    for (let i = 0; i < this.fr.n; i++) this.fr.setRank(i, ranks[i]);
    this.frBase = base;
    if (!this.lv || !levelKeys) return;
    for (let c = 0; c < this.pendIns.length; c++) {
      const key = this.pendKey[c];
      let lo = 0,
        hi = levelKeys.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (levelKeys[mid] < key) lo = mid + 1;
        else hi = mid;
      }
      if (levelKeys[lo] !== key) throw new Error('internal: an accepted state has no rank');
      this.rankOf.set(this.pendIns[c], base + lo);
    }
    this.pendIns = [];
    this.pendKey = [];
  }

  /** After the prefix every shard explored alone: split into `count`, keeping ranks r = index mod count. */
  partition(count: number): void {
    this.prefixReached = [...this.checker.reached];
    this.rec.prefix = this.rec.n;
    this.count = count;
    const fr = this.fr,
      nx = this.nx,
      mw = this.mw;
    nx.clear();
    for (let i = 0; i < fr.n; i++) {
      const rank = fr.rank(i);
      if (rank % count !== this.index) continue;
      if (mw) fr.needOf(i, this.needBuf);
      const j = nx.push(
        fr.vec(i),
        null,
        fr.idx(i),
        fr.h1(i),
        fr.h2(i),
        fr.p1(i),
        fr.p2(i),
        fr.din(i),
        mw ? this.needBuf : null,
      );
      nx.setRank(j, rank);
    }
    this.fr = nx;
    this.nx = fr;
  }

  /**
   * Expand the frontier at BFS depth `depth`, checking `want`. Returns the candidates per owner, the
   * transitions taken and the least violation of each property seen.
   */
  expand(depth: number, want: Set<string>): { cands: Cands[]; transitions: number; findings: LevelFinding[] } {
    const { e, checker } = this;
    const best = new Map<string, LevelFinding>();
    // the state being expanded as a World, decoded at most once; one thunk for the level (a closure per
    // state costs a defineProperty each under tsx), as in exploreExhaustive
    let wd: World | undefined;
    let wvec: Int32Array = new Int32Array(0);
    const W = () => (wd ??= e.decode(wvec));
    const note = (
      fs: { property: string; message: string; drain?: string[] }[],
      order: number,
      at: number,
      k: number,
    ) => {
      for (const f of fs) {
        if (!want.has(f.property)) continue;
        const b = best.get(f.property);
        if (!b || order < b.order) best.set(f.property, { ...f, order, at, k });
      }
    };
    const needWorld = checker.needsWorld(this.lv ? this.lv.others(want) : want),
      sp = checker.needsSteps(want),
      ws = checker.witnessesStates(want),
      wt = checker.witnessesSteps(want);
    while (this.out.length < this.count)
      this.out.push({
        fp: new Grow(new Int32Array(1 << 12)),
        keys: new Grow(new Float64Array(1 << 11)),
        drain: new Grow(new Uint8Array(1 << 11)),
        n: 0,
      });
    const lv = this.lv,
      rec = this.rec;
    const others = lv ? lv.others(want) : want;
    this.clearPending();
    this.level++;
    let transitions = 0;
    const fr = this.fr,
      mw = this.mw,
      needBuf = mw ? this.needBuf : null,
      en = this.enBuf;
    // the state a witness is counted at, on the engine (its vector set per state)
    const witnessAt: EngineState = { engine: e, vec: new Int32Array(0) };
    for (let fi = 0; fi < fr.n; fi++) {
      const v = fr.vec(fi),
        idx = fr.idx(fi),
        rank = fr.rank(fi),
        h1 = fr.h1(fi),
        h2 = fr.h2(fi),
        p1 = fr.p1(fi),
        p2 = fr.p2(fi),
        gr = this.frBase + rank;
      if (needBuf) fr.needOf(fi, needBuf);
      const succ: Succ[] = e.successors(v, h1, h2, undefined, undefined, needBuf);
      if (mw) {
        en.fill(0);
        for (let q = 0; q < succ.length; q++) {
          const x = succ[q].cand!.index;
          en[x >>> 4] |= 1 << (x & 15);
        }
        fr.setEnabled(fi, en);
      }
      const ms: MonitorStates | undefined = this.mid ? checker.monitorsById(this.mid.a[idx]) : undefined;
      wd = undefined;
      wvec = v;
      // on the engine where nothing else decodes the state, as in exploreExhaustive
      witnessAt.vec = v;
      const at = needWorld || sp || wt || this.mid ? undefined : witnessAt;
      if (ws) checker.countState(W, want, at);
      // graph liveness: the state's judgment, recorded as one worker's graph records it (exploreExhaustive)
      let keep = false;
      if (lv) {
        const j = lv.judge(W, succ, want, at);
        note(j.out, rank * 65538, gr, -1);
        const r = rec.n++;
        rec.rank.set(r, this.frBase + rank);
        rec.flags.set(r, j.flags);
        rec.cs.set(r, (j.carry ? 1 : 0) | (j.stuck ? 2 : 0));
        for (let c = 0; c < j.from.length; c++) {
          rec.from.set(r * j.from.length + c, j.from[c]);
          rec.met.set(r * j.from.length + c, j.met[c]);
        }
        rec.deg.set(r, 0);
        keep = j.flags !== 0 || j.carry;
      }
      if (succ.length === 0 || needWorld) {
        const fast = { engine: e, vec: v, h1, h2 };
        note(checker.atState(W, others, fpKey(h1, h2), succ.length, fast, ms), rank * 65538, gr, -1);
      }
      if (depth >= this.o.maxDepth) {
        if (succ.length) this.cutByDepth = true;
        // not expanded: a drain from here may go past the depth bound, as with one worker
        if (lv && succ.length)
          note(checker.atState(W, new Set(lv.decides.filter((p) => want.has(p))), fpKey(h1, h2)), rank * 65538, gr, -1);
        continue;
      }
      let todo = succ;
      if (this.porOn && succ.length > 1) {
        const count = new Map<number, number>();
        for (const s of succ) count.set(s.cand!.component, (count.get(s.cand!.component) ?? 0) + 1);
        let bc = -1,
          bn = Infinity;
        for (const [c, n] of count)
          if (n < bn || (n === bn && c < bc)) {
            bc = c;
            bn = n;
          }
        todo = succ.filter((s) => s.cand!.component === bc);
      }
      this.reservePending(todo.length);
      for (const s of todo) {
        transitions++;
        const order = rank * 65538 + 1 + s.k;
        // the successor's vector and world, each made at most once (as in exploreExhaustive)
        const mon = this.mid !== null && checker.monitored(s.step);
        const t = sp || wt || mon ? new Transition(e, v, s, W) : undefined;
        if (sp || wt) {
          const wb = W();
          if (wt) checker.countStep(wb, actionInfo(t!.step, t!.args, t!.label), t!.next, want);
          if (sp) note(checker.atStep(wb, t!, want), order, gr, s.k);
        }
        const needVec = !s.eff || this.groups !== null || mon;
        const nv = needVec ? (t ? t.vec() : e.nextVec(v, s)) : null;
        let q1: number, q2: number;
        const eff = s.eff;
        if (eff && eff.pd1 !== undefined) {
          q1 = (p1 + eff.pd1) | 0;
          q2 = (p2 + eff.pd2!) | 0;
        } else if (eff) {
          let d1 = 0,
            d2 = 0;
          const pr = eff.pairs;
          for (let i = 0; i < pr.length; i += 2) {
            const sl = pr[i],
              old = sl < v.length ? v[sl] : 0,
              nw = pr[i + 1];
            if (old !== 0) this.ensure(sl, old);
            if (nw !== 0) this.ensure(sl, nw);
            d1 = (d1 - this.z1(sl, old) + this.z1(sl, nw)) | 0;
            d2 = (d2 - this.z2(sl, old) + this.z2(sl, nw)) | 0;
          }
          // a static candidate's effect has the same old values wherever it applies (its memo key)
          if (s.cand) {
            eff.pd1 = d1;
            eff.pd2 = d2;
          }
          q1 = (p1 + d1) | 0;
          q2 = (p2 + d2) | 0;
        } else [q1, q2] = this.full(nv!);
        let f1 = q1,
          f2 = q2;
        if (this.groups) [f1, f2] = this.canonical(nv!, q1, q2);
        let m = 0;
        if (this.mid) {
          m = this.mid.a[idx];
          if (checker.monitored(s.step)) {
            const r = checker.monitorStep(ms!, W(), actionInfo(s.step, s.args, t!.label), t!.next, want);
            note(r.found, order, gr, s.k);
            if (r.states !== ms) m = checker.internMonitors(r.states);
          }
          const [a, b] = this.monHash(m);
          f1 = (f1 + a) | 0;
          f2 = (f2 + b) | 0;
        }
        const ow = this.owner(f1, f2);
        const dr = lv !== null && isDrainRole(s.step.role);
        if (dr && keep) {
          const l = s.cand ? s.cand.label : cachedLabel(s.step, s.args);
          let id = rec.labelIds.get(l);
          if (id === undefined) {
            id = rec.labels.length;
            rec.labels.push(l);
            rec.labelIds.set(l, id);
          }
          rec.f1.set(rec.e, f1);
          rec.f2.set(rec.e, f2);
          rec.lab.set(rec.e, id);
          rec.e++;
          rec.deg.a[rec.n - 1]++;
        }
        // a state this shard owns and has seen: the owner's answer is known, nothing to send or keep
        if (ow === (this.count === 1 ? 0 : this.index) && this.fps.has(f1, f2)) continue;
        // sent lately: in an earlier level (its owner has it now), or in this one with a smaller key
        const si = (f2 ^ (f1 >>> 13)) & SENT_MASK,
          sent = this.sent,
          sentIn = sent[4 * si + 2];
        if (sentIn !== 0 && sent[4 * si] === f1 && sent[4 * si + 1] === f2) {
          if (sentIn === this.level && dr) this.out[ow].drain.a[sent[4 * si + 3]] = 1;
          continue;
        }
        const o = this.out[ow],
          j = o.n++,
          c = this.np++;
        sent[4 * si] = f1;
        sent[4 * si + 1] = f2;
        sent[4 * si + 2] = this.level;
        sent[4 * si + 3] = j;
        o.fp.a[2 * j] = f1;
        o.fp.a[2 * j + 1] = f2;
        o.keys.a[j] = rank * 65536 + s.k;
        o.drain.a[j] = dr ? 1 : 0;
        this.pFi.a[c] = fi;
        this.pEff[c] = s.eff;
        this.pH.a[2 * c] = s.h1;
        this.pH.a[2 * c + 1] = s.h2;
        this.pVec[c] = nv;
        if (nv) this.pVecBytes += nv.byteLength;
        this.pP.a[2 * c] = q1;
        this.pP.a[2 * c + 1] = q2;
        this.pM.a[c] = m;
        this.pOwner.a[c] = ow;
        this.pJ.a[c] = j;
      }
    }
    const bytes = this.levelBytes();
    if (bytes > this.peakFrontierBytes) this.peakFrontierBytes = bytes;
    const findings = [...best.values()];
    return {
      // copies: the result's buffers are moved to the coordinator, the reused ones stay here
      cands: this.out.slice(0, this.count).map((o) => ({
        fp: o.fp.a.slice(0, 2 * o.n),
        keys: o.keys.a.slice(0, o.n),
        drain: o.drain.a.slice(0, o.n),
      })),
      transitions,
      findings,
    };
  }

  /** Room for `k` more pending successors, for any owner (they are then written directly). */
  private reservePending(k: number): void {
    const n = this.np + k;
    this.pFi.reserve(n);
    this.pH.reserve(2 * n);
    this.pP.reserve(2 * n);
    this.pM.reserve(n);
    this.pOwner.reserve(n);
    this.pJ.reserve(n);
    for (let ow = 0; ow < this.count; ow++) {
      const o = this.out[ow],
        m = o.n + k;
      o.fp.reserve(2 * m);
      o.keys.reserve(m);
      o.drain.reserve(m);
    }
  }

  /** The bytes a level holds: both frontier stores, the pending successors and their vectors, the candidates. */
  private levelBytes(): number {
    let b =
      this.fr.bytes +
      this.nx.bytes +
      this.pFi.a.byteLength +
      this.pH.a.byteLength +
      this.pP.a.byteLength +
      this.pM.a.byteLength +
      this.pOwner.a.byteLength +
      this.pJ.a.byteLength +
      8 * (this.pEff.length + this.pVec.length) +
      this.pVecBytes;
    for (const o of this.out) b += o.fp.a.byteLength + o.keys.a.byteLength + o.drain.a.byteLength;
    return b;
  }

  /**
   * As owner: which source keeps each state new in the level (see Accepted). A state one source made stays
   * there. One that several made stays with its least key's maker too, unless that one keeps more than
   * 1/32 of the level's states beyond another maker (counting this owner's states so far): then it goes to
   * the maker keeping fewest. Traces and ranks come from the least key, which the coordinator has, so who
   * keeps a state changes neither. Without this the shards' frontiers drift apart (rw-umf-b (4,3), 2
   * shards: 12-20% over its widest levels; half the new states came from both); moving every shared
   * state to the lighter one balances exactly but costs locality (a shard's states no longer grow from its
   * own: (4,4) took 1.19x the CPU of no balancing, 2 pairs); with the slack, 0.89x.
   */
  judge(from: Cands[]): Accepted[] {
    const S = from.length;
    const acc = from.map((c) => new Uint8Array(c.keys.length));
    let total = 0;
    for (const c of from) total += c.keys.length;
    const { t1, t2, e: te } = this.levelTable(total);
    const L = this.le;
    const mask = t1.length - 1;
    let nUsed = 0;
    const ifps = this.lv?.fps;
    const alt = L.alt;
    for (let src = 0; src < from.length; src++) {
      const { fp, keys, drain } = from[src];
      for (let j = 0; j < keys.length; j++) {
        const f1 = fp[2 * j],
          f2 = fp[2 * j + 1];
        // this level's entry for the fingerprint, if a candidate of the level added it
        let at = (f1 ^ (f2 >>> 7)) & mask;
        while (te[at] !== 0 && (t1[at] !== f1 || t2[at] !== f2)) at = (at + 1) & mask;
        if (te[at] !== 0) {
          const x = te[at] - 1;
          L.drain.a[x] |= drain[j];
          if (alt.a[x * S + src] === 0) {
            alt.a[x * S + src] = j + 1;
            L.makers.a[x]++;
          }
          if (keys[j] < L.key.a[x]) {
            L.src.a[x] = src;
            L.j.a[x] = j;
            L.key.a[x] = keys[j];
          }
          continue;
        }
        const ins = ifps ? ifps.size : 0;
        if (!this.fps.add(f1, f2)) continue; // seen in an earlier level
        const x = nUsed++;
        t1[at] = f1;
        t2[at] = f2;
        te[at] = x + 1;
        L.src.set(x, src);
        L.j.set(x, j);
        L.key.set(x, keys[j]);
        L.drain.set(x, drain[j]);
        L.ins.set(x, ins);
        L.at.set(x, at);
        L.makers.set(x, 1);
        alt.reserve((x + 1) * S);
        alt.a.fill(0, x * S, (x + 1) * S);
        alt.a[x * S + src] = j + 1;
      }
    }
    const load = new Int32Array(S);
    for (let x = 0; x < nUsed; x++) if (L.makers.a[x] === 1) load[L.src.a[x]]++;
    const slack = Math.ceil(nUsed / 32);
    const ovJ: number[][] = from.map(() => []),
      ovK: number[][] = from.map(() => []);
    for (let x = 0; x < nUsed; x++) {
      if (ifps) {
        this.pendIns.push(L.ins.a[x]);
        this.pendKey.push(L.key.a[x]);
      }
      let keep = L.src.a[x],
        jk = L.j.a[x];
      if (L.makers.a[x] > 1) {
        const least = keep;
        for (let q = 0; q < S; q++) {
          const jq = alt.a[x * S + q];
          if (jq !== 0 && load[q] + slack < load[least] && load[q] < load[keep]) {
            keep = q;
            jk = jq - 1;
          }
        }
        load[keep]++;
      }
      const moved = keep !== L.src.a[x];
      if (moved) {
        ovJ[keep].push(jk);
        ovK[keep].push(L.key.a[x]);
      }
      acc[keep][jk] = 1 | (L.drain.a[x] ? 2 : 0) | (moved ? 4 : 0);
      te[L.at.a[x]] = 0;
    }
    return acc.map((a, q) => ({ acc: a, ovJ: Int32Array.from(ovJ[q]), ovK: Float64Array.from(ovK[q]) }));
  }

  /**
   * The level's table of fingerprints new in it (open addressing, at most half full, reused across
   * levels): the fingerprint and its entry + 1 (0: empty). The entries, one per fingerprint new in the
   * level, are dense (`le`): the least candidate's source and index, its key, the drain bit (any
   * candidate's), the fingerprint's index in the graph's set, its table slot.
   */
  private lt: { t1: Int32Array; t2: Int32Array; e: Int32Array } | null = null;
  private le = {
    src: new Grow(new Uint16Array(1 << 10)),
    j: new Grow(new Int32Array(1 << 10)),
    key: new Grow(new Float64Array(1 << 10)),
    drain: new Grow(new Uint8Array(1 << 10)),
    ins: new Grow(new Int32Array(1 << 10)),
    at: new Grow(new Int32Array(1 << 10)),
    /** How many sources made it, and per source the index + 1 of its candidate (0: none), S a state. */
    makers: new Grow(new Uint16Array(1 << 10)),
    alt: new Grow(new Int32Array(1 << 11)),
  };
  private levelTable(n: number) {
    if (this.lt && this.lt.t1.length >= 2 * n) return this.lt;
    let c = 1 << 10;
    while (c < 2 * n) c <<= 1;
    this.lt = { t1: new Int32Array(c), t2: new Int32Array(c), e: new Int32Array(c) };
    return this.lt;
  }
  private get levelTableBytes(): number {
    const L = this.le;
    return (
      (this.lt ? 12 * this.lt.t1.length : 0) +
      L.src.a.byteLength +
      L.j.a.byteLength +
      L.key.a.byteLength +
      L.drain.a.byteLength +
      L.ins.a.byteLength +
      L.at.a.byteLength +
      L.makers.a.byteLength +
      L.alt.a.byteLength
    );
  }

  private clearPending() {
    this.np = 0;
    this.pVec.fill(null);
    this.pVecBytes = 0;
    for (const o of this.out) o.n = 0;
  }

  /**
   * Keep the accepted successors as the next frontier, in order-key order; their keys (ascending). A
   * state moved here (Accepted) has the key another shard reached it by: those are sorted and merged in.
   */
  adopt(from: Accepted[]): Float64Array {
    const par = this.fr,
      nx = this.nx;
    nx.clear();
    const ownC: number[] = [],
      ownK: number[] = [],
      movedC: number[] = [],
      movedK: number[] = [];
    const movedKey = from.map((x) => {
      const m = new Map<number, number>();
      for (let i = 0; i < x.ovJ.length; i++) m.set(x.ovJ[i], x.ovK[i]);
      return m;
    });
    for (let c = 0; c < this.np; c++) {
      const ow = this.pOwner.a[c],
        j = this.pJ.a[c];
      if (!from[ow].acc[j]) continue;
      if (from[ow].acc[j] & 4) {
        movedC.push(c);
        movedK.push(movedKey[ow].get(j)!);
      } else {
        ownC.push(c);
        ownK.push(this.out[ow].keys.a[j]);
      }
    }
    const keys = new Float64Array(ownC.length + movedC.length);
    const ord = movedC.length ? Array.from(movedC.keys()).sort((x, y) => movedK[x] - movedK[y]) : [];
    // a merge: the own states' keys are ascending already (generation order is key order)
    for (let i = 0, m = 0, r = 0; r < keys.length; r++) {
      const c = m < ord.length && (i >= ownC.length || movedK[ord[m]] < ownK[i]) ? ord[m++] : -1;
      const cc = c >= 0 ? movedC[c] : ownC[i];
      keys[r] = c >= 0 ? movedK[c] : ownK[i++];
      this.keep(cc, from[this.pOwner.a[cc]].acc[this.pJ.a[cc]], par, nx);
    }
    this.fr = nx;
    this.nx = par;
    this.clearPending();
    return keys;
  }

  /** Store pending successor c (accepted with bits `a`) as the next frontier's next state. */
  private keep(c: number, a: number, par: LevelStore, nx: LevelStore): void {
    const i = this.n++;
    const pi = this.pFi.a[c];
    const eff = this.pEff[c];
    this.mid?.set(i, this.pM.a[c]);
    let need: Uint16Array | null = null;
    if (this.mw && eff) {
      // as FastEngine.needMask: the candidates the step's writes touch, and those enabled in the parent
      const nb = this.needBuf;
      nb.set(this.e.affectedBy(eff));
      par.orEnabled(pi, nb);
      need = nb;
    }
    const pv = this.pVec[c];
    const h1 = this.pH.a[2 * c],
      h2 = this.pH.a[2 * c + 1],
      p1 = this.pP.a[2 * c],
      p2 = this.pP.a[2 * c + 1],
      din = (a & 2) !== 0;
    if (pv) nx.push(pv, null, i, h1, h2, p1, p2, din, need);
    else nx.push(par.vec(pi), eff!.pairs, i, h1, h2, p1, p2, din, need);
  }

  /** Graph liveness: the records of the states this shard expanded (copies; see LivenessRecords). */
  liveness(): LivenessRecords | null {
    const lv = this.lv,
      r = this.rec;
    if (!lv) return null;
    const k = lv.carriedCount;
    return {
      prefix: r.prefix,
      rank: r.rank.a.slice(0, r.n),
      flags: r.flags.a.slice(0, r.n),
      cs: r.cs.a.slice(0, r.n),
      carried: k,
      from: r.from.a.slice(0, r.n * k),
      met: r.met.a.slice(0, r.n * k),
      deg: r.deg.a.slice(0, r.n),
      f1: r.f1.a.slice(0, r.e),
      f2: r.f2.a.slice(0, r.e),
      lab: r.lab.a.slice(0, r.e),
      labels: [...r.labels],
      sets: Array.from({ length: lv.setCount }, (_, i) => [...lv.setOf(i)]),
    };
  }

  /** As owner: the global ranks of fingerprints (two lanes each) it accepted. */
  resolve(fp: Int32Array): Int32Array {
    const out = new Int32Array(fp.length / 2);
    const fps = this.lv!.fps;
    for (let i = 0; i < out.length; i++) {
      const at = fps.find(fp[2 * i], fp[2 * i + 1]);
      if (at < 0) throw new Error('internal: a drain edge enters a state its owner never accepted');
      out[i] = this.rankOf.a[at];
    }
    return out;
  }

  /**
   * Graph liveness, after a bound stopped the search at a level's end: the drain from each frontier state a
   * drain step enters (those not entered so lie on no drain path from an expanded state), for `want`, until
   * the clock passes `deadline` (ms since the epoch). `due`: the states due a drain; `drained`: those that
   * got it.
   */
  drainFrontier(want: Set<string>, deadline?: number): FrontierFound {
    const best = new Map<string, LevelFinding>();
    const e = this.e;
    const fr = this.fr;
    const count = new FrontierDrains(deadline);
    for (let i = 0; i < fr.n; i++) {
      if (!fr.din(i) || !count.take()) continue;
      const v = fr.vec(i),
        h1 = fr.h1(i),
        h2 = fr.h2(i);
      const fast = { engine: e, vec: v, h1, h2 };
      for (const f of this.checker.atState(() => e.decode(v), want, fpKey(h1, h2), undefined, fast)) {
        if (!want.has(f.property) || best.has(f.property)) continue;
        best.set(f.property, { ...f, order: fr.rank(i) * 65538, at: this.frBase + fr.rank(i), k: -1 });
      }
    }
    return { findings: [...best.values()], due: count.due, drained: count.drained };
  }

  get structureBytes(): number {
    const r = this.rec;
    return (
      (this.lv
        ? this.rankOf.a.byteLength +
          r.rank.a.byteLength +
          r.flags.a.byteLength +
          r.cs.a.byteLength +
          r.from.a.byteLength +
          r.met.a.byteLength +
          r.deg.a.byteLength +
          r.f1.a.byteLength +
          r.f2.a.byteLength +
          r.lab.a.byteLength
        : 0) +
      this.levelTableBytes +
      this.sent.byteLength +
      this.fps.bytes +
      (this.mid ? this.mid.a.byteLength : 0) +
      this.peakFrontierBytes
    );
  }
}

/** Global ranks from each shard's ascending keys (a k-way merge): ranks[s][i] for shard s's i-th state. */
export function rankKeys(keys: Float64Array[], base: number): Float64Array[] {
  const out = keys.map((k) => new Float64Array(k.length));
  const at = keys.map(() => 0);
  let r = base;
  for (;;) {
    let bs = -1;
    for (let s = 0; s < keys.length; s++)
      if (at[s] < keys[s].length && (bs < 0 || keys[s][at[s]] < keys[bs][at[bs]])) bs = s;
    if (bs < 0) return out;
    out[bs][at[bs]++] = r++;
  }
}
