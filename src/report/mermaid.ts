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

function rowLines(r: Row, ids: Map<string, string>): string[] {
  const a = ids.get(r.actor)!;
  const out = [`    ${a}->>${a}: ${text(`${r.n}. ${r.short}`)}`];
  if (r.effects.length) out.push(`    Note right of ${a}: ${text(r.effects.slice(0, 3).join(', '), 120)}`);
  return out;
}

/** A counterexample as a sequence diagram. */
export function sequenceDiagram(v: TraceView): string {
  const ids = new Map(v.actors.map((a) => [a.name, ident(a.name, 'a_')]));
  const out = ['sequenceDiagram'];
  for (const a of v.actors) out.push(`    participant ${ids.get(a.name)} as ${text(`${a.name} (${a.role})`, 40)}`);
  for (const r of v.rows) out.push(...rowLines(r, ids));
  const first = v.actors[0] ? ids.get(v.actors[0].name) : undefined;
  const last = v.actors.length ? ids.get(v.actors[v.actors.length - 1].name) : undefined;
  const span = first && last && first !== last ? `${first},${last}` : first;
  if (v.drain && span) {
    const n = v.drain.rows.length;
    out.push(
      `    Note over ${span}: ` +
        `${text(`drain - userspace stops, kernel, GPU and timers run fairly${n ? '' : ' - no step was enabled'}`)}`,
    );
    for (const r of v.drain.rows) out.push(...rowLines(r, ids));
  }
  if (v.cycle && span) {
    const c = v.cycle.edges;
    out.push(
      `    Note over ${span}: ` +
        `${text(`wait-for cycle - ${[...c.map((e) => e[0]), c[0]?.[0] ?? ''].join(' waits on ')}`, 200)}`,
    );
  }
  if (span)
    out.push(`    Note over ${span}: ${text(`${v.trace.meta.property} violated - ${v.trace.meta.violation}`, 200)}`);
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

function transitionLabel(ev: string, t: TDef): string {
  const g = guardText(t.guard);
  const evName = ev === '' ? 'always' : ev;
  return text(`${evName}${g ? ` [${g}]` : ''}${t.description ? ` / ${t.description}` : ''}`, 110);
}

/** A state diagram of `machine`, from machine.root. */
export function stateDiagram(machine: AnyStateMachine): string {
  const root = machine.root as unknown as SNode;
  const sid = (n: SNode) => ident(n === root ? root.key : n.id.split('.').slice(1).join('__'), 's_');
  const out = ['stateDiagram-v2'];
  const rootLabel = ident(root.key, 's_');
  const childKeys = Object.keys(root.states ?? {});
  const edges = (n: SNode, indent: string, self: string) => {
    const lines: string[] = [];
    const all: [string, TDef[]][] = [...n.transitions.entries()];
    if (n.always?.length) all.push(['', n.always]);
    for (const [ev, ts] of all) {
      for (const t of ts) {
        const targets = t.target?.length ? t.target.map(sid) : [self];
        for (const to of targets) lines.push(`${indent}${self} --> ${to} : ${transitionLabel(ev, t)}`);
      }
    }
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
      lines.push(...edges(k, indent, sid(k)));
      if (k.description) lines.push(`${indent}note right of ${sid(k)} : ${text(k.description, 110)}`);
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
