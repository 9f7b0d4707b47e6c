/**
 * A saved counterexample, made readable: who acted at each step (the actor column, from the design's
 * step table), what each action changed (from the recorded world images), the drain that followed for
 * drain properties, the wait-for cycle for acyclic-waits, and the objects the violation names. Both
 * `fencecheck explain` (plain text) and the report's Mermaid sequence diagrams render this one view.
 *
 * Works from the file alone where it can: the world images are in the trace, so a design that was
 * renamed or a model that drifted still gives a timeline; only the cycle and the drain's effects need a
 * replay, and when that fails the view says why instead of guessing.
 */
import type { Design, Role } from '../../models/design.ts';
import type { Json, World } from '../../models/world.ts';
import { worldImage } from '../../models/world.ts';
import { waitEdges, isFence, type Edge } from '../../models/view.ts';
import type { Property } from '../../properties/property.ts';
import { findCycle } from '../../properties/acyclic-waits.ts';
import { registry } from '../registry.ts';
import { configOf, expectationDrift } from '../counterexample/replay.ts';
import { loadTrace, type Lookup } from '../counterexample/load.ts';
import { traceDigest } from '../counterexample/digest.ts';
import type { TraceFile } from '../counterexample/itf.ts';
import { enabledActions, findAction, labelOf, type Action } from '../world/steps.ts';
import { drain } from '../explore/drain.ts';
import { judgeDrainPath } from '../explore/drain-path.ts';

export type ActorRole = Role | 'unknown';

export interface Row {
  /** '1', '2', … for the trace; 'd1', 'd2', … for the drain. */
  n: string;
  actor: string;
  role: ActorRole;
  step: string;
  args: Json[];
  label: string;
  /** The label without the arguments that name the actor itself (the column already says who). */
  short: string;
  /** What the action changed, most telling first: fences signaled, state changes, new objects. */
  effects: string[];
}

export interface Actor {
  name: string;
  role: ActorRole;
}

export interface CycleView {
  edges: Edge[];
  /** Indexes into `edges` of the edges the last action added (the action that closed the cycle). */
  added: number[];
  closedBy: Row | null;
}

export interface ObjectNote {
  id: string;
  /** One line: kind, state and the fields that matter. */
  summary: string;
  /** For an unsignaled fence: what it waits on, hop by hop, to what blocks it. */
  waitsOn: Edge[];
}

export interface TraceView {
  file: string;
  trace: TraceFile;
  design: Design | null;
  property: Property | null;
  cfg: unknown;
  rows: Row[];
  /** Drain properties: the drain from the last state (null for other kinds). */
  drain: { rows: Row[]; settled: boolean | null; note: string } | null;
  cycle: CycleView | null;
  offending: ObjectNote[];
  actors: Actor[];
  /** Things the reader should know: design missing, model drifted, replay failed. */
  notes: string[];
}

type Image = Record<string, { kind: string; value: string; context: Record<string, Json> }>;

const ROLE_ORDER: ActorRole[] = ['user', 'kernel', 'timer', 'gpu', 'fault', 'unknown'];
/** An actor's column role: the most 'ordinary' role among its steps (a ring that hangs is still a gpu). */
const ROLE_PREF: ActorRole[] = ['user', 'kernel', 'gpu', 'timer', 'fault', 'unknown'];

/** Natural order: proc2 before proc10. */
export function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/** Ordered actor columns: users, then kernel, timers, GPUs, faults; by name within a role. */
export function actorColumns(rows: Row[]): Actor[] {
  const roles = new Map<string, ActorRole[]>();
  for (const r of rows) {
    const l = roles.get(r.actor) ?? [];
    l.push(r.role);
    roles.set(r.actor, l);
  }
  const out: Actor[] = [...roles.entries()].map(([name, rs]) => ({
    name,
    role: ROLE_PREF.find((p) => rs.includes(p)) ?? 'unknown',
  }));
  return out.sort((a, b) => ROLE_ORDER.indexOf(a.role) - ROLE_ORDER.indexOf(b.role) || naturalCompare(a.name, b.name));
}

const safeActor = (st: { actor: (a: Json[], c: any) => string }, args: Json[], cfg: unknown): string | null => {
  try {
    const a = st.actor(args, cfg);
    return typeof a === 'string' && a ? a : null;
  } catch {
    return null;
  }
};

/**
 * Who took the step, and the actor's role. A timer or fault step belongs to an actor with an ordinary
 * role (a ring that hangs is a GPU, a TDR timer is its scheduler's): the role is the most ordinary one
 * among the design's steps that the same arguments would assign to the same actor (faults look for a
 * gpu step first, timers for a kernel step).
 */
function actorOf(d: Design | null, cfg: unknown, step: string, args: Json[]): { actor: string; role: ActorRole } {
  const st = d && Object.hasOwn(d.steps, step) ? d.steps[step] : undefined;
  if (!d || !st) return { actor: guessActor(step, args), role: 'unknown' };
  const actor = safeActor(st, args, cfg) ?? guessActor(step, args);
  let role: ActorRole = st.role;
  if (role === 'timer' || role === 'fault') {
    const order = role === 'fault' ? (['gpu', 'kernel', 'user'] as const) : (['kernel', 'gpu', 'user'] as const);
    for (const r of order) {
      if (Object.values(d.steps).some((o) => o.role === r && safeActor(o, args, cfg) === actor)) {
        role = r;
        break;
      }
    }
  }
  return { actor, role };
}

function guessActor(step: string, args: Json[]): string {
  const s = args.find((a) => typeof a === 'string');
  return typeof s === 'string' ? s.split('.')[0] : step.split(/[._]/)[0];
}

export function shortLabel(step: string, args: Json[], actor: string): string {
  const rest = args.filter((a) => a !== actor);
  return rest.length ? labelOf(step, rest) : step;
}

// ---- effects: what changed between two world images ----

const errName: Record<number, string> = {
  [-62]: 'ETIME',
  [-125]: 'ECANCELED',
  [-5]: 'EIO',
  [-3]: 'ESRCH',
  [-35]: 'EDEADLK',
  [-61]: 'ENODATA',
  [-12]: 'ENOMEM',
  [-22]: 'EINVAL',
};
export const errno = (e: number) => (errName[e] ? `-${errName[e]}` : String(e));

const isFenceImage = (o: { kind: string; context: Record<string, Json> } | undefined) =>
  !!o && o.context && typeof o.context === 'object' && 'seqno' in o.context && 'signaller' in o.context;
const signaledValue = (v: string) => v === 'signaled' || v.startsWith('signaled.');

function scalar(v: Json | undefined): v is string | number | boolean {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

/** Effects of one action, from the world images before and after it. */
export function effects(before: Image, after: Image, actor = ''): string[] {
  const signals: string[] = [];
  const states: string[] = [];
  const created: string[] = [];
  const gone: string[] = [];
  const fields: string[] = [];
  for (const id of Object.keys(after).sort(naturalCompare)) {
    const a = after[id];
    const b = before[id];
    if (!b) {
      const fence = isFenceImage(a);
      created.push(fence || a.value === '?' || !a.value ? id : `${id} (${a.value})`);
      continue;
    }
    if (isFenceImage(a)) {
      if (!signaledValue(b.value) && signaledValue(a.value)) {
        const e = a.context.error as number;
        signals.push(e ? `${id} signals with ${errno(e)}` : `${id} signals`);
      } else if (b.value !== a.value) states.push(`${id}: ${b.value} -> ${a.value}`);
      else if (b.context.error !== a.context.error && a.context.error)
        fields.push(`${id} error ${errno(a.context.error as number)}`);
      if (!b.context.published && a.context.published) fields.push(`${id} published`);
      continue;
    }
    if (b.value !== a.value) states.push(`${id}: ${b.value} -> ${a.value}`);
    for (const k of Object.keys(a.context ?? {})) {
      const x = b.context?.[k],
        y = a.context[k];
      if (scalar(y) && x !== y && (scalar(x) || x === undefined) && (typeof y === 'boolean' || id === actor))
        fields.push(`${id}.${k}=${JSON.stringify(y)}`);
    }
  }
  for (const id of Object.keys(before)) if (!after[id]) gone.push(id);
  const out = [...signals, ...states];
  if (created.length) out.push(`new ${created.join(', ')}`);
  if (gone.length) out.push(`gone ${gone.join(', ')}`);
  out.push(...fields);
  return out;
}

// ---- building the view ----

/**
 * The view of a trace file, through the one loader `replay` uses, so a file `replay` rejects (exit 2)
 * is rejected here the same way; a divergence `replay` fails on (config values, expectation) is a note.
 */
export async function loadTraceView(file: string): Promise<TraceView> {
  const l = await loadTrace(file);
  const v = await traceView(file, l.trace);
  if (l.configDiff)
    v.notes.unshift(
      `config '${l.trace.meta.config}' differs from the recorded values (${l.configDiff}); shown under the current ` +
        `config, as replay runs it`,
    );
  const e = expectationDrift(l.design, l.trace);
  if (e) v.notes.unshift(e);
  return v;
}

export type { Lookup } from '../counterexample/load.ts';

export async function traceView(file: string, t: TraceFile, lookup?: Lookup): Promise<TraceView> {
  const { designs, properties } = lookup ?? (await registry());
  const notes: string[] = [];
  const d = designs.get(t.meta.design) ?? null;
  if (!d)
    notes.push(
      `design '${t.meta.design}' is not in models/designs/ any more (renamed or removed?): actor columns are guessed ` +
        `from the arguments`,
    );
  const p = properties.get(t.meta.property) ?? null;
  if (!p) notes.push(`property '${t.meta.property}' is not in properties/ any more`);
  const cfg = d ? (configOf(d, t) ?? t.meta.configValues) : t.meta.configValues;
  if (!lookup && d && p && t.meta.modelDigest !== traceDigest(d, cfg, p.name, t.meta.actions))
    notes.push('the model behaves differently along this trace than when it was saved (model digest differs)');
  const imgs = t.states as unknown as Image[];
  const rows: Row[] = t.meta.actions.map((a, i) => {
    const { actor, role } = actorOf(d, cfg, a.step, a.args);
    return {
      n: String(i + 1),
      actor,
      role,
      step: a.step,
      args: a.args,
      label: a.label || labelOf(a.step, a.args),
      short: shortLabel(a.step, a.args, actor),
      effects: effects(imgs[i] ?? {}, imgs[i + 1] ?? {}, actor),
    };
  });

  // Replay to get live worlds (for the cycle, the drain and wait chains). The recorded images suffice
  // for everything else, so a replay that fails only costs those parts, with a note saying why.
  let worlds: World[] | null = null;
  const acts: Action[] = [];
  if (d) {
    try {
      let w = d.init(cfg);
      const ws = [w];
      for (const [i, a] of t.meta.actions.entries()) {
        const act = findAction(d, cfg, w, a.step, a.args);
        if (!act) throw new Error(`step ${i + 1} (${a.label}) is not enabled any more`);
        acts.push(act);
        w = act.next;
        ws.push(w);
      }
      worlds = ws;
    } catch (e) {
      notes.push(
        `the trace no longer replays on the current model (${(e as Error).message}); run 'fencecheck replay' for ` +
          `details`,
      );
    }
  }
  const last = worlds?.[worlds.length - 1] ?? null;

  let drainView: TraceView['drain'] = null;
  let judged: World | null = last;
  if ((p?.kind === 'drain' || t.meta.drain) && t.meta.loop === undefined) {
    const rowsD: Row[] = [];
    let settled: boolean | null = null;
    let note = '';
    let labels = t.meta.drain ?? [];
    if (d && last) {
      const roles = (r: string) => r === 'kernel' || r === 'gpu' || r === 'timer';
      if (!t.meta.drain) {
        labels = drain(d, cfg, last).labels; // deterministic: the same drain the checker ran
        note = 'drain recomputed (this file does not record it)';
      }
      let w = last;
      let ok = true;
      for (const [i, l] of labels.entries()) {
        const act = enabledActions(d, cfg, w, roles).find((a) => a.label === l);
        if (!act) {
          ok = false;
          note = `drain step ${i + 1} (${l}) is not enabled on the current model`;
          rowsD.length = 0;
          break;
        }
        const args = act.args as Json[];
        const { actor, role } = actorOf(d, cfg, act.step.name, args);
        rowsD.push({
          n: `d${i + 1}`,
          actor,
          role,
          step: act.step.name,
          args,
          label: l,
          short: shortLabel(act.step.name, args, actor),
          effects: effects(worldImage(w) as Image, worldImage(act.next) as Image, actor),
        });
        w = act.next;
      }
      if (ok) {
        settled = enabledActions(d, cfg, w, roles).length === 0;
        judged = w;
      }
    }
    if (!rowsD.length && labels.length) {
      // No live replay: the recorded labels, in a column guessed from the label.
      for (const [i, l] of labels.entries()) {
        const m = /^([^(]+)\((.*)\)$/.exec(l);
        const step = m ? m[1] : l;
        const args = m?.[2] ? m[2].split(', ') : [];
        const { actor, role } = actorOf(d, cfg, step, args);
        rowsD.push({
          n: `d${i + 1}`,
          actor,
          role,
          step,
          args,
          label: l,
          short: shortLabel(step, args, actor),
          effects: [],
        });
      }
    }
    const along = !labels.length && d && p && worlds ? judgeDrainPath(d, cfg, p, worlds[0], acts) : null;
    if (along)
      // a carried obligation's counterexample (src/explore/liveness.ts): the failing drain is in the trace
      note =
        `the drain that fails starts after step ${along.at} and takes steps ${along.at + 1}-${acts.length}, ` +
        'kernel, GPU and timer steps only: one fair schedule from there, not necessarily the drain above';
    drainView = { rows: rowsD, settled, note };
  }

  let cycle: CycleView | null = null;
  if (t.meta.property === 'acyclic-waits' && last && worlds) {
    const c = findCycle(last);
    if (c) {
      const prev = worlds.length > 1 ? worlds[worlds.length - 2] : null;
      const old = new Set((prev ? waitEdges(prev) : []).map((e) => `${e[0]}\u0000${e[1]}`));
      cycle = {
        edges: c,
        added: c.map((e, i) => (old.has(`${e[0]}\u0000${e[1]}`) ? -1 : i)).filter((i) => i >= 0),
        closedBy: rows[rows.length - 1] ?? null,
      };
    } else notes.push('replaying the trace on the current model closes no wait-for cycle');
  }

  const offending = offendingObjects(t, judged, imgs[imgs.length - 1] ?? {}, cycle);
  const actors = actorColumns([...rows, ...(drainView?.rows ?? [])]);
  return { file, trace: t, design: d, property: p, cfg, rows, drain: drainView, cycle, offending, actors, notes };
}

/** Object ids the violation message (or the cycle) names, described where the violation was judged. */
function offendingObjects(t: TraceFile, w: World | null, img: Image, cycle: CycleView | null): ObjectNote[] {
  const image = w ? (worldImage(w) as Image) : img;
  const ids = new Set<string>();
  if (cycle) for (const e of cycle.edges) ids.add(e[0]);
  const tokens = t.meta.violation.match(/[A-Za-z_][\w.:-]*[\w]/g) ?? [];
  for (const tok of tokens) if (image[tok]) ids.add(tok);
  const out: ObjectNote[] = [];
  for (const id of ids) {
    const o = image[id];
    out.push({ id, summary: describe(id, o), waitsOn: w && !cycle ? waitChain(w, id) : [] });
    if (out.length >= 8) break;
  }
  return out;
}

/** One line about an object: its kind and state, and for a fence the fields a kernel reader checks. */
export function describe(
  id: string,
  o: { kind: string; value: string; context: Record<string, Json> } | undefined,
): string {
  if (!o) return `${id}: not in the world`;
  const c = o.context ?? {};
  if (isFenceImage(o)) {
    const bits = [`seqno ${c.seqno} on context ${c.context}`];
    if (c.ops) bits.push(`${c.ops}${c.owner ? ` of ${c.owner}` : ''}`);
    bits.push(c.signaller === 'user' ? 'only userspace can signal it' : `signalled by the ${c.signaller}`);
    if (c.published) bits.push('published');
    if (c.error) bits.push(`error ${errno(c.error as number)}`);
    return `${o.kind} ${o.value}: ${bits.join(', ')}`;
  }
  const bits = Object.entries(c)
    .filter(([, v]) => scalar(v) || (Array.isArray(v) && v.length && v.every(scalar)))
    .slice(0, 5)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? `[${v.join(' ')}]` : JSON.stringify(v)}`);
  return `${o.kind}${o.value && o.value !== '?' ? ` ${o.value}` : ''}${bits.length ? `: ${bits.join(', ')}` : ''}`;
}

/** Follow live wait-for edges from `id` until a node that waits on nothing (the real blocker). */
export function waitChain(w: World, id: string, max = 8): Edge[] {
  const live = (n: string) => {
    const s = w.o[n];
    return !(s && isFence(s) && s.hasTag('signaled'));
  };
  const edges = waitEdges(w).filter((e) => live(e[0]) && live(e[1]));
  const out: Edge[] = [];
  const seen = new Set([id]);
  let cur = id;
  while (out.length < max) {
    const e = edges.find((x) => x[0] === cur);
    if (!e) break;
    out.push(e);
    if (seen.has(e[1])) break;
    seen.add(e[1]);
    cur = e[1];
  }
  return out;
}
