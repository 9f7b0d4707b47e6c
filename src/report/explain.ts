/**
 * `fencecheck explain FILE`: a counterexample as a plain-text timeline that pastes into an email.
 * Fixed width (--width, default 100, on every line), ASCII only, one column per actor (or, when the
 * actors do not fit, one row per action naming its actor), one row per action (the row starts with the
 * step number; the line under it, starting with ':', says what the action changed; a lasso marks where
 * its cycle starts and that it repeats forever), then the drain for drain properties, the wait-for cycle
 * for acyclic-waits, the violated property with the objects it names, and the exact replay command.
 */
import { relative, isAbsolute, resolve } from 'node:path';
import type { Edge } from '../../models/view.ts';
import { loadTraceView, type Row, type TraceView, type Actor } from './trace-view.ts';
import { escapeControl } from '../errors.ts';

export interface ExplainOptions {
  /** Target line width (default 100). */
  width?: number;
}

const STEP_W = 5; // '   12' / '  d12'
const MAX_EFFECT_LINES = 3;

export function fit(s: string, n: number): string {
  if (n <= 0) return '';
  s = toAscii(escapeControl(s));
  if (s.length <= n) return s;
  return n <= 2 ? s.slice(0, n) : s.slice(0, n - 2) + '..';
}

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const lpad = (s: string, n: number) => (s.length >= n ? s : ' '.repeat(n - s.length) + s);

/** Word-wrap `text` to `width`, first line prefixed by `first`, the rest by `rest`. */
export function wrap(text: string, width: number, first: string, rest = ' '.repeat(first.length)): string[] {
  // A word longer than a line (a JSON config, a long id) is cut into line-sized pieces.
  const room = Math.max(20, width - rest.length);
  const words = toAscii(text)
    .split(/\s+/)
    .filter(Boolean)
    .flatMap((w) => (w.length <= room ? [w] : w.match(new RegExp(`.{1,${room}}`, 'g'))!));
  const out: string[] = [];
  let line = first;
  let empty = true;
  for (const w of words) {
    const cand = empty ? line + w : `${line} ${w}`;
    if (cand.length > width && !empty) {
      out.push(line);
      line = rest + w;
    } else line = cand;
    empty = false;
  }
  out.push(fit(line, Math.max(width, first.length + 10)));
  return out;
}

/** Column width for `n` actors so that a row fits in `width` (never below 6 characters: --width wins). */
export function columnWidth(n: number, width: number): number {
  const avail = width - STEP_W - 3 * n; // ' | ' before every column
  return Math.max(6, Math.min(30, Math.floor(avail / Math.max(1, n))));
}

/** Narrowest actor column that still shows a step's first ten characters ('DRM_IOCTL_..'). */
const MIN_GRID_COL = 12;
/**
 * One column per actor while every column can be at least MIN_GRID_COL wide; past that (eight actors
 * at 100 columns, four at 60) a row per step names its actor instead, so --width still holds and no
 * step name is cut to a stub.
 */
const gridFits = (n: number, width: number) => STEP_W + n * (3 + MIN_GRID_COL) <= width;
/** The actor column of the list layout: the longest name, within reason. */
const actorWidth = (actors: Actor[]) => Math.min(16, Math.max(5, ...actors.map((a) => a.name.length)));

export function renderGrid(rows: Row[], actors: Actor[], width: number): string[] {
  const grid = gridFits(actors.length, width);
  const cw = grid ? columnWidth(actors.length, width) : actorWidth(actors);
  const room = Math.max(6, width - STEP_W - 6 - cw);
  const col = new Map(actors.map((a, i) => [a.name, i]));
  const line = (first: string, cells: string[]) =>
    (pad(first, STEP_W) + cells.map((c) => ' | ' + pad(c, cw)).join('')).trimEnd();
  const out: string[] = [];
  for (const r of rows) {
    let shown: string;
    if (grid) {
      const cells = actors.map(() => '');
      cells[col.get(r.actor) ?? 0] = fit(r.short, cw);
      shown = r.short;
      out.push(line(lpad(r.n, STEP_W), cells));
    } else {
      shown = r.label;
      out.push(`${lpad(r.n, STEP_W)} | ${pad(fit(r.actor, cw), cw)} | ${fit(r.label, room)}`.trimEnd());
    }
    const cut = grid ? shown.length > cw : shown.length > room;
    const said = cut ? [`${r.label}:`] : [];
    const eff = [...said, r.effects.length ? r.effects.join('; ') : said.length ? 'no visible change' : '']
      .filter(Boolean)
      .join(' ');
    if (eff) {
      const lines = wrap(eff, width, `${pad('', STEP_W)} :   `, `${pad('', STEP_W)} :     `);
      out.push(...lines.slice(0, MAX_EFFECT_LINES));
      if (lines.length > MAX_EFFECT_LINES) out[out.length - 1] = fit(out[out.length - 1], width - 3) + ' ..';
    }
  }
  return out;
}

export function renderHeader(actors: Actor[], width: number): string[] {
  if (!gridFits(actors.length, width)) {
    // the list layout: the actors and their roles once, then a row per step
    const aw = actorWidth(actors);
    const who = actors.map((a) => `${a.name} (${a.role})`).join(', ');
    return [
      ...wrap(who, width, 'actors: '),
      '',
      `${lpad('step', STEP_W)} | ${pad('actor', aw)} | action`,
      `${'-'.repeat(STEP_W)}-+-${'-'.repeat(aw)}-+-${'-'.repeat(Math.max(6, Math.min(40, width - STEP_W - 6 - aw)))}`,
    ];
  }
  const cw = columnWidth(actors.length, width);
  const line = (first: string, cells: string[]) =>
    (pad(first, STEP_W) + cells.map((c) => ' | ' + pad(c, cw)).join('')).trimEnd();
  return [
    line(
      lpad('step', STEP_W),
      actors.map((a) => fit(a.name, cw)),
    ),
    line(
      '',
      actors.map((a) => fit(`(${a.role})`, cw)),
    ),
    '-'.repeat(STEP_W) + actors.map(() => '-+-' + '-'.repeat(cw)).join(''),
  ];
}

/** The path to print in the replay command: relative to the working directory when inside it. */
export function displayPath(file: string): string {
  const abs = isAbsolute(file) ? file : resolve(file);
  const rel = relative(process.cwd(), abs);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : abs;
}

function cfgLine(v: unknown): string {
  if (!v || typeof v !== 'object') return String(v ?? '');
  return Object.entries(v as Record<string, unknown>)
    .map(([k, x]) => `${k}=${typeof x === 'object' ? JSON.stringify(x) : String(x)}`)
    .join(' ');
}

function edgeLines(edges: Edge[], added: number[], width: number): string[] {
  if (!edges.length) return [];
  const out = [`    ${edges[0][0]}`];
  edges.forEach((e, i) => {
    const mark = added.includes(i) ? '  <== added by the last step' : '';
    // one line each when it fits (the spacing is part of the layout); wrapped, never cut, when not
    const fits = (l: string, first: string) => (l.length + first.length <= width ? [first + l] : wrap(l, width, first));
    out.push(
      ...fits(`waits on -> ${e[1]}${e[1] === edges[0][0] ? '   (back to the start: a cycle)' : ''}${mark}`, '      '),
    );
    out.push(...fits(`because ${e[2]}`, ' '.repeat(19)));
  });
  return out;
}

/**
 * The offending objects and what each waits on. Wait chains that run into one cycle print the cycle
 * once (however many fences it blocks), and each object then says only how it reaches the cycle, so a
 * six-edge cycle blocking five fences is six lines, not thirty (issue 15.3). Reasons wrap, never cut.
 */
function offendingLines(v: TraceView, W: number, afterDrain: boolean): string[] {
  const out = [
    '',
    afterDrain ? 'offending objects, where the drain stopped:' : 'offending objects, in the last state:',
  ];
  const idw = Math.min(28, Math.max(...v.offending.map((o) => o.id.length)));
  // A chain ends in a cycle when its last edge returns to a node already on it.
  const cycleOf = (chain: readonly Edge[]): Edge[] | null => {
    const last = chain.at(-1);
    if (!last) return null;
    const at = chain.findIndex((e) => e[0] === last[1]);
    return at < 0 ? null : chain.slice(at);
  };
  const shared = v.cycle ? null : (v.offending.map((o) => cycleOf(o.waitsOn)).find((c) => c !== null) ?? null);
  const onCycle = new Set(shared?.map((e) => e[0]) ?? []);
  const blocked = shared
    ? v.offending.filter((o) => o.waitsOn.some((e) => onCycle.has(e[1]) || onCycle.has(e[0])))
    : [];
  if (shared && blocked.length > 1) {
    out.push(
      ...wrap(`they wait on one cycle (${shared.length} edges), which blocks ${blocked.length} of them:`, W, '  '),
    );
    out.push(...edgeLines(shared, [], W - 2).map((l) => `  ${l}`));
    out.push('');
  }
  const lead = `  ${pad('', idw)}    `;
  for (const o of v.offending) {
    out.push(...wrap(o.summary, W, `  ${pad(o.id, idw)}  `));
    if (shared && blocked.length > 1 && blocked.includes(o)) {
      const entry = o.waitsOn.findIndex((e) => onCycle.has(e[0]));
      const path = entry < 0 ? o.waitsOn : o.waitsOn.slice(0, entry);
      for (const e of path) out.push(...wrap(`waits on ${e[1]}: ${e[2]}`, W, lead, `${lead}  `));
      out.push(...wrap(onCycle.has(o.id) ? 'is on the cycle above' : 'then into the cycle above', W, lead));
    } else for (const e of o.waitsOn) out.push(...wrap(`waits on ${e[1]}: ${e[2]}`, W, lead, `${lead}  `));
  }
  return out;
}

export function renderExplain(v: TraceView, opts: ExplainOptions = {}): string {
  const W = opts.width ?? 100;
  const t = v.trace;
  const m = t.meta;
  const out: string[] = [];
  const expected = v.design ? v.design.expect[m.property]?.verdict : m.expect;
  const lasso = m.loop !== undefined ? m.loop : null;
  const title =
    `${m.design} / ${m.property}: counterexample, ${m.actions.length} step${m.actions.length === 1 ? '' : 's'}` +
    (lasso === null ? '' : ` (a lasso: steps ${lasso + 1}-${m.actions.length} repeat forever)`);
  out.push(...wrap(title, W, '', '  '));
  out.push('');
  if (v.design) out.push(...wrap(v.design.summary, W, 'design    '));
  if (v.property)
    out.push(
      ...wrap(
        `${v.property.name} (${v.property.kind}; ${v.property.rules.join(', ')}): ${v.property.statement}`,
        W,
        'property  ',
      ),
    );
  out.push(...wrap(`'${m.config}': ${cfgLine(m.configValues)}`, W, 'config    '));
  const how =
    m.engine === 'exhaustive'
      ? lasso !== null
        ? 'exhaustive search, then the strongly connected components of its kernel, GPU and timer edges ' +
          '(the prefix is a shortest path to the cycle)'
        : 'exhaustive search (breadth-first: no shorter trace exists in this config)'
      : `random exploration, seed ${m.seed ?? '?'}${m.path ? `, path ${m.path}` : ''}, then shrunk`;
  out.push(...wrap(how, W, 'found by  '));
  out.push(
    ...wrap(
      expected === 'violates'
        ? 'violates (a known flaw: this trace is the evidence)'
        : expected === 'holds'
          ? 'holds: this violation is NOT expected'
          : 'unknown',
      W,
      'expected  ',
    ),
  );
  for (const n of v.notes) out.push(...wrap(n, W, 'note      '));
  out.push('');
  out.push(...renderHeader(v.actors, W));
  if (lasso === null) out.push(...renderGrid(v.rows, v.actors, W));
  else {
    // The lasso: the prefix, then the cycle between two markers (the cycle replaces the drain).
    out.push(...renderGrid(v.rows.slice(0, lasso), v.actors, W));
    const mark = `---- loop: steps ${lasso + 1}-${m.actions.length}, kernel, GPU and timer steps only, repeat forever `;
    out.push(fit(mark, W).padEnd(Math.min(W, 96), '-'));
    out.push(...renderGrid(v.rows.slice(lasso), v.actors, W));
    out.push(
      fit(`---- back to the state after step ${lasso}: the loop repeats forever (weakly fair) `, W).padEnd(
        Math.min(W, 96),
        '-',
      ),
    );
  }

  if (v.drain && lasso === null) {
    out.push('');
    out.push(
      fit('---- drain: userspace stops; the kernel, the GPU and timers run, fairly, with no new faults ', W).padEnd(
        Math.min(W, 96),
        '-',
      ),
    );
    if (v.drain.rows.length) out.push(...renderGrid(v.drain.rows, v.actors, W));
    const n = v.drain.rows.length;
    const how =
      v.drain.settled === false
        ? `did not settle: after ${n} steps a kernel, GPU or timer step is still enabled (livelock)`
        : n === 0
          ? 'took no step: no kernel, GPU or timer action was enabled'
          : `settled after ${n} step${n === 1 ? '' : 's'}: nothing more can run`;
    out.push(...wrap(`the drain ${how}${v.drain.note ? ` (${v.drain.note})` : ''}.`, W, '      '));
  }

  out.push('');
  const head = `VIOLATED  ${m.property}: `;
  // a long property name leaves too little room on its line: the sentence starts on the next one
  if (head.length > W / 2) out.push(head.trimEnd(), ...wrap(m.violation, W, '          '));
  else out.push(...wrap(m.violation, W, head, '          '));
  if (v.cycle) {
    const c = v.cycle;
    out.push('');
    out.push(
      ...wrap(
        `the wait-for cycle, edge by edge (${c.edges.length} edge${c.edges.length === 1 ? '' : 's'})` +
          (c.closedBy ? `, closed by step ${c.closedBy.n}: ${c.closedBy.label} (${c.closedBy.actor})` : '') +
          ':',
        W,
        '',
      ),
    );
    out.push(...edgeLines(c.edges, c.added, W));
  }
  if (v.offending.length) out.push(...offendingLines(v, W, v.drain !== null && lasso === null));
  out.push('');
  // The command is exact, never cut; past the width it continues on the next line (a shell continuation).
  const cmd = `npx fencecheck replay ${displayPath(v.file)}`;
  if (`replay: ${cmd}`.length <= W) out.push(`replay: ${cmd}`);
  else out.push('replay: npx fencecheck replay \\', `  ${displayPath(v.file)}`);
  return toAscii(out.join('\n') + '\n');
}

export async function explainFile(file: string, opts: ExplainOptions = {}): Promise<string> {
  return renderExplain(await loadTraceView(file), opts);
}

/**
 * Mail-safe text: the few non-ASCII characters model comments use, spelled in ASCII; control
 * characters other than newline (an escape sequence inside a trace) written as \xNN, so nothing in a
 * file reaches the terminal raw (issue 14.4).
 */
const ASCII: Record<string, string> = {
  '§': 'sect. ',
  '≥': '>=',
  '≤': '<=',
  '→': '->',
  '←': '<-',
  '…': '...',
  '–': '-',
  '—': '-',
  '×': 'x',
  '’': "'",
  '“': '"',
  '”': '"',
};
export function toAscii(s: string): string {
  return escapeControl(s, true).replace(/[\u0080-\uffff]/g, (c) => ASCII[c] ?? '?');
}
