/**
 * Mermaid text for the report: a counterexample as a sequence diagram (participants = actors, each
 * action a message from its actor, what it changed as a note), and a machine as a state diagram
 * generated from its xstate definition (machine.root: states, transitions, guards, descriptions), not
 * drawn by hand. GitHub and freedesktop GitLab render both in Markdown.
 *
 * Everything user-controlled goes through `text()`, which keeps to characters Mermaid's grammar takes
 * literally inside labels and notes; ids go through `ident()`. test/report/ checks every emitted block
 * with Mermaid's own parser.
 */
import type { AnyStateMachine } from 'xstate';
import type { TraceView, Row } from './trace-view.ts';

const ENTITY: Record<string, string> = {
  '#': '#35;',
  ';': '#59;',
  ':': '#58;',
  '<': '#lt;',
  '>': '#gt;',
  '"': '#quot;',
  '{': '#123;',
  '}': '#125;',
  '%': '#37;',
  '`': '#96;',
  '\\': '#92;',
  '|': '#124;',
};

/**
 * Label text safe inside a Mermaid message, note or transition label: characters the grammar would
 * read (';' ends a statement, ':' starts a label, '#…;' is an entity, '%%' a comment, '<>' HTML) become
 * Mermaid entity codes, which the renderer turns back into the character. Cut to `max` visible chars.
 */
export function text(s: string, max = 90): string {
  let t = s.replace(/\s+/g, ' ').trim();
  if (t.length > max) t = t.slice(0, max - 3).trimEnd() + '...';
  return t ? t.replace(/[#;:<>"{}%`\\|]/g, (c) => ENTITY[c]) : '-';
}

const RESERVED = new Set([
  'end',
  'state',
  'note',
  'participant',
  'actor',
  'loop',
  'alt',
  'else',
  'opt',
  'par',
  'and',
  'rect',
  'critical',
  'break',
  'box',
  'left',
  'right',
  'over',
  'of',
  'as',
  'direction',
  'class',
  'classDef',
  'default',
  'autonumber',
  'activate',
  'deactivate',
  'link',
  'links',
  'title',
  'destroy',
  'create',
]);

/** An identifier Mermaid accepts as a participant or state id. */
export function ident(s: string, prefix = 'n_'): string {
  const t = s.replace(/[^A-Za-z0-9_]/g, '_');
  return !t || /^[0-9_]/.test(t) || RESERVED.has(t) ? prefix + t : t;
}

/** `s` escaped and wrapped at spaces into lines of at most `width` characters joined by <br/>. */
export function wrapped(s: string, width = 44, max = 240): string {
  const words = s.replace(/\s+/g, ' ').trim().split(' ');
  const lines: string[] = [];
  let cur = '';
  for (const w of words) {
    if (cur && cur.length + 1 + w.length > width) {
      lines.push(cur);
      cur = '';
    }
    cur = cur ? `${cur} ${w}` : w;
  }
  if (cur) lines.push(cur);
  let total = 0;
  const out: string[] = [];
  for (const l of lines) {
    if (total + l.length > max) {
      out.push('...');
      break;
    }
    total += l.length;
    out.push(text(l, width + 8));
  }
  return out.join('<br/>') || '-';
}

type Img = Record<string, unknown>;

/**
 * Who each object belongs to, for arrows between actors: the actor of the step that created it, or
 * for an object there from the start, the actor whose name prefixes its id (proc0.j0 -> proc0).
 */
function owners(v: TraceView): Map<string, string> {
  const imgs = v.trace.states as unknown as Img[];
  const own = new Map<string, string>();
  const names = v.actors.map((a) => a.name);
  for (const id of Object.keys(imgs[0] ?? {})) {
    const a = names.find((n) => id === n || id.startsWith(`${n}.`));
    if (a) own.set(id, a);
  }
  v.rows.forEach((r, i) => {
    for (const id of Object.keys(imgs[i + 1] ?? {})) if (!own.has(id)) own.set(id, r.actor);
  });
  return own;
}

/** The ids a step changed or created, in id order. */
function changed(before: Img, after: Img): string[] {
  return Object.keys(after)
    .filter((id) => JSON.stringify(before[id]) !== JSON.stringify(after[id]))
    .sort();
}

function rowLines(r: Row, ids: Map<string, string>, to: string[]): string[] {
  const a = ids.get(r.actor)!;
  const label = wrapped(`${r.n}. ${r.short}`);
  const targets = to.map((t) => ids.get(t)).filter((t): t is string => !!t && t !== a);
  const out = targets.length
    ? targets.slice(0, 2).map((t, i) => `    ${a}->>${t}: ${i === 0 ? label : wrapped(`${r.n}. (also)`)}`)
    : [`    ${a}->>${a}: ${label}`];
  if (r.effects.length) out.push(`    Note right of ${a}: ${wrapped(r.effects.slice(0, 3).join(', '), 40, 160)}`);
  return out;
}

/**
 * A counterexample as a sequence diagram. Arrows go from the actor that takes a step to the actors
 * owning what it changed (the process that submits, the scheduler that runs, the evictor that waits);
 * a step that changes only its own objects is a self-arrow. Labels are wrapped, notes never clipped.
 */
export function sequenceDiagram(v: TraceView): string {
  const ids = new Map(v.actors.map((a) => [a.name, ident(a.name, 'a_')]));
  const own = owners(v);
  const imgs = v.trace.states as unknown as Img[];
  const out = ['sequenceDiagram'];
  for (const a of v.actors) out.push(`    participant ${ids.get(a.name)} as ${text(`${a.name} (${a.role})`, 40)}`);
  v.rows.forEach((r, i) => {
    const to = [...new Set(changed(imgs[i] ?? {}, imgs[i + 1] ?? {}).map((id) => own.get(id) ?? r.actor))];
    out.push(
      ...rowLines(
        r,
        ids,
        to.filter((t) => t !== r.actor),
      ),
    );
  });
  const first = v.actors[0] ? ids.get(v.actors[0].name) : undefined;
  const last = v.actors.length ? ids.get(v.actors[v.actors.length - 1].name) : undefined;
  const span = first && last && first !== last ? `${first},${last}` : first;
  if (v.drain && span) {
    const n = v.drain.rows.length;
    out.push(
      `    Note over ${span}: ` +
        wrapped(`drain - userspace stops, kernel, GPU and timers run fairly${n ? '' : ' - no step was enabled'}`, 60),
    );
    for (const r of v.drain.rows) out.push(...rowLines(r, ids, []));
  }
  if (v.cycle && span) {
    const c = v.cycle.edges;
    out.push(
      `    Note over ${span}: ` +
        `${wrapped(`wait-for cycle - ${[...c.map((e) => e[0]), c[0]?.[0] ?? ''].join(' waits on ')}`, 60, 400)}`,
    );
  }
  if (span)
    out.push(
      `    Note over ${span}: ${wrapped(`${v.trace.meta.property} violated - ${v.trace.meta.violation}`, 60, 600)}`,
    );
  return out.join('\n');
}

// ---- state diagrams from xstate definitions ----

interface SNode {
  key: string;
  id: string;
  type: string;
  states: Record<string, SNode>;
  transitions: Map<string, TDef[]>;
  always?: TDef[];
  initial?: { target: SNode[] };
  tags: string[];
  description?: string;
}
interface TDef {
  eventType: string;
  guard?: unknown;
  target?: SNode[];
  description?: string;
}

/** A guard as written: a name, or and/or/not over names. Inline functions show as 'inline guard'. */
export function guardText(g: unknown): string {
  if (!g) return '';
  if (typeof g === 'string') return g;
  if (typeof g === 'object' && g && 'type' in g) return String((g as { type: unknown }).type);
  if (typeof g === 'function') {
    const f = g as { name?: string; guards?: unknown[] };
    if (Array.isArray(f.guards) && ['and', 'or', 'not'].includes(f.name ?? ''))
      return `${f.name}(${f.guards.map(guardText).join(', ')})`;
    return 'inline guard';
  }
  return String(g);
}

/**
 * State-diagram label text: Mermaid's state diagrams do not decode entity codes, so ':' and ';' (the
 * two a label may not hold raw) become ' -' and ','; the rest as `text`.
 */
const stateText = (s: string, max: number) => text(s.replace(/:/g, ' -').replace(/;/g, ','), max);

function transitionLabel(ev: string, t: TDef): string {
  const g = guardText(t.guard);
  const evName = ev === '' ? 'always' : ev;
  return stateText(`${evName}${g ? ` [${g}]` : ''}${t.description ? ` / ${t.description}` : ''}`, 110);
}

/** A state diagram of `machine`, from machine.root. */
export function stateDiagram(machine: AnyStateMachine): string {
  const root = machine.root as unknown as SNode;
  const sid = (n: SNode) => ident(n === root ? root.key : n.id.split('.').slice(1).join('__'), 's_');
  const out = ['stateDiagram-v2'];
  const rootLabel = ident(root.key, 's_');
  const childKeys = Object.keys(root.states ?? {});
  // Self-loops are listed in a note beside their state, not drawn: Mermaid's layout stacks the labels of
  // several self-loops on one state on top of each other (issue 15: dma_fence, drm_sched_job).
  const edges = (n: SNode, indent: string, self: string, desc?: string) => {
    const lines: string[] = [];
    const selfLoops: string[] = [];
    const all: [string, TDef[]][] = [...n.transitions.entries()];
    if (n.always?.length) all.push(['', n.always]);
    for (const [ev, ts] of all) {
      for (const t of ts) {
        const targets = t.target?.length ? t.target.map(sid) : [self];
        for (const to of targets) {
          if (to === self && self !== '@') selfLoops.push(transitionLabel(ev, t));
          else lines.push(`${indent}${self} --> ${to} : ${transitionLabel(ev, t)}`);
        }
      }
    }
    if (selfLoops.length) {
      const body = [...(desc ? [stateText(desc, 110)] : []), ...selfLoops.map((l) => `stays - ${l}`)];
      lines.push(`${indent}note right of ${self}`, ...body.map((l) => `${indent}    ${l}`), `${indent}end note`);
    } else if (desc) lines.push(`${indent}note right of ${self} : ${stateText(desc, 110)}`);
    return lines;
  };
  const walk = (n: SNode, indent: string): string[] => {
    const lines: string[] = [];
    const kids = Object.values(n.states ?? {});
    if (n.initial?.target?.length && kids.length) lines.push(`${indent}[*] --> ${sid(n.initial.target[0])}`);
    const regions = n.type === 'parallel';
    kids.forEach((k, i) => {
      if (regions && i > 0) lines.push(`${indent}--`);
      const label = `${k.key}${k.tags?.length ? ` (${k.tags.join(', ')})` : ''}`;
      if (Object.keys(k.states ?? {}).length) {
        lines.push(`${indent}state "${text(label, 60)}" as ${sid(k)}`);
        lines.push(`${indent}state ${sid(k)} {`, ...walk(k, indent + '    '), `${indent}}`);
      } else {
        lines.push(`${indent}state "${text(label, 60)}" as ${sid(k)}`);
      }
      if (k.type === 'final') lines.push(`${indent}${sid(k)} --> [*]`);
      lines.push(...edges(k, indent, sid(k), k.description));
    });
    return lines;
  };
  if (!childKeys.length) {
    // A machine without states (dma_resv): one state, every event a self-loop.
    out.push(
      `    state "${text(root.key, 60)}" as ${rootLabel}`,
      `    [*] --> ${rootLabel}`,
      ...edges(root, '    ', rootLabel),
    );
    return out.join('\n');
  }
  out.push(...walk(root, '    '));
  const anyState = edges(root, '', '@');
  if (anyState.length) {
    const first = sid(root.initial?.target?.[0] ?? Object.values(root.states)[0]);
    out.push(`    note left of ${first}`);
    for (const l of anyState) {
      const lab = l.split(' : ').slice(1).join(' : ');
      const to = l.split(' --> ')[1].split(' : ')[0];
      out.push(`        in any state - ${lab}${to !== '@' ? ` (to ${to})` : ''}`);
    }
    out.push('    end note');
  }
  return out.join('\n');
}
