/**
 * Derived footprints (issue 13.1): a step without a declared footprint is run, on a memo miss, on a
 * recording World whose `o` and `g` are Proxies. Every read is recorded in order, as a slot of the
 * state vector (src/world/fast.ts) and how much of it was looked at:
 *  - PRESENCE: `id in w.o`, `w.o[id]` (whether the object exists);
 *  - MACHINE: `w.o[id].machine` (its kind: `idsOf`, `kindOf`);
 *  - FULL: anything else on the snapshot (value, context, tags, the intern id `send` uses), or an
 *    enumeration of the globals `w.g` (slot 0; `setG` copies them);
 *  - GKEY: one key of the globals (`w.g[k]`), by the key's index;
 *  - SET: enumerating `w.o` (for-in, Object.keys/entries, spread, as in `send`): the set of objects.
 * A step is a deterministic function of what it reads, so the first read is the same in every state,
 * the second is a function of the first's value, and so on: a decision trie keyed by each read's value
 * (a verifying-trace memo) is exact even when what is read next depends on what was read. A hit walks
 * the trie on the state vector and costs one array read and one map lookup per recorded read; the
 * World, xstate and the design's code run only on a miss.
 *
 * What a step writes is taken from its result: an object of the result that is the recording proxy of
 * the same object in the input is a copy (unchanged); anything else there, and any object missing from
 * the result, is written. So the effect is exact without knowing which objects the step meant to touch.
 */
import type { World, Json } from '../../models/world.ts';
import type { AnyMachineSnapshot } from 'xstate';

export const PRESENCE = 1;
export const MACHINE = 2;
export const FULL = 3;
export const SET = 4;
export const GKEY = 5;
/** The pseudo-slot of a SET read (no object has it). */
export const SET_SLOT = -1;

/** A trie node: the read it asks for, and a child per value seen; or a leaf with the result. */
export class TrieNode<R> {
  slot = 0;
  kind = 0;
  kids: Map<number, TrieNode<R>> | null = null;
  leaf = false;
  result: R | undefined = undefined;
}

/** What the engine gives the recorder: slots by object id, and the values reads are keyed by. */
export interface Slots {
  slot(id: string): number;
  readonly ids: readonly string[];
  /** The value a read of (slot, kind) has in the state being expanded. */
  valueOf(slot: number, kind: number): number;
  /** The index of a globals key (GKEY reads). */
  gkey(k: string): number;
}

/** Names a World accessor may look up on `w.o` that are not object ids (JSON.stringify, await, inspection). */
const NOT_IDS = new Set(['toJSON', 'then', 'constructor', 'valueOf', 'toString', 'hasOwnProperty', '__proto__']);

/**
 * The recording world of one state, and the reads of the current run. `begin` starts a run, `end`
 * stops recording (proxies then forward without recording, so the result can be encoded).
 */
export class Recorder {
  on = false;
  /**
   * Mode 'check' on a declared footprint: the copy of the object map inside `send`, `spawn` and
   * `respawn` (models/world.ts) is not counted as a read of the set of objects (see fast.ts).
   */
  copyAware = false;
  readonly rs: number[] = [];
  readonly rk: number[] = [];
  readonly rv: number[] = [];
  private strength: number[] = [];
  private setRead = false;
  private gkeys = new Set<number>();
  /** Proxy -> the slot whose snapshot it wraps (for copies and moves in a result). */
  readonly proxySlot = new WeakMap<object, number>();
  world: World | null = null;
  oProxy: object | null = null;
  gProxy: object | null = null;
  private vps: (AnyMachineSnapshot | undefined)[] = [];
  private base: World | null = null;

  constructor(private readonly sl: Slots) {}

  /** Record a read (deduplicated: a weaker read of a slot already read more strongly adds nothing). */
  read(slot: number, kind: number): void {
    if (!this.on) return;
    if (kind === GKEY) {
      if (this.strength[0] === FULL || this.gkeys.has(slot)) return;
      this.gkeys.add(slot);
    } else if (kind === SET) {
      if (this.setRead) return;
      this.setRead = true;
    } else if (kind === PRESENCE && this.setRead)
      return; // the set of objects says which exist
    else {
      const st = this.strength[slot] ?? 0;
      if (st >= kind) return;
      this.strength[slot] = kind;
    }
    this.rs.push(slot);
    this.rk.push(kind);
    this.rv.push(this.sl.valueOf(slot, kind));
  }

  /**
   * Check mode on a declared footprint only: is this access to `w.o` made by `send`, `spawn` or
   * `respawn` themselves? Their copy of the object map is no read, and every object they look up
   * there they also write or read through its snapshot (the intern id).
   */
  copying(): boolean {
    return this.on && this.copyAware && worldCopy();
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
    this.gkeys.clear();
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
    const rec = this;
    const sl = this.sl;
    const target = base.o as Record<string, AnyMachineSnapshot>;
    const oProxy = new Proxy(target, {
      get(t, k) {
        if (typeof k !== 'string' || NOT_IDS.has(k)) return Reflect.get(t, k);
        const s = sl.slot(k);
        if (!rec.copying()) rec.read(s, PRESENCE);
        return Object.hasOwn(t, k) ? rec.valueProxy(s, t[k]) : undefined;
      },
      has(t, k) {
        if (typeof k === 'string' && !rec.copying()) rec.read(sl.slot(k), PRESENCE);
        return Reflect.has(t, k);
      },
      ownKeys(t) {
        if (!rec.copying()) rec.read(SET_SLOT, SET);
        return Reflect.ownKeys(t);
      },
      getOwnPropertyDescriptor(t, k) {
        const d = Reflect.getOwnPropertyDescriptor(t, k);
        if (typeof k !== 'string') return d;
        const s = sl.slot(k);
        if (!rec.copying()) rec.read(s, PRESENCE);
        if (d) d.value = rec.valueProxy(s, t[k]);
        return d;
      },
      set: () => false,
      defineProperty: () => false,
      deleteProperty: () => false,
    });
    const full = () => rec.read(0, FULL);
    const key = (k: string | symbol) => (typeof k === 'string' ? rec.read(sl.gkey(k), GKEY) : full());
    const gProxy = new Proxy(base.g as Record<string, Json>, {
      get(t, k) {
        key(k);
        return Reflect.get(t, k);
      },
      has(t, k) {
        key(k);
        return Reflect.has(t, k);
      },
      ownKeys(t) {
        full();
        return Reflect.ownKeys(t);
      },
      getOwnPropertyDescriptor(t, k) {
        full();
        return Reflect.getOwnPropertyDescriptor(t, k);
      },
      set: () => false,
      defineProperty: () => false,
      deleteProperty: () => false,
    });
    this.oProxy = oProxy;
    this.gProxy = gProxy;
    this.world = { o: oProxy, g: gProxy };
    return this.world;
  }

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
        rec.read(slot, k === 'machine' ? MACHINE : FULL);
        return Reflect.get(t, k, r);
      },
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

  /** The proxy of `slot` in this state, if one was handed out. */
  proxyAt(slot: number): AnyMachineSnapshot | undefined {
    return this.vps[slot];
  }
}

/** Is the trapped access made by `send`, `spawn` or `respawn` of models/world.ts? (check mode only) */
function worldCopy(): boolean {
  const caller = (new Error().stack ?? '').split('\n')[4] ?? '';
  return /\bat (send|spawn|respawn) \(.*models[\\/]world\.ts:/.test(caller);
}

/** Walk a trie on the current state: the result, or undefined on a miss. */
export function lookup<R>(root: TrieNode<R> | null, sl: Slots): TrieNode<R> | undefined {
  let n = root;
  while (n) {
    if (n.leaf) return n;
    n = n.kids!.get(sl.valueOf(n.slot, n.kind)) ?? null;
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
  const mk = (i: number): TrieNode<R> => {
    added++;
    const n = new TrieNode<R>();
    if (i === rec.rs.length) {
      n.leaf = true;
      n.result = result;
    } else {
      n.slot = rec.rs[i];
      n.kind = rec.rk[i];
      n.kids = new Map();
    }
    return n;
  };
  if (!root) return [mk(0), added];
  let n = root;
  for (let i = 0; ; i++) {
    if (n.leaf || i === rec.rs.length || n.slot !== rec.rs[i] || n.kind !== rec.rk[i])
      throw new Error(`${what} is not a function of the world: it read differently in two runs on the same values`);
    const v = rec.rv[i];
    const c = n.kids!.get(v);
    if (!c) {
      n.kids!.set(v, mk(i + 1));
      return [root, added];
    }
    n = c;
  }
}
