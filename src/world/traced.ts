/**
 * Derived footprints (issue 13.1): a step without a declared footprint is run, on a memo miss, on a
 * recording World whose `o` and `g` are Proxies. Every read is recorded in order, as a slot of the
 * state vector (src/world/fast.ts) and how much of it was looked at:
 *  - PRESENCE: `id in w.o`, `w.o[id]` (whether the object exists);
 *  - MACHINE: `w.o[id].machine` (its kind: `idsOf`, `kindOf`);
 *  - VALUE: `w.o[id].value` (its state: `stateOf`), by the value's content;
 *  - FIELD + i: one field of its context (`ctx(w, id).deps`), by the field's content (i: the field
 *    name's index), so a guard that reads a job's dependencies is not keyed by the rest of the job;
 *  - FULL: anything else on the snapshot or its context (tags, the intern id `send` uses, enumerating
 *    the context), or an enumeration of the globals `w.g` (slot 0; `setG` copies them);
 *  - GKEY: one key of the globals (`w.g[k]`), by the key's index;
 *  - SET: enumerating `w.o` (for-in, Object.keys/entries, spread): the set of objects with their kinds;
 *  - KINDSET: `idsOf(w, kind)`, which the recording map answers itself: the set of objects of one kind
 *    (by the kind's index), so a step that lists the schedulers is not keyed by every fence spawned.
 * A step is a deterministic function of what it reads, so the first read is the same in every state,
 * the second is a function of the first's value, and so on: a decision trie keyed by each read's value
 * (a verifying-trace memo) is exact even when what is read next depends on what was read. A hit walks
 * the trie on the state vector and costs one array read and one map lookup per recorded read; the
 * World, xstate and the design's code run only on a miss.
 *
 * The copies `send`, `spawn`, `respawn` and `setG` make (models/world.ts) are no reads: the recording
 * maps give them a copy method (the COPY key) returning a layer, the input's recording map plus the
 * entries the step set or dropped; a layer reads through to its input (and records) only for the rest.
 *
 * What a step writes is taken from its result: a layer's own entries, and globals as the patch its layer
 * applies (so a counter's increment does not read the other globals); for a map the design built itself,
 * an object that is the recording proxy of the same object in the input is a copy (unchanged), anything
 * else there, and any object missing from the result, is written. So the effect is exact without knowing
 * which objects the step meant to touch.
 */
import type { World, Json } from '../../models/world.ts';
import type { AnyMachineSnapshot } from 'xstate';

export const PRESENCE = 1;
export const MACHINE = 2;
export const FULL = 3;
export const SET = 4;
export const GKEY = 5;
/** `idsOf(w, kind)` on the recording world: the set of objects of one kind (slot: the kind's index). */
export const KINDSET = 6;
/** The snapshot's `value`. */
export const VALUE = 7;
/** One context field: FIELD + the field name's index (Slots.field). */
export const FIELD = 16;
/** The pseudo-slot of a SET read (no object has it). */
export const SET_SLOT = -1;

/**
 * A trie node: the read it asks for, and a child per value seen; or a leaf with the result. The first
 * value seen and its child are kept in fields (most reads see one or two values), the others in an
 * open-addressing table of int keys (a lookup is a probe or two in one typed array, cheaper than a Map's).
 */
export class TrieNode<R> {
  slot = 0;
  kind = 0;
  v0 = 0;
  kid0: TrieNode<R> | null = null;
  /** The other values and their children (keys[i] with kids[i]; kids[i] null = empty), or null. */
  keys: Int32Array | null = null;
  kids: (TrieNode<R> | null)[] | null = null;
  private n = 0;
  leaf = false;
  result: R | undefined = undefined;
  /** The child for value `v`, or null. */
  kid(v: number): TrieNode<R> | null {
    if (this.v0 === v && this.kid0 !== null) return this.kid0;
    const keys = this.keys;
    if (keys === null) return null;
    const kids = this.kids!,
      mask = keys.length - 1;
    for (let i = slotOfKey(v) & mask; ; i = (i + 1) & mask) {
      const c = kids[i];
      if (c === null || keys[i] === v) return c;
    }
  }
  setKid(v: number, c: TrieNode<R>): void {
    if (this.kid0 === null) {
      this.v0 = v;
      this.kid0 = c;
      return;
    }
    if (this.keys === null || (this.n + 1) * 2 > this.keys.length) this.grow();
    this.put(v, c);
  }
  private put(v: number, c: TrieNode<R>) {
    const keys = this.keys!,
      kids = this.kids!,
      mask = keys.length - 1;
    for (let i = slotOfKey(v) & mask; ; i = (i + 1) & mask)
      if (kids[i] === null) {
        keys[i] = v;
        kids[i] = c;
        this.n++;
        return;
      }
  }
  private grow() {
    const ok = this.keys,
      oc = this.kids;
    const size = ok ? ok.length * 2 : 4;
    this.keys = new Int32Array(size);
    this.kids = new Array<TrieNode<R> | null>(size).fill(null);
    this.n = 0;
    if (ok) for (let i = 0; i < ok.length; i++) if (oc![i] !== null) this.put(ok[i], oc![i]!);
  }
}

function slotOfKey(v: number): number {
  const h = Math.imul(v, 0x9e3779b1);
  return h ^ (h >>> 15);
}

/** What the engine gives the recorder: slots by object id, and the values reads are keyed by. */
export interface Slots {
  slot(id: string): number;
  readonly ids: readonly string[];
  /** The value a read of (slot, kind) has in the state being expanded. */
  valueOf(slot: number, kind: number): number;
  /** The index of a globals key (GKEY reads). */
  gkey(k: string): number;
  /** The index of a machine kind (KINDSET reads). */
  kind(k: string): number;
  /** The index of a context field name (FIELD reads). */
  field(k: string): number;
  /** The value of a VALUE or FIELD read of snapshot `sid` (not 0). */
  part(sid: number, kind: number): number;
}

/** Names a World accessor may look up on `w.o` that are not object ids (JSON.stringify, await, inspection). */
const NOT_IDS = new Set(['toJSON', 'then', 'constructor', 'valueOf', 'toString', 'hasOwnProperty', '__proto__']);

/**
 * The recording world of one state, and the reads of the current run. `begin` starts a run, `end`
 * stops recording (proxies then forward without recording, so the result can be encoded).
 */
export class Recorder {
  on = false;
  readonly rs: number[] = [];
  readonly rk: number[] = [];
  readonly rv: number[] = [];
  private strength: number[] = [];
  private setRead = false;
  /** VALUE and FIELD reads of this run, as slot * 65536 + kind. */
  private parts = new Set<number>();
  private gkeys = new Set<number>();
  private kinds = new Set<number>();
  /** Proxy -> the slot whose snapshot it wraps (for copies and moves in a result). */
  readonly proxySlot = new WeakMap<object, number>();
  world: World | null = null;
  oProxy: object | null = null;
  gProxy: object | null = null;
  private vps: (AnyMachineSnapshot | undefined)[] = [];
  private base: World | null = null;

  constructor(readonly sl: Slots) {}

  /** Record a read (deduplicated: a weaker read of a slot already read more strongly adds nothing). */
  read(slot: number, kind: number): void {
    if (!this.on) return;
    if (kind === GKEY) {
      if (this.strength[0] === FULL || this.gkeys.has(slot)) return;
      this.gkeys.add(slot);
    } else if (kind === SET) {
      if (this.setRead) return;
      this.setRead = true;
    } else if (kind === KINDSET) {
      if (this.setRead || this.kinds.has(slot)) return; // the set of all objects says it too
      this.kinds.add(slot);
    } else if ((kind === PRESENCE || kind === MACHINE) && this.setRead)
      return; // the set of objects says which exist and their kinds
    else if (kind >= VALUE) {
      if (this.strength[slot] === FULL) return; // the whole snapshot says it
      const k = slot * 65536 + kind;
      if (this.parts.has(k)) return;
      this.parts.add(k);
    } else {
      const st = this.strength[slot] ?? 0;
      if (st >= kind) return;
      this.strength[slot] = kind;
    }
    this.rs.push(slot);
    this.rk.push(kind);
    this.rv.push(this.sl.valueOf(slot, kind));
  }

  /** Record a read even when recording is off (a result that moves one object's snapshot to another id). */
  force(slot: number, kind: number): void {
    const on = this.on;
    this.on = true;
    this.read(slot, kind);
    this.on = on;
  }

  begin(): void {
    this.rs.length = 0;
    this.rk.length = 0;
    this.rv.length = 0;
    this.strength.length = 0;
    this.setRead = false;
    this.parts.clear();
    this.gkeys.clear();
    this.kinds.clear();
    this.on = true;
  }
  end(): void {
    this.on = false;
  }

  /** The recording world over `base` (the decoded state); built once per state. */
  worldOf(base: World): World {
    if (this.base === base && this.world) return this.world;
    this.base = base;
    this.vps = [];
    this.cps = [];
    const oProxy = new Proxy(base.o as Record<string, AnyMachineSnapshot>, this.oHandler);
    const gProxy = new Proxy(base.g as Record<string, Json>, this.gHandler);
    this.oRoot = { base: oProxy, key: null, val: undefined, up: null };
    this.gRoot = { base: gProxy, key: null, val: undefined, up: null };
    this.oProxy = oProxy;
    this.gProxy = gProxy;
    this.world = { o: oProxy, g: gProxy };
    return this.world;
  }
  private oRoot: Entry<unknown> | null = null;
  private gRoot: Entry<unknown> | null = null;

  // The state's map handlers, made once (a miss builds no closures); `rec.sl` is read when called, as field
  // initialisers run before the constructor sets it.
  private readonly oHandler: ProxyHandler<Record<string, AnyMachineSnapshot>> = (() => {
    const rec = this;
    return {
      get(t, k) {
        if (k === COPY) return copyMap;
        if (k === LAYER) return rec.oRoot;
        if (k === IDS_OF) return (kind: string) => rec.idsOfKind(t, kind);
        if (typeof k !== 'string' || NOT_IDS.has(k)) return Reflect.get(t, k);
        const s = rec.sl.slot(k);
        rec.read(s, PRESENCE);
        return Object.hasOwn(t, k) ? rec.valueProxy(s, t[k]) : undefined;
      },
      has(t, k) {
        if (typeof k === 'string') rec.read(rec.sl.slot(k), PRESENCE);
        return Reflect.has(t, k);
      },
      ownKeys(t) {
        rec.read(SET_SLOT, SET);
        return Reflect.ownKeys(t);
      },
      getOwnPropertyDescriptor(t, k) {
        const d = Reflect.getOwnPropertyDescriptor(t, k);
        if (typeof k !== 'string') return d;
        const s = rec.sl.slot(k);
        rec.read(s, PRESENCE);
        if (d) d.value = rec.valueProxy(s, t[k]);
        return d;
      },
      set: () => false,
      defineProperty: () => false,
      deleteProperty: () => false,
    };
  })();
  private readonly gHandler: ProxyHandler<Record<string, Json>> = (() => {
    const rec = this;
    const key = (k: string | symbol) => (typeof k === 'string' ? rec.read(rec.sl.gkey(k), GKEY) : rec.read(0, FULL));
    return {
      get(t, k) {
        if (k === COPY) return copyMap;
        if (k === LAYER) return rec.gRoot;
        key(k);
        return Reflect.get(t, k);
      },
      has(t, k) {
        key(k);
        return Reflect.has(t, k);
      },
      ownKeys(t) {
        rec.read(0, FULL);
        return Reflect.ownKeys(t);
      },
      getOwnPropertyDescriptor(t, k) {
        rec.read(0, FULL);
        return Reflect.getOwnPropertyDescriptor(t, k);
      },
      set: () => false,
      defineProperty: () => false,
      deleteProperty: () => false,
    };
  })();

  /** The snapshot of `slot` as a recording proxy (one per slot and state, so copies are recognised). */
  valueProxy(slot: number, s: AnyMachineSnapshot): AnyMachineSnapshot {
    let p = this.vps[slot];
    if (p) return p;
    let h = this.handlers[slot];
    if (!h) {
      h = this.handlerOf(slot);
      this.handlers[slot] = h;
    }
    p = new Proxy(s, h);
    this.vps[slot] = p;
    this.proxySlot.set(p, slot);
    return p;
  }
  private handlers: ProxyHandler<AnyMachineSnapshot>[] = [];
  private handlerOf(slot: number): ProxyHandler<AnyMachineSnapshot> {
    const rec = this;
    return {
      get(t, k, r) {
        if (k === 'context') {
          const c = t.context as unknown;
          if (c !== null && typeof c === 'object') return rec.contextProxy(slot, c as object);
        }
        rec.read(slot, k === 'machine' ? MACHINE : k === 'value' ? VALUE : FULL);
        return Reflect.get(t, k, r);
      },
      ...wholeReads(rec, slot),
    };
  }

  /** The context of `slot`'s snapshot as a recording proxy (one per slot and state): a field read is FIELD. */
  private contextProxy(slot: number, c: object): object {
    let p = this.cps[slot];
    if (p) return p;
    let h = this.ctxHandlers[slot];
    if (!h) {
      const rec = this;
      h = {
        get(t, k, r) {
          rec.read(slot, typeof k === 'string' ? FIELD + rec.sl.field(k) : FULL);
          return Reflect.get(t, k, r);
        },
        // whether a field exists, the list of fields, a descriptor: the whole context
        ...wholeReads(rec, slot),
      };
      this.ctxHandlers[slot] = h;
    }
    p = new Proxy(c, h);
    this.cps[slot] = p;
    return p;
  }
  private cps: (object | undefined)[] = [];
  private ctxHandlers: ProxyHandler<object>[] = [];

  /**
   * `idsOf(w, kind)` on the state's recording map (`base`: the decoded state's map): one read, of the set
   * of objects of that kind, where enumerating the map reads the set of every object and its kind (a
   * step that lists the entities then misses whenever a fence is spawned). A layer (a map the step
   * built) does not answer: idsOf enumerates it, a read of the whole set.
   */
  idsOfKind(base: Record<string, AnyMachineSnapshot>, kind: string): string[] {
    this.read(this.sl.kind(kind), KINDSET);
    const out: string[] = [];
    for (const id in base) if (base[id].machine.id === kind) out.push(id);
    return out.sort();
  }

  /** The proxy of `slot` in this state, if one was handed out. */
  proxyAt(slot: number): AnyMachineSnapshot | undefined {
    return this.vps[slot];
  }
}

/**
 * The traps of a snapshot's (or its context's) recording proxy other than `get`: asking whether a key
 * exists, listing the keys or a descriptor is a read of the whole snapshot; writes are refused.
 */
function wholeReads<T extends object>(rec: Recorder, slot: number): Omit<ProxyHandler<T>, 'get'> {
  return {
    has(t, k) {
      rec.read(slot, FULL);
      return Reflect.has(t, k);
    },
    ownKeys(t) {
      rec.read(slot, FULL);
      return Reflect.ownKeys(t);
    },
    getOwnPropertyDescriptor(t, k) {
      rec.read(slot, FULL);
      return Reflect.getOwnPropertyDescriptor(t, k);
    },
    set: () => false,
    defineProperty: () => false,
    deleteProperty: () => false,
  };
}

/** The key under which models/world.ts finds a map's copy method (a registered symbol: no import). */
const COPY = Symbol.for('fencecheck.copy');
/** The key under which models/world.ts finds a recording map's `idsOf` (a registered symbol). */
const IDS_OF = Symbol.for('fencecheck.ids-of');
/** The key under which a recording map or a layer gives its newest entry (the chain of the step's own). */
const LAYER = Symbol('fencecheck.layer');

/** A layer's own entries, newest first: `key` set to `val` (undefined: dropped); the root has key null. */
interface Entry<T> {
  readonly base: Record<string, T>;
  readonly key: string | null;
  readonly val: T | undefined;
  readonly up: Entry<T> | null;
}
export interface Layer<T> {
  /** The recording map of the state the step runs on. */
  readonly base: object;
  /** Entries set (a value) or dropped (undefined) by the step, in the order first set. */
  readonly own: ReadonlyMap<string, T | undefined>;
}
const NONE = Symbol('none');
function find<T>(e: Entry<T>, k: string): T | undefined | typeof NONE {
  for (let x: Entry<T> | null = e; x; x = x.up) if (x.key === k) return x.val;
  return NONE;
}

/**
 * The copy method of a recording map and of a layer (called as a method of the map): the map with
 * `patch` set and `drop` dropped, a read-only map that answers its own entries itself and reads the
 * state's recording map (recording) for the others. Enumerating it enumerates that map (a read of all
 * of it) and applies its own entries.
 */
function copyMap<T>(this: object, patch: Record<string, T>, drop?: string): Record<string, T> {
  let e = (this as { [LAYER]: Entry<T> })[LAYER];
  if (drop !== undefined) e = { base: e.base, key: drop, val: undefined, up: e };
  for (const k in patch) e = { base: e.base, key: k, val: patch[k], up: e };
  return new Proxy({ [LAYER]: e } as unknown as Record<string, unknown>, layerHandler) as Record<string, T>;
}
const entryOf = (t: object) => (t as { [LAYER]: Entry<unknown> })[LAYER];
const desc = (value: unknown) => ({ value, writable: true, enumerable: true, configurable: true });
const layerHandler: ProxyHandler<Record<string, unknown>> = {
  get(t, k) {
    if (k === COPY) return copyMap;
    const e = entryOf(t);
    if (k === LAYER) return e;
    if (k === IDS_OF) return (kind: string) => layerIdsOf(e, kind);
    if (typeof k !== 'string') return undefined;
    const v = find(e, k);
    return v === NONE ? e.base[k] : v;
  },
  has(t, k) {
    if (typeof k !== 'string') return k === LAYER || k === COPY;
    const e = entryOf(t);
    const v = find(e, k);
    return v === NONE ? k in e.base : v !== undefined;
  },
  ownKeys(t) {
    const e = entryOf(t);
    const own = ownEntries(e);
    const keys = Reflect.ownKeys(e.base).filter(
      (k) => typeof k !== 'string' || own.get(k) !== undefined || !own.has(k),
    );
    for (const [k, v] of own) if (v !== undefined && !Object.hasOwn(e.base, k)) keys.push(k);
    return keys;
  },
  getOwnPropertyDescriptor(t, k) {
    if (typeof k !== 'string') return undefined;
    const e = entryOf(t);
    const v = find(e, k);
    if (v !== NONE) return v === undefined ? undefined : desc(v);
    const d = Reflect.getOwnPropertyDescriptor(e.base, k);
    return d ? desc(d.value) : undefined;
  },
  set: () => false,
  defineProperty: () => false,
  deleteProperty: () => false,
};
/**
 * `idsOf(w, kind)` on a layer: the state's objects of that kind (one KINDSET read of the recording map)
 * without those the step set or dropped, plus those it set to an object of that kind. The same list as
 * enumerating the layer, without reading the set of every object (so a step that spawns a fence and then
 * lists the rings is not keyed by every object there is).
 */
function layerIdsOf(e: Entry<unknown>, kind: string): string[] {
  const own = ownEntries(e);
  const byKind = (e.base as { [IDS_OF]: (kind: string) => string[] })[IDS_OF];
  const out = byKind(kind).filter((id) => !own.has(id));
  for (const [id, v] of own) if (v !== undefined && (v as AnyMachineSnapshot).machine.id === kind) out.push(id);
  return out.sort();
}

function ownEntries<T>(e: Entry<T>): Map<string, T | undefined> {
  const chain: Entry<T>[] = [];
  for (let x: Entry<T> | null = e; x && x.key !== null; x = x.up) chain.push(x);
  const own = new Map<string, T | undefined>();
  for (let i = chain.length - 1; i >= 0; i--) own.set(chain[i].key!, chain[i].val);
  return own;
}

/** The base and own entries of a map made by a recording map's copy method (or of a recording map). */
export function layerOf<T>(m: object): Layer<T> | undefined {
  const e = (m as { [LAYER]?: Entry<T> })[LAYER];
  return e ? { base: e.base, own: ownEntries(e) } : undefined;
}

/**
 * Walk a trie on the current state `v`: the result, or undefined on a miss. A FULL read is the slot's
 * value in `v`, read here (the common case); a VALUE or FIELD read its part of that snapshot; the others
 * ask `sl`.
 */
export function lookup<R>(root: TrieNode<R> | null, sl: Slots, v: Int32Array): TrieNode<R> | undefined {
  let n = root;
  while (n !== null) {
    if (n.leaf) return n;
    const s = n.slot,
      k = n.kind;
    let x: number;
    if (k === FULL) x = s < v.length ? v[s] : 0;
    else if (k >= VALUE) {
      x = s < v.length ? v[s] : 0;
      if (x !== 0) x = sl.part(x, k);
    } else x = sl.valueOf(s, k);
    n = n.v0 === x && n.kid0 !== null ? n.kid0 : n.kid(x);
  }
  return undefined;
}

/**
 * Insert the recorded reads with their result. The reads must agree with the trie's nodes along the
 * path (the step is deterministic); a disagreement is a design whose step is not a function of the
 * world (it reads a clock, a random number or mutable module state), reported as a model error.
 * Returns the new root and the number of nodes added.
 */
export function insert<R>(root: TrieNode<R> | null, rec: Recorder, result: R, what: string): [TrieNode<R>, number] {
  let added = 0;
  // The chain from read i down to the leaf (all of it: a miss makes the whole path a hit next time).
  const mk = (i: number): TrieNode<R> => {
    const leaf = new TrieNode<R>();
    leaf.leaf = true;
    leaf.result = result;
    let n = leaf;
    for (let j = rec.rs.length - 1; j >= i; j--) {
      const p = new TrieNode<R>();
      p.slot = rec.rs[j];
      p.kind = rec.rk[j];
      p.setKid(rec.rv[j], n);
      n = p;
    }
    added += rec.rs.length - i + 1;
    return n;
  };
  if (!root) return [mk(0), added];
  let n = root;
  for (let i = 0; ; i++) {
    if (n.leaf || i === rec.rs.length || n.slot !== rec.rs[i] || n.kind !== rec.rk[i])
      throw new Error(`${what} is not a function of the world: it read differently in two runs on the same values`);
    const v = rec.rv[i];
    const c = n.kid(v);
    if (!c) {
      n.setKid(v, mk(i + 1));
      return [root, added];
    }
    n = c;
  }
}
