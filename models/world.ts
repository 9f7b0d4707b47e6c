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
  self: empty, logger: () => {}, id: '', sessionId: '', defer: () => {}, system: (empty as any).system,
  stopChild: () => {}, emit: () => {},
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

/** Ids of all objects of a kind, sorted (stable order for enumeration). */
export function idsOf(w: World, kind: string): string[] {
  const out: string[] = [];
  for (const id in w.o) if (w.o[id].machine.id === kind) out.push(id);
  return out.sort();
}

/** Create object `id` as a fresh instance of `machine` with `input`. Throws if the id is taken. */
export function spawn(w: World, id: string, machine: AnyStateMachine, input: Record<string, Json>): World {
  if (id in w.o) throw new Error(`object '${id}' already exists`);
  pending = [];
  const snap = machine.getInitialSnapshot(scope, input) as AnyMachineSnapshot;
  const d = pending; pending = [];
  if (d.length) throw new Error(`spawn of '${id}' asked for deliveries; machines must start quiet`);
  return { o: { ...w.o, [id]: snap }, g: w.g };
}

/** Replace an object with a fresh instance (a re-init: the one-shot property watches for this). */
export function respawn(w: World, id: string, machine: AnyStateMachine, input: Record<string, Json>): World {
  const { [id]: _old, ...rest } = w.o;
  return spawn({ o: rest, g: w.g }, id, machine, input);
}

/** Set design globals (shallow merge). */
export function setG(w: World, patch: Record<string, Json>): World {
  return { o: w.o, g: { ...w.g, ...patch } };
}

/**
 * Send `ev` to object `id`. Returns the new world, or null if the object does not accept the event
 * (unhandled or guard false: xstate returns the same snapshot). Deliveries the transition asks for are
 * sent afterwards in FIFO order; a delivery its target refuses is dropped (a callback whose waiter no
 * longer cares), a delivery to a missing object is a model bug and throws.
 */
export function send(w: World, id: string, ev: Ev): World | null {
  const s = w.o[id];
  if (!s) throw new Error(`send ${ev.type}: no object '${id}'`);
  const saved = pending;
  pending = [];
  const next = s.machine.transition(s, ev as any, scope) as AnyMachineSnapshot;
  let queue = pending;
  pending = saved;
  if (next === s) return null;
  let o: Record<string, AnyMachineSnapshot> = { ...w.o, [id]: next };
  let out: World = { o, g: w.g };
  while (queue.length) {
    const d = queue.shift()!;
    if (!(d.to in out.o)) throw new Error(`deliver ${d.ev.type}: no object '${d.to}'`);
    const r = send(out, d.to, d.ev);
    if (r) out = r;
  }
  return out;
}

/** Like send, but a refused event is a model or design bug: throw with the object's state. */
export function must(w: World, id: string, ev: Ev): World {
  const r = send(w, id, ev);
  if (!r) throw new Error(`${id} (${stateOf(w, id)}) refused ${ev.type}`);
  return r;
}

/** Apply sends in order; null if any is refused (the whole atomic action is then not enabled). */
export function sendAll(w: World, evs: [string, Ev][]): World | null {
  let cur: World | null = w;
  for (const [id, ev] of evs) {
    cur = send(cur, id, ev);
    if (!cur) return null;
  }
  return cur;
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
