/**
 * The explorers' fast path (issue 7). A world is encoded as a state vector: one small integer per
 * object slot (slot 0 = the design globals), the object's interned snapshot id (models/world.ts
 * `snapshotId`; 0 = no such object). Its 64-bit fingerprint is the sum, in two independent 32-bit
 * lanes, of a mixed hash of each (slot, id) pair, so a step that changes k objects updates it in O(k).
 *
 * Successors are enumerated in exactly `enabledActions` order (steps in declaration order, arguments
 * in `params` order), so "the k-th enabled action" means the same thing here and there, and traces
 * are rebuilt by re-execution through `enabledActions`. Every step is memoized (issue 13.1):
 *  - a step with a footprint (`touches`) on the ids of the snapshots it touches: a hit is a table
 *    lookup giving "disabled" or the changed slots and the fingerprint delta;
 *  - any other step on the footprint derived by recording what it reads (src/world/traced.ts): its
 *    `params`, and its `enabled` and `apply` for each argument tuple, each behind a decision trie over
 *    the values of exactly the slots it read, in read order. A hit gives the argument tuples, or
 *    "disabled" or the changed slots.
 * xstate, the World object and the design's code run only on a miss; a candidate whose memo keeps missing
 * runs on the plain path for a while (PLAIN, below), which gives the same successor. Mode 'generic' (the old path, kept
 * as the test oracle) runs every step without a footprint on a decoded World and encodes the next world
 * in full; mode 'check' (tests) takes the memoized path, recomputes every hit of a derived footprint on
 * the generic path and compares, and reports a read outside a declared footprint as a model error.
 * The explorer never looks inside a design: it only calls its steps and reads their footprints.
 */
import type { Design, StepDef, Args, Role } from '../../models/design.ts';
import type { World, Json } from '../../models/world.ts';
import { snapshotId, snapshotById } from '../../models/world.ts';
import { labelOf, stepsOf, REFUSED, type Action } from './steps.ts';
import type { AnyMachineSnapshot, AnyStateMachine } from 'xstate';
import {
  Recorder,
  lookup,
  insert,
  layerOf,
  PRESENCE,
  FULL,
  VALUE,
  FIELD,
  SET,
  GKEY,
  KINDSET,
  type Slots,
  type TrieNode,
} from './traced.ts';

/** How steps without a declared footprint are taken (see the file comment). */
export type EngineMode = 'traced' | 'generic' | 'check';
/** The mode new engines get (tests switch it; `engineFor` keeps one engine per design, config and mode). */
export const engineDefaults: { mode: EngineMode } = { mode: 'traced' };
/** Trie nodes kept over all steps before the derived-footprint memo is dropped (it refills on misses). */
const TRIE_LIMIT = 3_000_000;
/** Where a decoded world keeps this engine, for idsOf (models/world.ts: a registered symbol). */
const KIND_INDEX = Symbol.for('fencecheck.kind-index');
/** What decodeNext puts on a successor holding its parent's ids of the same kinds (models/world.ts). */
const SAME_IDS = Symbol.for('fencecheck.same-ids');
/** What it puts on every successor it makes: its parent and the ids the step changed (models/world.ts). */
const CHANGED = Symbol.for('fencecheck.changed');
const PROF = !!process.env.FC_PROF;

/** A step whose footprint is derived: its `params` memo and, per argument tuple, its effect memo. */
interface TracedStep {
  step: StepDef;
  root: TrieNode<TracedCand[]> | null;
  byArgs: Map<string, TracedCand>;
}
interface TracedCand {
  step: StepDef;
  args: Args;
  label: string;
  root: TrieNode<Effect | null> | null;
  /** Memo lookups and misses in the current probe window, and plain runs left before the next one. */
  looks: number;
  misses: number;
  plain: number;
}

/** A world function whose footprint is derived (FastEngine.memoOf): its memo and probe window, as a step's. */
interface TracedPred {
  root: TrieNode<unknown> | null;
  /** The engine's generation of tries this root belongs to (FastEngine.noteNodes drops them all). */
  gen: number;
  looks: number;
  misses: number;
  plain: number;
}

/**
 * A miss costs about twice a plain run of the step (recording proxies, the trie insert), a hit a small
 * fraction of one; so a candidate whose memo misses on more than MISS_RATE of a window of PROBE lookups
 * (its reads keep taking new values, as a job's step reads the set of objects that every spawn changes)
 * runs PLAIN times on the plain path, then is probed again. Either way the successor is the same.
 */
const PROBE = Number(process.env.FC_PROBE ?? 64);
const MISS_RATE = Number(process.env.FC_MISS_RATE ?? 0.4);
const PLAIN = Number(process.env.FC_PLAIN ?? 1024);

// ---- hashing ------------------------------------------------------------------------------------

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}
/** Lane 1 of the pair hash; a bijection in `sid` for a fixed slot. */
export function z1(slot: number, sid: number): number {
  return sid === 0 ? 0 : fmix32(fmix32(sid + 0x51ed27) ^ Math.imul(slot + 1, 0x9e3779b1));
}
/** Lane 2, independent constants. */
export function z2(slot: number, sid: number): number {
  return sid === 0 ? 0 : fmix32(fmix32(sid ^ 0x27d4eb2f) + Math.imul(slot + 0x61c88647, 0x85ebca77));
}

// ---- candidates and effects ---------------------------------------------------------------------

/** A changed-slot list [slot, newSid, ...] with the fingerprint delta it causes from the memo key's state. */
export interface Effect {
  pairs: Int32Array;
  d1: number;
  d2: number;
  /**
   * Derived footprints: the globals patch (an id, see `patchG`) the step applies, when it writes the
   * globals through `setG`; the engine resolves it per state into `pairs` (cached in `res` by globals id).
   */
  gp?: number;
  res?: Map<number, Effect>;
  /** Static candidates: the candidates touching a slot this effect writes (FastEngine.needMask). */
  aff?: Uint16Array;
  /**
   * Static candidates: the parallel search's portable fingerprint delta (src/explore/parallel-shard.ts),
   * kept once known; the memo key fixes the old values of the slots written, as it does for d1 and d2.
   */
  pd1?: number;
  pd2?: number;
}
const DISABLED = null;

/**
 * Per-candidate memo keyed by the snapshot ids of its touched slots (open addressing, exact keys).
 * Vectors are always at least as long as every static footprint slot (those slots are registered
 * before any vector exists), so the hot path reads them without bounds checks. A row holds the key's
 * hash, the entry's index + 1 and the key itself, side by side: a lookup touches one row (one or two
 * cache lines) and the entry's value, where separate arrays cost a miss each on the large memos.
 */
export class TupleMemo {
  readonly k: number;
  private readonly stride: number;
  mask = 63;
  rows: Int32Array;
  vals: (Effect | null)[] = [];
  size = 0;
  constructor(k: number) {
    this.k = k;
    this.stride = k + 2;
    this.rows = new Int32Array(64 * this.stride);
  }
  static hashOf(vec: Int32Array, slots: Int32Array): number {
    let h = 0x2545f491;
    for (let i = 0; i < slots.length; i++) h = Math.imul(h + vec[slots[i]], 0x9e3779b1);
    h ^= h >>> 15;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    return h | 0;
  }
  get bytes(): number {
    return this.rows.byteLength;
  }
  /** The memoized effect (null = disabled), or undefined on a miss. */
  get(vec: Int32Array, slots: Int32Array, h: number): Effect | null | undefined {
    const k = this.k,
      st = this.stride,
      rows = this.rows,
      mask = this.mask;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const r = i * st;
      const e = rows[r + 1];
      if (e === 0) return undefined;
      if (rows[r] !== h) continue;
      let j = 0;
      while (j < k && rows[r + 2 + j] === vec[slots[j]]) j++;
      if (j === k) return this.vals[e - 1];
    }
  }
  set(vec: Int32Array, slots: Int32Array, h: number, v: Effect | null): void {
    if ((this.size + 1) * 4 > (this.mask + 1) * 3) this.grow();
    const e = this.size++;
    this.vals.push(v);
    const r = this.free(h);
    this.rows[r] = h;
    this.rows[r + 1] = e + 1;
    for (let j = 0; j < this.k; j++) this.rows[r + 2 + j] = vec[slots[j]];
  }
  /** The first empty row on `h`'s probe path (its offset). */
  private free(h: number): number {
    for (let i = h & this.mask; ; i = (i + 1) & this.mask)
      if (this.rows[i * this.stride + 1] === 0) return i * this.stride;
  }
  private grow() {
    const old = this.rows,
      st = this.stride;
    this.mask = this.mask * 2 + 1;
    this.rows = new Int32Array((this.mask + 1) * st);
    for (let r = 0; r < old.length; r += st)
      if (old[r + 1] !== 0) this.rows.set(old.subarray(r, r + st), this.free(old[r]));
  }
}

/** A (step, args) pair whose footprint is declared: enumerated once per config. */
export interface Candidate {
  index: number;
  step: StepDef;
  args: Args;
  slots: Int32Array;
  memo: TupleMemo;
  component: number;
  label: string;
}

/** A state on the engine: its vector, what `FastEngine.memoOf` walks its memos on. */
export interface EngineState {
  engine: FastEngine;
  vec: Int32Array;
}

/** One successor of a state. */
export interface Succ {
  /** Index among the enabled actions, in `enabledActions` order. */
  k: number;
  step: StepDef;
  args: Args;
  h1: number;
  h2: number;
  /** Static candidates: the effect to apply to the parent vector. */
  eff: Effect | null;
  /** Dynamic steps: the full next vector. */
  vec: Int32Array | null;
  cand: Candidate | null;
}

/** The index of name `k` in `names`, appended the first time (`index` maps names to indices). */
function intern(index: Map<string, number>, names: string[], k: string): number {
  let i = index.get(k);
  if (i === undefined) {
    i = names.length;
    names.push(k);
    index.set(k, i);
  }
  return i;
}

const labelCache = new WeakMap<Args, string>();
export function cachedLabel(step: StepDef, args: Args): string {
  let l = labelCache.get(args);
  if (l === undefined) {
    l = labelOf(step.name, args);
    labelCache.set(args, l);
  }
  return l;
}

export class FastEngine implements Slots {
  /** slot -> object id ('$g' at slot 0). */
  readonly ids: string[] = ['$g'];
  private slotOf = new Map<string, number>([['$g', 0]]);
  private gIds = new Map<string, number>();
  private gObjs: Record<string, Json>[] = [null as unknown as Record<string, Json>];
  private gCache = new WeakMap<object, number>();
  /** Per step: its static candidates (footprint declared), or its derived-footprint memo (null: generic). */
  private plan: (
    | { step: StepDef; cands: Candidate[]; traced: null }
    | { step: StepDef; cands: null; traced: TracedStep | null }
  )[] = [];
  private readonly rec = new Recorder(this);
  private trieNodes = 0;
  private curSet = -1;
  private setIds = new Map<number, [Int32Array, number][]>();
  private sidTag: number[] = [0];
  private machineTags = new Map<object, number>();
  readonly candidates: Candidate[] = [];
  /** Every step declares a footprint. */
  readonly allStatic: boolean;
  /** Number of independence components among the static candidates (POR). */
  readonly components: number;
  memoMisses = 0;
  /** Static memo lookups (bench figures: how many the incremental successors skip). */
  lookups = 0;
  /** Derived footprints: memo hits and misses of `params` and of effects, and plain runs (bench figures). */
  readonly traceStats = { paramHits: 0, paramMisses: 0, hits: 0, misses: 0, plain: 0 };
  private curVec: Int32Array | null = null;
  private curWorld: World | null = null;

  constructor(
    readonly design: Design,
    readonly cfg: unknown,
    readonly mode: EngineMode = engineDefaults.mode,
  ) {
    const w0 = design.init(cfg);
    for (const id in w0.o) this.slot(id);
    let allStatic = true;
    for (const step of stepsOf(design)) {
      if (!step.touches) {
        allStatic = false;
        const traced = mode === 'generic' ? null : { step, root: null, byArgs: new Map() };
        this.plan.push({ step, cands: null, traced });
        continue;
      }
      const cands: Candidate[] = [];
      let argss: readonly Args[] = [[]];
      if (step.params) {
        // A declared footprint promises that `params` depends on the config only: check reads nothing.
        if (mode === 'check') {
          this.enter(this.encode(w0), w0);
          this.rec.begin();
          try {
            argss = step.params(this.rec.worldOf(w0), cfg);
          } finally {
            this.rec.end();
          }
          if (this.rec.rs.length)
            throw new Error(
              `${design.name}: params of ${step.name} read '${this.readName(0)}', but a step with a declared ` +
                `footprint (touches) must take its arguments from the config only`,
            );
        } else argss = step.params(w0, cfg);
      }
      for (const args of argss) {
        const ts = [...new Set(step.touches(args, cfg))].map((id) => this.slot(id)).sort((a, b) => a - b);
        const c: Candidate = {
          index: this.candidates.length,
          step,
          args,
          slots: Int32Array.from(ts),
          memo: new TupleMemo(ts.length),
          component: -1,
          label: labelOf(step.name, args),
        };
        cands.push(c);
        this.candidates.push(c);
      }
      this.plan.push({ step, cands, traced: null });
    }
    this.curVec = null;
    this.curWorld = null;
    this.allStatic = allStatic;
    // Independence components: candidates sharing a touched slot are dependent (union-find over slots).
    const parent = new Int32Array(this.ids.length).map((_, i) => i);
    const find = (x: number): number => {
      while (parent[x] !== x) {
        parent[x] = parent[parent[x]];
        x = parent[x];
      }
      return x;
    };
    for (const c of this.candidates)
      for (let i = 1; i < c.slots.length; i++) {
        const a = find(c.slots[0]),
          b = find(c.slots[i]);
        if (a !== b) parent[b] = a;
      }
    const comp = new Map<number, number>();
    for (const c of this.candidates) {
      const r = c.slots.length ? find(c.slots[0]) : -1 - c.index;
      if (!comp.has(r)) comp.set(r, comp.size);
      c.component = comp.get(r)!;
    }
    this.components = comp.size;
  }

  get slots(): number {
    return this.ids.length;
  }

  slot(id: string): number {
    let s = this.slotOf.get(id);
    if (s === undefined) {
      s = this.ids.length;
      this.ids.push(id);
      this.slotOf.set(id, s);
    }
    return s;
  }

  /** The value of a recorded read in the state being expanded (src/world/traced.ts). */
  valueOf(slot: number, kind: number): number {
    const v = this.curVec!;
    if (kind === SET) {
      if (this.curSet < 0) this.curSet = this.setId(v);
      return this.curSet;
    }
    if (kind === GKEY) return this.gKeyValue(v[0], slot);
    if (kind === KINDSET) return this.kindSetValue(v, slot);
    const x = slot < v.length ? v[slot] : 0;
    if (kind === FULL) return x;
    if (kind === PRESENCE) return x === 0 ? 0 : 1;
    if (kind >= VALUE) return x === 0 ? 0 : this.part(x, kind);
    return this.machineTag(x);
  }
  private fieldIds = new Map<string, number>();
  private fieldNames: string[] = [];
  /** The index of a context field name (FIELD reads). */
  field(k: string): number {
    return intern(this.fieldIds, this.fieldNames, k);
  }
  /** Per snapshot id, the interned content of its value (at 0) and of each context field read (at 1 + i). */
  private partVals: Int32Array[] = [];
  private partIds = new Map<string, number>();
  /** The interned content (JSON) of snapshot `sid`'s value (VALUE) or of one context field (FIELD + i). */
  part(sid: number, kind: number): number {
    const at = kind === VALUE ? 0 : 1 + kind - FIELD;
    const have = this.partVals[sid];
    if (have !== undefined && at < have.length && have[at] >= 0) return have[at];
    return this.partMiss(sid, kind, at);
  }
  private partMiss(sid: number, kind: number, at: number): number {
    let row = this.partVals[sid];
    if (!row || row.length <= at) {
      const b = new Int32Array(Math.max(at + 1, this.fieldNames.length + 1)).fill(-1);
      if (row) b.set(row);
      row = this.partVals[sid] = b;
    }
    let x = row[at];
    if (x < 0) {
      const sn = snapshotById(sid);
      const part = kind === VALUE ? sn.value : (sn.context as Record<string, unknown>)?.[this.fieldNames[at - 1]];
      const j = part === undefined ? '' : JSON.stringify(part);
      x = this.partIds.get(j) ?? this.partIds.size + 1;
      this.partIds.set(j, x);
      row[at] = x;
    }
    return x;
  }
  private gKeys = new Map<string, number>();
  private gKeyNames: string[] = [];
  private gKeyVals: number[][] = [];
  private gValIds = new Map<string, number>();
  gkey(k: string): number {
    return intern(this.gKeys, this.gKeyNames, k);
  }
  /** The interned value of globals key `ki` in globals `gid` (0: absent). */
  private gKeyValue(gid: number, ki: number): number {
    let row = this.gKeyVals[gid];
    if (!row) {
      row = [];
      this.gKeyVals[gid] = row;
    }
    const have = row[ki];
    if (have !== undefined) return have;
    const g = this.gObjs[gid] ?? {};
    const k = this.gKeyNames[ki];
    let x = 0;
    if (Object.hasOwn(g, k)) {
      const j = JSON.stringify(g[k]);
      x = this.gValIds.get(j) ?? this.gValIds.size + 1;
      this.gValIds.set(j, x);
    }
    row[ki] = x;
    return x;
  }
  /**
   * The interned set of objects present in `v`, with their kinds: the vector of kinds (0: absent) up to
   * its last object, found by a hash and compared in full.
   */
  private setId(v: Int32Array): number {
    let end = v.length;
    while (end > 1 && v[end - 1] === 0) end--;
    if (this.setScratch.length < end) this.setScratch = new Int32Array(end * 2);
    const tags = this.setScratch;
    let h = 0x3c6ef372;
    for (let s = 1; s < end; s++) {
      const t = v[s] === 0 ? 0 : this.machineTag(v[s]);
      tags[s] = t;
      h = Math.imul(h ^ t, 0x9e3779b1) + s;
    }
    h = fmix32(h);
    const bucket = this.setIds.get(h);
    if (bucket)
      for (const [known, id] of bucket) {
        if (known.length !== end) continue;
        let s = 1;
        while (s < end && known[s] === tags[s]) s++;
        if (s === end) return id;
      }
    const id = this.setCount++;
    const entry: [Int32Array, number] = [tags.slice(0, end), id];
    if (bucket) bucket.push(entry);
    else this.setIds.set(h, [entry]);
    return id;
  }
  private setScratch = new Int32Array(64);
  private setCount = 0;
  private kindIds = new Map<string, number>();
  private kindNames: string[] = [];
  /** The index of a machine kind (its machine id), for KINDSET reads. */
  kind(k: string): number {
    return intern(this.kindIds, this.kindNames, k);
  }
  /** Snapshot id -> the index of its machine's kind + 1 (0: not yet asked). */
  private sidKind: number[] = [];
  /** KINDSET values of the state being expanded, by kind index (-1: not computed). */
  private curKinds: number[] = [];
  private kindSets = new Map<string, number>();
  /**
   * The interned set of slots holding an object of kind `ki` in `v` (the same slots, the same ids: what
   * `idsOf` returns), computed once per state and kind.
   */
  private kindSetValue(v: Int32Array, ki: number): number {
    const have = this.curKinds[ki];
    if (have !== undefined && have >= 0) return have;
    let key = '';
    for (let s = 1; s < v.length; s++) {
      const sid = v[s];
      if (sid === 0) continue;
      let k = this.sidKind[sid];
      if (k === undefined) {
        k = this.kind(snapshotById(sid).machine.id) + 1;
        this.sidKind[sid] = k;
      }
      if (k === ki + 1) key += `${s},`;
    }
    let id = this.kindSets.get(key);
    if (id === undefined) {
      id = this.kindSets.size;
      this.kindSets.set(key, id);
    }
    this.curKinds[ki] = id;
    return id;
  }
  private machineTag(sid: number): number {
    const t = this.sidTag[sid];
    if (t !== undefined) return t;
    const m = snapshotById(sid).machine;
    let n = this.machineTags.get(m);
    if (n === undefined) {
      n = this.machineTags.size + 1;
      this.machineTags.set(m, n);
    }
    this.sidTag[sid] = n;
    return n;
  }
  private patchIds = new Map<string, number>();
  private patches: Record<string, Json>[] = [];
  /** The id of a globals patch (the entries a `setG` layer sets, in order). */
  private patchId(own: ReadonlyMap<string, Json | undefined>): number {
    const p: Record<string, Json> = {};
    for (const [k, x] of own) if (x !== undefined) p[k] = x;
    const key = JSON.stringify(p);
    let id = this.patchIds.get(key);
    if (id === undefined) {
      id = this.patches.length;
      this.patches.push(p);
      this.patchIds.set(key, id);
    }
    return id;
  }
  /** Globals id after a patch, by globals id * 2^20 + patch id. */
  private patched = new Map<number, number>();
  /** Effect `e` (which patches the globals) in a state whose globals are `gid`: its pairs with slot 0 set. */
  private resolveG(e: Effect, gid: number): Effect {
    e.res ??= new Map();
    let r = e.res.get(gid);
    if (!r) {
      // The same object `setG` builds on the plain path: old globals spread, then the patch; interned
      // once per (globals, patch), which many effects share
      const k = gid * 0x100000 + e.gp!;
      let ng = e.gp! < 0x100000 ? this.patched.get(k) : undefined;
      if (ng === undefined) {
        ng = this.gid({ ...(this.gObjs[gid] ?? {}), ...this.patches[e.gp!] });
        if (e.gp! < 0x100000) this.patched.set(k, ng);
      }
      const pairs = new Int32Array(e.pairs.length + 2);
      pairs.set(e.pairs);
      pairs[e.pairs.length] = 0;
      pairs[e.pairs.length + 1] = ng;
      r = { pairs, d1: 0, d2: 0 };
      e.res.set(gid, r);
    }
    return r;
  }

  private readName(i: number): string {
    const s = this.rec.rs[i];
    const k = this.rec.rk[i];
    return k === SET
      ? 'the set of objects'
      : k === KINDSET
        ? `the set of ${this.kindNames[s]} objects`
        : k === GKEY
          ? `$g.${this.gKeyNames[s]}`
          : k === VALUE
            ? `${this.ids[s]}.value`
            : k >= FIELD
              ? `${this.ids[s]}.context.${this.fieldNames[k - FIELD]}`
              : this.ids[s];
  }

  private gid(g: Record<string, Json>): number {
    let id = this.gCache.get(g);
    if (id !== undefined) return id;
    // A `setG` result of a recording world (check mode's declared footprints): keep a plain copy.
    if (layerOf(g)) g = { ...g };
    const k = JSON.stringify(g);
    id = this.gIds.get(k);
    if (id === undefined) {
      id = this.gObjs.length;
      this.gObjs.push(g);
      this.gIds.set(k, id);
    }
    this.gCache.set(g, id);
    return id;
  }

  /** World -> state vector. */
  encode(w: World): Int32Array {
    for (const id in w.o) this.slot(id);
    const v = new Int32Array(this.ids.length);
    for (const id in w.o) v[this.slotOf.get(id)!] = snapshotId(w.o[id]);
    v[0] = this.gid(w.g as Record<string, Json>);
    return v;
  }

  /** State vector -> World (objects in slot order). */
  decode(v: Int32Array): World {
    const o: Record<string, AnyMachineSnapshot> = {};
    const seen = this.slotMachine;
    for (let s = 1; s < v.length; s++)
      if (v[s] !== 0) {
        const snap = snapshotById(v[s]);
        if (seen[s] !== snap.machine) this.noteKind(s, snap.machine);
        o[this.ids[s]] = snap;
      }
    // idsOf on it lists a kind in id order without a sort (models/world.ts); `v` may be a scratch array
    // the explorer reuses, so the map is what it reads, never the vector
    return { o, g: this.gObjs[v[0]] ?? {}, [KIND_INDEX]: this, [SAME_IDS]: undefined, [CHANGED]: undefined } as World;
  }

  /**
   * The World of `v`'s successor by `s` (its vector `nv`), where `before` is `v` decoded: when the step
   * only replaced snapshots of objects that stay (and the globals), a copy of before's map with those
   * replaced, which holds the same keys in the same order as `decode(nv)` (step properties and monitors
   * decode every transition's successor: the copy skips a lookup per unchanged object); else `decode(nv)`.
   * Either way it carries `before` and the ids the step changed (CHANGED), what `changedIds` answers.
   */
  decodeNext(before: World, v: Int32Array, s: Succ, nv: Int32Array): World {
    const e = s.eff;
    if (e === null) return this.decode(nv);
    const pr = e.pairs;
    // the slots whose snapshot the step changed (an effect names a slot once), ascending: the order
    // before's map holds them in (decode), for changedIds
    const slots: number[] = [];
    let reshaped = false; // spawned or gone
    let g = before.g;
    for (let j = 0; j < pr.length; j += 2) {
      const sl = pr[j],
        a = sl < v.length ? v[sl] : 0,
        b = pr[j + 1];
      if (sl === 0) g = this.gObjs[b] ?? {};
      else if (a !== b) {
        let k = slots.length;
        slots.push(sl);
        for (; k > 0 && slots[k - 1] > sl; k--) slots[k] = slots[k - 1];
        slots[k] = sl;
        if (a === 0 || b === 0) reshaped = true;
      }
    }
    if (reshaped) {
      // replaced and dropped ones first (before's order), then the spawned (after's), as changedIds lists them
      const ids = slots.filter((sl) => sl < v.length && v[sl] !== 0).map((sl) => this.ids[sl]);
      for (const sl of slots) if (sl >= v.length || v[sl] === 0) ids.push(this.ids[sl]);
      const w = this.decode(nv);
      return { o: w.o, g: w.g, [KIND_INDEX]: this, [SAME_IDS]: undefined, [CHANGED]: { from: before, ids } } as World;
    }
    const o: Record<string, AnyMachineSnapshot> = { ...before.o };
    let kinds = true; // every replaced object keeps its kind: before's id lists serve (SAME_IDS)
    const ids: string[] = [];
    for (const sl of slots) {
      const id = this.ids[sl];
      const n = snapshotById(nv[sl]);
      if (n.machine !== o[id].machine) {
        kinds = false;
        if (this.slotMachine[sl] !== n.machine) this.noteKind(sl, n.machine);
      }
      o[id] = n;
      ids.push(id);
    }
    // one shape for every successor (property reads on worlds stay monomorphic)
    return {
      o,
      g,
      [KIND_INDEX]: this,
      [SAME_IDS]: kinds ? before : undefined,
      [CHANGED]: { from: before, ids },
    } as World;
  }

  /** Object ids in order (what idsOf sorts by), for `idsOfKind`; rebuilt when an id was added. */
  private idsSorted: string[] = [];
  private sorted(): string[] {
    if (this.idsSorted.length !== this.ids.length - 1) this.idsSorted = this.ids.slice(1).sort();
    return this.idsSorted;
  }
  /**
   * Per slot, the machine its objects had when last decoded, and every kind they have had: a decoded world's
   * objects are all noted, so `idsOfKind` looks only at the ids that have held an object of the kind.
   */
  private slotMachine: (AnyStateMachine | undefined)[] = [];
  private slotKinds: string[][] = [];
  /** The ids (in id order) that have held an object of a kind; cleared when an id takes a kind it never had. */
  private idsByKind = new Map<string, string[]>();
  private noteKind(sl: number, m: AnyStateMachine) {
    this.slotMachine[sl] = m;
    const ks = this.slotKinds[sl];
    if (ks?.includes(m.id)) return;
    if (ks) ks.push(m.id);
    else this.slotKinds[sl] = [m.id];
    this.idsByKind.clear();
  }
  /** The ids of the objects of `kind` in a decoded map, in id order (frozen): `idsOf` on a decoded world. */
  idsOfKind(o: Readonly<Record<string, AnyMachineSnapshot>>, kind: string): readonly string[] {
    let ids = this.idsByKind.get(kind);
    if (ids === undefined) {
      ids = this.sorted().filter((id) => this.slotKinds[this.slotOf.get(id)!]?.includes(kind));
      this.idsByKind.set(kind, ids);
    }
    const out: string[] = [];
    for (const id of ids) if (o[id]?.machine.id === kind) out.push(id);
    return Object.freeze(out);
  }

  /** The ids of a decoded map, in id order (frozen): `sortedIds` on a decoded world. */
  sortedIds(o: Readonly<Record<string, AnyMachineSnapshot>>): readonly string[] {
    const out: string[] = [];
    for (const id of this.sorted()) if (o[id] !== undefined) out.push(id);
    return Object.freeze(out);
  }

  hash(v: Int32Array): [number, number] {
    let h1 = 0,
      h2 = 0;
    for (let s = 0; s < v.length; s++) {
      const x = v[s];
      if (x !== 0) {
        h1 = (h1 + z1(s, x)) | 0;
        h2 = (h2 + z2(s, x)) | 0;
      }
    }
    return [h1, h2];
  }

  /** The parent vector with an effect applied (a fresh array). */
  applyEffect(v: Int32Array, e: Effect): Int32Array {
    let n = v.length;
    for (let i = 0; i < e.pairs.length; i += 2) if (e.pairs[i] + 1 > n) n = e.pairs[i] + 1;
    const out = new Int32Array(n);
    out.set(v);
    for (let i = 0; i < e.pairs.length; i += 2) out[e.pairs[i]] = e.pairs[i + 1];
    return out;
  }

  /** Set the state being expanded (the World is decoded lazily, at most once per call). */
  private enter(v: Int32Array, w?: World) {
    this.curVec = v;
    this.curWorld = w ?? null;
    this.curSet = -1;
    this.curKinds.length = 0;
  }
  world(): World {
    if (!this.curWorld) this.curWorld = this.decode(this.curVec!);
    return this.curWorld;
  }

  /** Run a static candidate for real (memo miss): its effect, or null when disabled. */
  private compute(c: Candidate, v: Int32Array): Effect | null {
    const check = this.mode === 'check';
    const w = check ? this.rec.worldOf(this.world()) : this.world();
    let next: World;
    try {
      if (check) this.rec.begin();
      try {
        if (!c.step.enabled(w, c.args, this.cfg)) next = null as unknown as World;
        else {
          next = c.step.apply(w, c.args, this.cfg);
          if (!next) throw new Error(REFUSED);
        }
      } finally {
        this.rec.end();
      }
    } catch (e) {
      throw new Error(`${this.design.name}: model error in ${c.label}: ${(e as Error).message}`);
    }
    if (check) this.checkReads(c);
    if (!next) return DISABLED;
    const nv = this.encode(next);
    const pairs: number[] = [];
    let d1 = 0,
      d2 = 0;
    const len = Math.max(nv.length, v.length);
    for (let s = 0; s < len; s++) {
      const a = s < v.length ? v[s] : 0,
        b = s < nv.length ? nv[s] : 0;
      if (a === b) continue;
      let inFoot = false;
      for (let j = 0; j < c.slots.length; j++)
        if (c.slots[j] === s) {
          inFoot = true;
          break;
        }
      if (!inFoot)
        throw new Error(
          `${this.design.name}: ${c.label} changed '${this.ids[s]}', which is not in its declared footprint (touches)`,
        );
      pairs.push(s, b);
      d1 = (d1 + z1(s, b) - z1(s, a)) | 0;
      d2 = (d2 + z2(s, b) - z2(s, a)) | 0;
    }
    return { pairs: Int32Array.from(pairs), d1, d2 };
  }

  /** A static candidate's effect at `v`, the state being expanded (null: disabled), from its memo. */
  private effectOf(c: Candidate, v: Int32Array): Effect | null {
    const kh = TupleMemo.hashOf(v, c.slots);
    let e = c.memo.get(v, c.slots, kh);
    if (e === undefined) {
      this.memoMisses++;
      e = this.compute(c, v);
      c.memo.set(v, c.slots, kh, e);
    }
    return e;
  }

  /**
   * Mode 'check': every read of a step with a declared footprint is inside it (the copies `send` and
   * `spawn` make are no reads, src/world/traced.ts); an enumeration of the objects never is.
   */
  private checkReads(c: Candidate) {
    const rec = this.rec;
    for (let i = 0; i < rec.rs.length; i++) {
      const k = rec.rk[i];
      const set = k === SET || k === KINDSET; // an enumeration is never inside a footprint
      if (!set && c.slots.includes(k === GKEY ? 0 : rec.rs[i])) continue;
      throw new Error(
        `${this.design.name}: ${c.label} read ${set ? '' : "'"}${this.readName(i)}` +
          `${set ? '' : "'"}, which is not in its declared footprint (touches)`,
      );
    }
  }

  readonly profile = new Map<string, number>();
  private prof(what: string, root: TrieNode<unknown> | null) {
    let n = root;
    let i = 0;
    let why = 'empty';
    while (n && !n.leaf) {
      const c = n.kid(this.rec.rv[i]);
      if (!c) {
        const kind = ['', 'P', 'M', 'F', 'S', 'G', 'K', 'V'][n.kind] ?? 'C';
        why = `${kind}:${this.readName(i)}@${i}/${this.rec.rs.length}`;
        break;
      }
      n = c;
      i++;
    }
    const k = `${what} ${why}`;
    this.profile.set(k, (this.profile.get(k) ?? 0) + 1);
  }

  private noteNodes(n: number) {
    this.trieNodes += n;
    if (this.trieNodes <= TRIE_LIMIT) return;
    for (const p of this.plan)
      if (p.traced) {
        p.traced.root = null;
        for (const c of p.traced.byArgs.values()) c.root = null;
      }
    this.predGen++; // the predicates' tries too (each drops its root when it sees the new generation)
    this.trieNodes = 0;
  }

  /** Derived-footprint memos of world functions (`memoOf`), by function (they go with their Checker). */
  private preds = new WeakMap<(w: World) => unknown, TracedPred>();
  private predGen = 0;
  /** `memoOf` hits, misses and plain runs (bench figures). */
  readonly predStats = { hits: 0, misses: 0, plain: 0 };

  /**
   * `fn`, a deterministic function of the world returning a plain value (a property's witness: does its
   * precondition hold here? the graph form of a liveness property: is an obligation open?), at state `v`:
   * memoized, as a
   * derived-footprint step is, on what it reads (src/world/traced.ts), so a witness that reads four rings
   * costs four trie steps, not a decoded world. `world` gives v's World when it must run (a miss, or the
   * plain path its miss rate sends it to, as for steps). In mode 'generic' it always runs; in mode
   * 'check' every hit is compared with a run. `name` names it in errors.
   */
  memoOf<R>(fn: (w: World) => R, v: Int32Array, world: () => World, name: string): R {
    if (this.mode === 'generic') return fn(world());
    let p = this.preds.get(fn);
    if (!p) {
      p = { root: null, gen: this.predGen, looks: 0, misses: 0, plain: 0 };
      this.preds.set(fn, p);
    } else if (p.gen !== this.predGen) {
      p.root = null;
      p.gen = this.predGen;
    }
    if (p.plain > 0) {
      p.plain--;
      this.predStats.plain++;
      return fn(world());
    }
    this.enter(v);
    try {
      const hit = lookup(p.root, this, v);
      if (++p.looks === PROBE) {
        if (p.misses + (hit ? 0 : 1) > MISS_RATE * PROBE) p.plain = PLAIN;
        p.looks = 0;
        p.misses = 0;
      }
      if (hit) {
        this.predStats.hits++;
        // mode 'check': every hit recomputed on the decoded world, as a step's is
        if (this.mode === 'check' && JSON.stringify(fn(world())) !== JSON.stringify(hit.result))
          throw new Error(`${this.design.name}: ${name} is not memoized exactly: it read more than was recorded`);
        return hit.result as R;
      }
      this.predStats.misses++;
      p.misses++;
      this.curWorld = world();
      const rec = this.rec;
      const rw = rec.worldOf(this.curWorld);
      let r: R;
      rec.begin();
      try {
        r = fn(rw);
      } finally {
        rec.end();
      }
      const [root, n] = insert(p.root, rec, r, `${this.design.name}: ${name}`);
      p.root = root;
      this.noteNodes(n);
      return r;
    } finally {
      this.curVec = null;
      this.curWorld = null;
    }
  }

  /** A derived-footprint step's argument tuples in the current state (memoized on what `params` reads). */
  private tracedParams(t: TracedStep): TracedCand[] {
    const hit = lookup(t.root, this, this.curVec!);
    if (hit) {
      this.traceStats.paramHits++;
      return hit.result!;
    }
    this.traceStats.paramMisses++;
    const st = t.step;
    let argss: readonly Args[];
    if (!st.params) argss = [[]];
    else {
      const rw = this.rec.worldOf(this.world());
      this.rec.begin();
      try {
        argss = st.params(rw, this.cfg);
      } catch (e) {
        throw new Error(`${this.design.name}: model error in the params of ${st.name}: ${(e as Error).message}`);
      } finally {
        this.rec.end();
      }
    }
    const cands: TracedCand[] = [];
    for (const args of argss) {
      const key = JSON.stringify(args);
      let c = t.byArgs.get(key);
      if (!c) {
        const a = JSON.parse(key) as Args;
        c = { step: st, args: a, label: labelOf(st.name, a), root: null, looks: 0, misses: 0, plain: 0 };
        t.byArgs.set(key, c);
      }
      cands.push(c);
    }
    if (!st.params) {
      this.rec.begin();
      this.rec.end();
    }
    if (PROF) this.prof('params ' + st.name, t.root);
    const [root, n] = insert(t.root, this.rec, cands, `${this.design.name}: params of ${st.name}`);
    t.root = root;
    this.noteNodes(n);
    return cands;
  }

  /** A derived-footprint candidate's effect in the current state `v` (null: disabled). */
  private tracedEffect(c: TracedCand, v: Int32Array): Effect | null {
    const hit = lookup(c.root, this, v);
    if (++c.looks === PROBE) {
      if (c.misses + (hit ? 0 : 1) > MISS_RATE * PROBE && this.mode !== 'check') c.plain = PLAIN;
      c.looks = 0;
      c.misses = 0;
    }
    if (hit) {
      this.traceStats.hits++;
      let e = hit.result!;
      if (e && e.gp !== undefined) e = this.resolveG(e, v[0]);
      if (this.mode === 'check') this.verify(c, v, e);
      return e;
    }
    this.memoMisses++;
    this.traceStats.misses++;
    c.misses++;
    const rec = this.rec;
    const rw = rec.worldOf(this.world());
    let next: World | null = null;
    rec.begin();
    try {
      if (c.step.enabled(rw, c.args, this.cfg)) {
        next = c.step.apply(rw, c.args, this.cfg);
        if (!next) throw new Error(REFUSED);
      }
    } catch (e) {
      throw new Error(`${this.design.name}: model error in ${c.label}: ${(e as Error).message}`);
    } finally {
      rec.end();
    }
    const eff = next ? this.writes(next, v) : DISABLED;
    if (PROF) this.prof(c.step.name, c.root);
    const [root, n] = insert(c.root, rec, eff, `${this.design.name}: ${c.label}`);
    c.root = root;
    this.noteNodes(n);
    const r = eff && eff.gp !== undefined ? this.resolveG(eff, v[0]) : eff;
    if (this.mode === 'check') this.verify(c, v, r);
    return r;
  }

  /**
   * The slots a step's result writes, from the result alone: an object that is the input's recording
   * proxy of the same id is a copy; any other object is written, as is any input object the result
   * lacks. A snapshot moved to another id makes the effect depend on its source: a full read of it.
   */
  private writes(next: World, v: Int32Array): Effect {
    const rec = this.rec;
    const o = next.o as Record<string, AnyMachineSnapshot>;
    const pairs: number[] = [];
    const put = (s: number, val: AnyMachineSnapshot | undefined) => {
      if (val === undefined) pairs.push(s, 0);
      else if (val === rec.proxyAt(s)) return;
      else {
        const from = rec.proxySlot.get(val);
        if (from !== undefined) {
          rec.force(from, FULL);
          pairs.push(s, from < v.length ? v[from] : 0);
        } else pairs.push(s, snapshotId(val));
      }
    };
    const lo = layerOf<AnyMachineSnapshot>(o);
    if (lo && lo.base !== rec.oProxy) throw new Error('the result holds a world of another state');
    if (lo) for (const [id, val] of lo.own) put(this.slot(id), val);
    else if (o !== rec.oProxy) {
      for (const id in o) put(this.slot(id), o[id]);
      for (let s = 1; s < v.length; s++) if (v[s] !== 0 && !(this.ids[s] in o)) pairs.push(s, 0);
    }
    let gp: number | undefined;
    if (next.g !== rec.gProxy) {
      const lg = layerOf<Json>(next.g);
      if (lg && lg.base !== rec.gProxy) throw new Error('the result holds globals of another state');
      if (lg) gp = this.patchId(lg.own);
      else pairs.push(0, this.gid(next.g as Record<string, Json>));
    }
    return { pairs: Int32Array.from(pairs), d1: 0, d2: 0, gp };
  }

  /** Mode 'check': a memo hit of a derived footprint equals running the step on the decoded world. */
  private verify(c: TracedCand, v: Int32Array, e: Effect | null) {
    const w = this.decode(v);
    const next = c.step.enabled(w, c.args, this.cfg) ? c.step.apply(w, c.args, this.cfg) : null;
    const want = next ? Array.from(this.encode(next)) : null;
    const got = e ? Array.from(this.applyEffect(v, e)) : null;
    const trim = (a: number[] | null) => {
      if (a) while (a.length && a[a.length - 1] === 0) a.pop();
      return a ? a.join(',') : 'disabled';
    };
    if (trim(want) !== trim(got))
      throw new Error(
        `${this.design.name}: ${c.label}: the derived-footprint memo gave ${trim(got)}, the step ${trim(want)}`,
      );
  }

  /**
   * Enumerate the enabled actions of state `v` (fingerprint h1, h2) in `enabledActions` order. `roles`
   * filters by role as `enabledActions` does (indices then count only the kept ones). `w` may give the
   * state's World if the caller has it.
   */
  successors(
    v: Int32Array,
    h1: number,
    h2: number,
    roles?: (r: Role) => boolean,
    w?: World,
    need?: Uint16Array | null,
  ): Succ[] {
    this.enter(v, w);
    const out: Succ[] = [];
    if (this.allStatic && !roles) {
      const cs = this.candidates;
      for (let ci = 0; ci < cs.length; ci++) {
        // known disabled: disabled in the parent, and the step there changed no slot it touches
        if (need && (need[ci >>> 4] & (1 << (ci & 15))) === 0) continue;
        const c = cs[ci];
        this.lookups++;
        const e = this.effectOf(c, v);
        if (e !== null)
          out.push({
            k: out.length,
            step: c.step,
            args: c.args,
            h1: (h1 + e.d1) | 0,
            h2: (h2 + e.d2) | 0,
            eff: e,
            vec: null,
            cand: c,
          });
      }
      this.curVec = null;
      this.curWorld = null;
      return out;
    }
    for (const p of this.plan) {
      if (roles && !roles(p.step.role)) continue;
      if (p.cands) {
        const cs = p.cands;
        for (let ci = 0; ci < cs.length; ci++) {
          const c = cs[ci];
          const e = this.effectOf(c, v);
          if (e !== null)
            out.push({
              k: out.length,
              step: c.step,
              args: c.args,
              h1: (h1 + e.d1) | 0,
              h2: (h2 + e.d2) | 0,
              eff: e,
              vec: null,
              cand: c,
            });
        }
      } else if (p.traced) {
        const cs = this.tracedParams(p.traced);
        for (let ci = 0; ci < cs.length; ci++) {
          const c = cs[ci];
          if (c.plain > 0) {
            c.plain--;
            this.traceStats.plain++;
            const s = this.plainSucc(c.step, c.args, out.length);
            if (s) out.push(s);
            continue;
          }
          const e = this.tracedEffect(c, v);
          if (e === null) continue;
          let n1 = h1,
            n2 = h2;
          const pr = e.pairs;
          for (let j = 0; j < pr.length; j += 2) {
            const sl = pr[j],
              b = pr[j + 1],
              a = sl < v.length ? v[sl] : 0;
            if (a === b) continue;
            n1 = (n1 + z1(sl, b) - z1(sl, a)) | 0;
            n2 = (n2 + z2(sl, b) - z2(sl, a)) | 0;
          }
          out.push({ k: out.length, step: c.step, args: c.args, h1: n1, h2: n2, eff: e, vec: null, cand: null });
        }
      } else {
        const st = p.step;
        for (const args of st.params ? st.params(this.world(), this.cfg) : [[]]) {
          const s = this.plainSucc(st, args, out.length);
          if (s) out.push(s);
        }
      }
    }
    this.curVec = null;
    this.curWorld = null;
    return out;
  }

  /** Run one step on the decoded world (the generic path): its successor with the full next vector, or null. */
  private plainSucc(st: StepDef, args: Args, k: number): Succ | null {
    const wd = this.world();
    let next: World;
    try {
      if (!st.enabled(wd, args, this.cfg)) return null;
      next = st.apply(wd, args, this.cfg);
      if (!next) throw new Error(REFUSED);
    } catch (e) {
      throw new Error(`${this.design.name}: model error in ${labelOf(st.name, args)}: ${(e as Error).message}`);
    }
    const nv = this.encode(next);
    const [n1, n2] = this.hash(nv);
    return { k, step: st, args, h1: n1, h2: n2, eff: null, vec: nv, cand: null };
  }

  private roleLists = new Map<
    string,
    { cands: Candidate[]; bySlot: Int32Array[]; effs: (Effect | null)[]; stamp: Int32Array; gen: number }
  >();
  private lastTaken: Int32Array | null = null;

  /**
   * The drain (src/explore/drain.ts) for designs whose steps all declare footprints, without
   * allocating per step: the vector is patched in place, fairness is an array by candidate (labels are
   * one per candidate). Same choices as the generic drain: least recently taken first, ties in order.
   * Returns null when some step has no footprint (the caller then runs the generic drain).
   */
  drainStatic(
    v0: Int32Array,
    h1: number,
    h2: number,
    roles: (r: Role) => boolean,
    rolesKey: string,
    bound: number,
  ): { vec: Int32Array | null; labels: string[]; steps: number } | null {
    if (!this.allStatic) return null;
    let rl = this.roleLists.get(rolesKey);
    if (!rl) {
      const cands = this.candidates.filter((c) => roles(c.step.role));
      const bySlot: number[][] = [];
      cands.forEach((c, p) => {
        for (const sl of c.slots) {
          bySlot[sl] ??= [];
          bySlot[sl].push(p);
        }
      });
      rl = {
        cands,
        bySlot: bySlot.map((x) => Int32Array.from(x ?? [])),
        effs: new Array(cands.length).fill(null),
        stamp: new Int32Array(cands.length),
        gen: 0,
      };
      this.roleLists.set(rolesKey, rl);
    }
    const { cands, bySlot, effs, stamp } = rl;
    const n = this.candidates.length;
    if (!this.lastTaken || this.lastTaken.length < n) this.lastTaken = new Int32Array(n);
    const last = this.lastTaken;
    last.fill(-1);
    let v = new Int32Array(Math.max(v0.length, this.ids.length));
    v.set(v0);
    const look = (p: number): Effect | null => {
      this.enter(v);
      const e = this.effectOf(cands[p], v);
      this.curVec = null;
      this.curWorld = null;
      return e;
    };
    for (let p = 0; p < cands.length; p++) effs[p] = look(p);
    const labels: string[] = [];
    for (let i = 0; i < bound; i++) {
      let bp = -1,
        bestAt = 0;
      for (let p = 0; p < cands.length; p++) {
        if (effs[p] === null) continue;
        const at = last[cands[p].index];
        if (bp < 0 || at < bestAt) {
          bp = p;
          bestAt = at;
        }
      }
      if (bp < 0) return { vec: v, labels, steps: i };
      const best = cands[bp];
      last[best.index] = i;
      labels.push(best.label);
      const pr = effs[bp]!.pairs;
      let grow = v.length;
      for (let j = 0; j < pr.length; j += 2) if (pr[j] + 1 > grow) grow = pr[j] + 1;
      if (grow > v.length) {
        const b = new Int32Array(grow);
        b.set(v);
        v = b;
      }
      const gen = ++rl.gen;
      for (let j = 0; j < pr.length; j += 2) {
        v[pr[j]] = pr[j + 1];
        const ds = bySlot[pr[j]];
        if (ds) for (let q = 0; q < ds.length; q++) stamp[ds[q]] = gen;
      }
      for (let p = 0; p < cands.length; p++) if (stamp[p] === gen) effs[p] = look(p);
    }
    void h1;
    void h2;
    return { vec: null, labels, steps: bound };
  }

  /**
   * Incremental successors (designs whose steps all declare footprints): a candidate that is disabled
   * in a state stays disabled in a successor whose step changed none of the slots it touches, since its
   * memo key (the snapshots of those slots) is the same. So a successor needs only the candidates enabled
   * in its parent and those touching a slot the step changed: `need`, a bit per candidate in 16-bit
   * words (the explorer keeps it beside the vector in its queue). The successors are exactly those of the
   * full enumeration, in the same order (test/perf/incremental.test.ts).
   */
  get maskWords(): number {
    return this.allStatic ? (this.candidates.length + 15) >>> 4 : 0;
  }
  private touching: Uint16Array[] | null = null;
  /** Into `out` (maskWords words): what the successor of `v` by `s` must look up (`enabled`: v's successors). */
  needMask(enabled: readonly Succ[], s: Succ, out: Uint16Array): void {
    out.set(this.affectedBy(s.eff!));
    for (let i = 0; i < enabled.length; i++) {
      const x = enabled[i].cand!.index;
      out[x >>> 4] |= 1 << (x & 15);
    }
  }

  /** The candidates touching a slot effect `e` writes (maskWords words; cached on the effect). */
  affectedBy(e: Effect): Uint16Array {
    let aff = e.aff;
    if (!aff) {
      // the candidates touching a slot this effect writes (cached on the effect: one per memo entry)
      const mw = this.maskWords;
      if (!this.touching) {
        this.touching = this.ids.map(() => new Uint16Array(mw));
        for (const c of this.candidates)
          for (const sl of c.slots) this.touching[sl][c.index >>> 4] |= 1 << (c.index & 15);
      }
      aff = new Uint16Array(mw);
      for (let j = 0; j < e.pairs.length; j += 2) {
        const t = this.touching[e.pairs[j]];
        if (t) for (let q = 0; q < mw; q++) aff[q] |= t[q];
      }
      e.aff = aff;
    }
    return aff;
  }

  /** The next vector of a successor of `v`. */
  nextVec(v: Int32Array, s: Succ): Int32Array {
    return s.vec ?? this.applyEffect(v, s.eff!);
  }
}

/**
 * A transition of the explorers as an Action (same step, arguments and next world as the k-th of
 * `enabledActions`), whose successor vector and World are each made at most once, when first asked
 * for: step properties, witnesses and monitors share them, and a transition nobody judges makes neither.
 * `before` gives the source state's World (the explorer's decode-once thunk).
 */
export class Transition implements Action {
  readonly step: StepDef;
  readonly args: Args;
  readonly label: string;
  /** The successor vector, once made (`vec()`). */
  made: Int32Array | undefined = undefined;
  private after: World | undefined = undefined;
  constructor(
    private readonly e: FastEngine,
    private readonly from: Int32Array,
    private readonly s: Succ,
    private readonly before: () => World,
  ) {
    this.step = s.step;
    this.args = s.args;
    this.label = s.cand ? s.cand.label : cachedLabel(s.step, s.args);
  }
  vec(): Int32Array {
    this.made ??= this.e.nextVec(this.from, this.s);
    return this.made;
  }
  get next(): World {
    this.after ??= this.e.decodeNext(this.before(), this.from, this.s, this.vec());
    return this.after;
  }
}

/** Fingerprint as one JS number key (53 bits), for memo maps. */
export function fpKey(h1: number, h2: number): number {
  return (h1 >>> 0) * 2097152 + (h2 >>> 11);
}
