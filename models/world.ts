/**
 * The world: plain data made of xstate machine snapshots, stepped purely.
 *
 * A world maps object ids to snapshots of their kind's machine, plus a few design globals. `send`
 * hands one event to one object through xstate's pure `machine.transition` with a reused inert scope
 * (shared/reference/tooling.md §1.1); the effects the machine asks for come back as `deliver` actions,
 * which the world delivers to their targets, in order, before `send` returns. Nothing here runs a
 * timer, an actor or a promise: one `send` is one atomic kernel or hardware operation.
 *
 * This file lives in models/ because designs compose worlds and models never import the engine.
 */
import { createEmptyActor, type AnyStateMachine, type AnyMachineSnapshot } from 'xstate';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type Ev = { type: string; [k: string]: Json };

/** An immutable world state. `o`: object id -> snapshot; `g`: design globals (plain JSON). */
export interface World {
  readonly o: Readonly<Record<string, AnyMachineSnapshot>>;
  readonly g: Readonly<Record<string, Json>>;
}

/** What a machine may ask of the world: deliver `ev` to object `to` once this transition is done. */
export interface DeliverParams {
  to: string;
  ev: Ev;
}

// One reused inert scope for every pure transition (tooling.md §1.1: same result as transition(), ~5x faster).
let pending: DeliverParams[] = [];
const empty = createEmptyActor();
const scope = {
  self: empty,
  logger: () => {},
  id: '',
  sessionId: '',
  defer: () => {},
  system: (empty as any).system,
  stopChild: () => {},
  emit: () => {},
  actionExecutor: (a: { type: string; params?: unknown }) => {
    if (a.type === 'deliver') pending.push(a.params as DeliverParams);
  },
} as any;

export const emptyWorld: World = { o: {}, g: {} };

/** The machine kind of an object (its machine id), or undefined if absent. */
export function kindOf(w: World, id: string): string | undefined {
  return w.o[id]?.machine.id;
}

/** Context of object `id`; throws if absent (a model bug, not a design outcome). */
export function ctx<C = any>(w: World, id: string): C {
  const s = w.o[id];
  if (!s) throw new Error(`no object '${id}' in the world`);
  return s.context as C;
}

export function has(w: World, id: string): boolean {
  return id in w.o;
}

/** Current state value of object `id`, as a dotted string ("signaled", "signaled.withError"). */
export function stateOf(w: World, id: string): string {
  const s = w.o[id];
  if (!s) throw new Error(`no object '${id}' in the world`);
  return flatValue(s.value);
}

export function hasTag(w: World, id: string, tag: string): boolean {
  const s = w.o[id];
  return !!s && s.hasTag(tag);
}

function flatValue(v: unknown): string {
  if (typeof v === 'string') return v;
  const [k, sub] = Object.entries(v as Record<string, unknown>)[0] ?? ['?', ''];
  return sub === undefined || sub === '' ? k : `${k}.${flatValue(sub)}`;
}

/** Judgments of a world kept on it (its objects and globals never change): idsOf's by kind, `onWorld`'s. */
const MEMO = Symbol('fencecheck.memo');

/**
 * `judge(w)`, computed once per world object (a pure function of the world, named by `key`): properties
 * and witnesses that ask the same state the same question for each of its transitions ask it once. A
 * recording world (traced.ts) is never memoized: its reads are the footprint being derived.
 */
export function onWorld<T>(w: World, key: object, judge: (w: World) => T): T {
  if ((w.o as { [IDS_OF]?: unknown })[IDS_OF]) return judge(w);
  const memo = (w as { [MEMO]?: Map<unknown, unknown> })[MEMO];
  if (memo?.has(key)) return memo.get(key) as T;
  const v = judge(w);
  remember(w, key, v);
  return v;
}

/** onGlobals' judgments, by globals object and then by key. */
const BY_GLOBALS = new WeakMap<object, Map<object, unknown>>();
/**
 * `judge(w)` for a judgment that is a function of the globals alone, computed once per globals object
 * (the explorers share one between every state with the same globals). Never on a recording world, as
 * for `onWorld`: its globals are the state's recording proxy, shared by every function the engine
 * memoizes at that state, so a second one would take the first's answer without recording its reads.
 */
export function onGlobals<T>(w: World, key: object, judge: (w: World) => T): T {
  if ((w.o as { [IDS_OF]?: unknown })[IDS_OF]) return judge(w);
  let m = BY_GLOBALS.get(w.g);
  if (m === undefined) {
    m = new Map();
    BY_GLOBALS.set(w.g, m);
  } else if (m.has(key)) return m.get(key) as T;
  const v = judge(w);
  m.set(key, v);
  return v;
}

function remember(w: World, key: unknown, v: unknown) {
  const at = w as { [MEMO]?: Map<unknown, unknown> };
  const memo = at[MEMO] ?? new Map<unknown, unknown>();
  memo.set(key, v);
  at[MEMO] = memo;
}
/**
 * On the worlds an explorer's decoder makes (src/world/fast.ts; a registered symbol: no import): what
 * lists the objects of a kind in its map in id order, from the ids it knows sorted, without a sort.
 */
const KIND_INDEX = Symbol.for('fencecheck.kind-index');
interface KindIndex {
  idsOfKind(o: World['o'], kind: string): readonly string[];
  sortedIds(o: World['o']): readonly string[];
}

/**
 * On a world an explorer's decoder made from another by replacing snapshots only (src/world/fast.ts,
 * decodeNext: a transition's successor): that other world, which holds the same ids of the same kinds,
 * so its id lists (computed once per state, not once per transition) serve this one.
 */
const SAME_IDS = Symbol.for('fencecheck.same-ids');

/**
 * On a world an explorer's decoder made from another by replacing, adding or dropping snapshots (src/world/
 * fast.ts, decodeNext: a transition's successor): that other world and the ids whose snapshot differs, in
 * the order the other world's map holds them: what `changedIds` answers without a scan.
 */
const CHANGED = Symbol.for('fencecheck.changed');
interface Changed {
  from: World;
  ids: readonly string[];
}

/** changedIds' scans, by the world after (elsewhere than on an explorer's successor). */
const CHANGED_IDS = new WeakMap<World, Changed>();
/**
 * The objects a step changed: the ids whose snapshot differs between `before` and `after` (replaced or
 * dropped, in before's map order; then those added, in after's). Step properties and monitors judge these
 * instead of every object (an object a step did not touch keeps its snapshot, so it cannot break a rule
 * about how one object changes); on an explorer's successor the decoder knows them, elsewhere one scan per
 * pair of worlds, shared by the properties that ask.
 */
export function changedIds(before: World, after: World): readonly string[] {
  const c = (after as { [CHANGED]?: Changed })[CHANGED];
  if (c && c.from === before) return c.ids;
  const known = CHANGED_IDS.get(after);
  if (known && known.from === before) return known.ids;
  const ids: string[] = [];
  for (const id in before.o) if (after.o[id] !== before.o[id]) ids.push(id);
  for (const id in after.o) if (!(id in before.o)) ids.push(id);
  CHANGED_IDS.set(after, { from: before, ids });
  return ids;
}

const SORTED_IDS = {};
/**
 * Every object id of `w`, sorted (frozen): the order properties enumerate objects in, computed once per
 * world (and on a decoded world from the ids its engine knows sorted, without a sort).
 */
export function sortedIds(w: World): readonly string[] {
  const same = (w as { [SAME_IDS]?: World })[SAME_IDS];
  if (same) return sortedIds(same);
  return onWorld(w, SORTED_IDS, (x) => {
    const index = (x as { [KIND_INDEX]?: KindIndex })[KIND_INDEX];
    return index ? index.sortedIds(x.o) : Object.freeze(Object.keys(x.o).sort());
  });
}

/** Ids of all objects of a kind, sorted (stable order for enumeration; frozen: it may be shared). */
export function idsOf(w: World, kind: string): readonly string[] {
  // A recording world (the explorers' derived footprints, src/world/traced.ts) answers this itself, so
  // that a step depends on the objects of this kind, not on every object there is.
  const byKind = (w.o as { [IDS_OF]?: (kind: string) => string[] })[IDS_OF];
  if (byKind) return byKind(kind);
  const same = (w as { [SAME_IDS]?: World })[SAME_IDS];
  if (same) return idsOf(same, kind);
  // Properties, monitors and witnesses ask the same world for the same kinds again and again.
  const cache = w as { [MEMO]?: Map<unknown, unknown>; [KIND_INDEX]?: KindIndex };
  const known = cache[MEMO]?.get(kind) as readonly string[] | undefined;
  if (known) return known;
  let ids: readonly string[];
  const index = cache[KIND_INDEX];
  if (index) ids = index.idsOfKind(w.o, kind);
  else {
    const out: string[] = [];
    for (const id in w.o) if (w.o[id].machine.id === kind) out.push(id);
    ids = Object.freeze(out.sort());
  }
  remember(w, kind, ids);
  return ids;
}

/** Create object `id` as a fresh instance of `machine` with `input`. Throws if the id is taken. */
export function spawn(w: World, id: string, machine: AnyStateMachine, input: Record<string, Json>): World {
  if (id in w.o) throw new Error(`object '${id}' already exists`);
  return { o: withObject(w.o, id, initialSnapshot(id, machine, input)), g: w.g };
}

// Initial snapshots by machine and input JSON: a machine is pure, so the same input gives the same snapshot.
const initials = new WeakMap<AnyStateMachine, Map<string, AnyMachineSnapshot>>();
function initialSnapshot(id: string, machine: AnyStateMachine, input: Record<string, Json>): AnyMachineSnapshot {
  let byInput = initials.get(machine);
  if (!byInput) {
    byInput = new Map();
    initials.set(machine, byInput);
  }
  const k = JSON.stringify(input);
  const have = byInput.get(k);
  if (have) return have;
  pending = [];
  const snap = machine.getInitialSnapshot(scope, input) as AnyMachineSnapshot;
  const d = pending;
  pending = [];
  if (d.length) throw new Error(`spawn of '${id}' asked for deliveries; machines must start quiet`);
  const rep = snaps[snapshotId(snap)];
  byInput.set(k, rep);
  return rep;
}

/**
 * The engine's recording world (src/world/traced.ts) gives its maps a copy method under this key, so a
 * copy made here is not counted as a read of every entry; plain maps have none and are spread.
 */
const COPY = Symbol.for('fencecheck.copy');
/** Where a recording map answers `idsOf` (a registered symbol: models never import the engine). */
const IDS_OF = Symbol.for('fencecheck.ids-of');
type Copyable<T> = Readonly<Record<string, T>> & {
  [COPY]?: (this: object, patch: Record<string, T>, drop?: string) => Record<string, T>;
};

/** `o` with object `id` set to `s`. */
function withObject(
  o: Copyable<AnyMachineSnapshot>,
  id: string,
  s: AnyMachineSnapshot,
): Record<string, AnyMachineSnapshot> {
  const copy = o[COPY];
  return copy ? copy.call(o, { [id]: s }) : { ...o, [id]: s };
}

/** `o` without object `id`. */
function withoutObject(o: Copyable<AnyMachineSnapshot>, id: string): Record<string, AnyMachineSnapshot> {
  const copy = o[COPY];
  if (copy) return copy.call(o, {}, id);
  const { [id]: _old, ...rest } = o;
  return rest;
}

/** Replace an object with a fresh instance (a re-init: the one-shot property watches for this). */
export function respawn(w: World, id: string, machine: AnyStateMachine, input: Record<string, Json>): World {
  return spawn({ o: withoutObject(w.o, id), g: w.g }, id, machine, input);
}

/** Set design globals (shallow merge). */
export function setG(w: World, patch: Record<string, Json>): World {
  const g: Copyable<Json> = w.g;
  const copy = g[COPY];
  return { o: w.o, g: copy ? copy.call(g, patch) : { ...g, ...patch } };
}

/**
 * Send `ev` to object `id`. Returns the new world, or null if the object does not accept the event
 * (unhandled or guard false: xstate returns the same snapshot). Deliveries the transition asks for are
 * sent afterwards in FIFO order; a delivery its target refuses is dropped (a callback whose waiter no
 * longer cares), a delivery to a missing object is a model bug and throws.
 *
 * Speed (issue 7): snapshots are interned (one representative per machine and content, see
 * `snapshotId`), and each representative memoizes (event -> next representative, deliveries). xstate's
 * `machine.transition` runs once per distinct (snapshot, event); later sends are a map lookup. This is
 * sound because guards and actions are pure (tooling.md §1.1) and a transition depends only on the
 * snapshot's status, value, context and history; test/perf/transition-memo.test.ts checks it against
 * xstate's own `transition`.
 */
export function send(w: World, id: string, ev: Ev): World | null {
  return sendKeyed(w, id, ev);
}

/** `send`, with the event's memo key when known (a delivery's, kept in its memo entry). */
function sendKeyed(w: World, id: string, ev: Ev, key?: string): World | null {
  const s = w.o[id];
  if (!s) throw new Error(`send ${ev.type}: no object '${id}'`);
  const r = memoTransition(s, ev, key);
  if (r === REFUSED) return null;
  const o = withObject(w.o, id, snaps[r.next]);
  const ds = r.deliver;
  if (ds.length === 0) return { o, g: w.g };
  // A plain map is a fresh copy nobody else holds yet: its deliveries are written into it, not into a
  // copy per delivery (the recording world's layers stay immutable: each delivery adds a layer).
  if ((o as Copyable<AnyMachineSnapshot>)[COPY] === undefined) {
    deliverInto(o, ds, r.keys);
    return { o, g: w.g };
  }
  let out: World = { o, g: w.g };
  for (let n = 0; n < ds.length; n++) {
    const d = ds[n];
    if (!(d.to in out.o)) throw new Error(`deliver ${d.ev.type}: no object '${d.to}'`);
    const r2 = sendKeyed(out, d.to, d.ev, r.keys[n]);
    if (r2) out = r2;
  }
  return out;
}

/** `send`'s deliveries on a plain map it owns: the same order and the same refusals, in place. */
function deliverInto(o: Record<string, AnyMachineSnapshot>, ds: readonly DeliverParams[], ks: readonly string[]): void {
  for (let n = 0; n < ds.length; n++) {
    const d = ds[n];
    const s = o[d.to];
    if (!s) throw new Error(`deliver ${d.ev.type}: no object '${d.to}'`);
    const r = memoTransition(s, d.ev, ks[n]);
    if (r === REFUSED) continue;
    o[d.to] = snaps[r.next];
    if (r.deliver.length) deliverInto(o, r.deliver, r.keys);
  }
}

/** xstate's pure transition with the reused scope: the next snapshot and the deliveries it asks for. */
export function rawTransition(s: AnyMachineSnapshot, ev: Ev): { next: AnyMachineSnapshot; deliver: DeliverParams[] } {
  const saved = pending;
  pending = [];
  try {
    const next = s.machine.transition(s, ev as any, scope) as AnyMachineSnapshot;
    return { next, deliver: pending };
  } finally {
    pending = saved;
  }
}

// ---- interning and the transition memo (engine internals; the API above is unchanged) ----

interface MemoEntry {
  next: number;
  deliver: DeliverParams[];
  /** The deliveries' event keys (a delivery is sent again every time the entry is used). */
  keys: string[];
}
const REFUSED = 0 as const;
const SID = Symbol('fencecheck.sid');
/** sid -> representative snapshot; sid 0 is reserved for "no object". */
const snaps: AnyMachineSnapshot[] = [null as unknown as AnyMachineSnapshot];
const memos: (Map<string, MemoEntry | typeof REFUSED> | undefined)[] = [undefined];
const byContent = new Map<string, number>();
const machineTag = new WeakMap<object, number>();
let nextTag = 1;
let memoEntries = 0;
/** Upper bound on memo entries before the memo is dropped (interning is kept). */
export const MEMO_LIMIT = 4_000_000;
export const memoStats = { hits: 0, misses: 0, clears: 0 };

function contentKey(s: AnyMachineSnapshot): string {
  let t = machineTag.get(s.machine);
  if (t === undefined) {
    t = nextTag++;
    machineTag.set(s.machine, t);
  }
  const hv = s.historyValue && Object.keys(s.historyValue).length ? JSON.stringify(s.historyValue) : '';
  const ch = s.children && Object.keys(s.children).length ? Object.keys(s.children).sort().join(',') : '';
  return `${t}|${s.status}|${JSON.stringify(s.value)}|${JSON.stringify(s.context)}|${hv}|${ch}`;
}

/**
 * The intern id of a snapshot: equal ids iff same machine and same status, value, context, history and
 * children. Ids are small positive integers in order of first sight (deterministic for a
 * deterministic exploration). Engine use: world fingerprints and state vectors.
 */
export function snapshotId(s: AnyMachineSnapshot): number {
  const own = (s as any)[SID] as number | undefined;
  if (own !== undefined) return own;
  const k = contentKey(s);
  let id = byContent.get(k);
  if (id === undefined) {
    id = snaps.length;
    snaps.push(s);
    memos.push(undefined);
    byContent.set(k, id);
  }
  Object.defineProperty(s, SID, { value: id, enumerable: false, writable: false, configurable: false });
  return id;
}

/** The representative snapshot of an intern id (engine use). */
export function snapshotById(id: number): AnyMachineSnapshot {
  return snaps[id];
}

function eventKey(ev: Ev): string {
  // Most events are a fresh `{ type }`: its type is its key (any other key is JSON, which starts with '{').
  let only = true;
  for (const f in ev)
    if (f !== 'type') {
      only = false;
      break;
    }
  if (only && ev.type.charCodeAt(0) !== 123) return ev.type;
  // No cache by event object: most are made fresh by a step (a WeakMap entry per send cost more than
  // the JSON); the deliveries, sent again on every use of a memo entry, keep their keys in the entry.
  return JSON.stringify(ev);
}

/** Memoized transition of a snapshot: REFUSED, or the next representative's id and the deliveries. */
function memoTransition(s: AnyMachineSnapshot, ev: Ev, key?: string): MemoEntry | typeof REFUSED {
  const sid = snapshotId(s);
  let m = memos[sid];
  if (!m) {
    m = new Map();
    memos[sid] = m;
  }
  const ek = key ?? eventKey(ev);
  let r = m.get(ek);
  if (r !== undefined) {
    memoStats.hits++;
    return r;
  }
  memoStats.misses++;
  const { next, deliver: ds } = rawTransition(snaps[sid], ev);
  // A transition whose only effect is deliveries leaves the snapshot identical: it was still taken.
  r =
    next === snaps[sid] && ds.length === 0
      ? REFUSED
      : { next: snapshotId(next), deliver: ds, keys: ds.map((d) => eventKey(d.ev)) };
  if (++memoEntries > MEMO_LIMIT) {
    for (let i = 0; i < memos.length; i++) memos[i] = undefined;
    memoEntries = 1;
    memoStats.clears++;
    m = new Map();
    memos[sid] = m;
  }
  m.set(ek, r);
  return r;
}

/** Drop the transition memo (tests; interning is kept so ids stay valid). */
export function clearTransitionMemo(): void {
  for (let i = 0; i < memos.length; i++) memos[i] = undefined;
  memoEntries = 0;
}

/** Like send, but a refused event is a model or design bug: throw with the object's state. */
export function must(w: World, id: string, ev: Ev): World {
  const r = send(w, id, ev);
  if (!r) throw new Error(`${id} (${stateOf(w, id)}) refused ${ev.type}`);
  return r;
}

/**
 * Would `id` accept `ev`, exactly as `send` decides (the memoized transition: a hit costs a map lookup)?
 * The enabling condition of a step whose effect is one event to one object: its guard stays in the
 * machine, written once.
 */
export function accepts(w: World, id: string, ev: Ev): boolean {
  const s = w.o[id];
  return !!s && memoTransition(s, ev) !== REFUSED;
}

/** Would `id` accept `ev`? (xstate `can`: guards evaluated, no actions run.) */
export function can(w: World, id: string, ev: Ev): boolean {
  const s = w.o[id];
  return !!s && s.can(ev as any);
}

const keyCache = new WeakMap<object, string>();
function snapKey(s: AnyMachineSnapshot): string {
  let k = keyCache.get(s);
  if (k === undefined) {
    k = JSON.stringify([s.value, s.context]);
    keyCache.set(s, k);
  }
  return k;
}

/** Canonical key: objects in id order with their state value and context, then the globals. */
export function worldKey(w: World): string {
  const ids = Object.keys(w.o).sort();
  let k = '';
  for (const id of ids) k += id + '=' + snapKey(w.o[id]) + ';';
  return k + JSON.stringify(w.g);
}

/** A plain-JSON image of the world (for traces): id -> {kind, value, context}. */
export function worldImage(w: World): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const id of Object.keys(w.o).sort()) {
    const s = w.o[id];
    out[id] = { kind: s.machine.id, value: flatValue(s.value), context: s.context as Json };
  }
  return out;
}

/** Send, or keep the world unchanged if the object refuses (an idempotent effect such as publishing). */
export function tell(w: World, id: string, ev: Ev): World {
  return send(w, id, ev) ?? w;
}

/**
 * The action object a machine enqueues to ask the world for a delivery (typed loosely on purpose: it
 * is interpreted by `send`, not by xstate).
 */
export function deliver(to: string, ev: Ev): any {
  return { type: 'deliver', params: { to, ev } };
}
