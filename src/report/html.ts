/**
 * `fencecheck report --html DIR` (issue 15.1): one self-contained page, index.html, with mermaid
 * copied beside it from node_modules (assets/mermaid.min.js; no network). It shows the design x
 * property matrix (colour per status, bound, scope and `reached` per cell, links to the traces), per
 * violation a wait-for graph (the cycle's edges highlighted, each labelled with its reason and rule),
 * a timeline with arrows between actors and a trace player (step forward and back: every object's
 * state, the enabled actions and the wait-for graph at that step), each machine as a state diagram,
 * and a plot of reachable states against scope for designs with several configs.
 * Everything the page shows is computed here; the page's script only steps through it.
 */
import { copyFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Design } from '../../models/design.ts';
import type { Json, World } from '../../models/world.ts';
import { stateOf } from '../../models/world.ts';
import { type Edge, waitEdges } from '../../models/view.ts';
import type { Cell } from '../api.ts';
import { Checker } from '../check.ts';
import { exploreExhaustive } from '../explore/exhaustive.ts';
import { enabledActions, findAction } from '../world/steps.ts';
import { ident, sequenceDiagram, stateDiagram, text } from './mermaid.ts';
import { collectReport, type ReportData, type ReportOptions, type Violation } from './report.ts';
import { registry } from '../registry.ts';

/** One step of the player: the objects, the enabled actions and the wait-for edges at that state. */
export interface PlayerStep {
  label: string;
  objects: { id: string; kind: string; state: string; context: string }[];
  enabled: string[];
  edges: readonly Edge[];
}

/** Reachable states per config, for the plot; `capped` when the count stopped at the cap. */
export interface ScopePoint {
  design: string;
  config: string;
  states: number;
  capped: boolean;
}

const PLOT_CAP = 100_000;
const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The steps of a saved trace as the player shows them: re-executed on the design as it is. */
export function playerSteps(d: Design, cfg: unknown, actions: readonly { step: string; args: Json[] }[]): PlayerStep[] {
  const at = (w: World, label: string): PlayerStep => ({
    label,
    objects: Object.keys(w.o)
      .sort()
      .map((id) => ({
        id,
        kind: w.o[id].machine.id,
        state: stateOf(w, id),
        context: JSON.stringify(w.o[id].context).slice(0, 160),
      })),
    enabled: enabledActions(d, cfg, w).map((a) => a.label),
    edges: waitEdges(w),
  });
  let w = d.init(cfg);
  const out = [at(w, 'initial state')];
  for (const [i, a] of actions.entries()) {
    const act = findAction(d, cfg, w, a.step, a.args);
    if (!act) break;
    w = act.next;
    out.push(at(w, `${i + 1}. ${act.label}`));
  }
  return out;
}

/** A wait-for graph as a Mermaid flowchart: every edge labelled; the cycle's edges drawn thick and red. */
export function waitGraph(edges: readonly Edge[], cycle: readonly Edge[] = []): string {
  if (!edges.length) return 'flowchart LR\n    none["no wait-for edge at this step"]';
  const out = ['flowchart LR'];
  const node = (id: string) => `${ident(id, 'n_')}["${text(id, 40)}"]`;
  const inCycle = new Set(cycle.map((e) => `${e[0]}\u0000${e[1]}`));
  const thick: number[] = [];
  edges.forEach((e, i) => {
    out.push(`    ${node(e[0])} -->|"${text(e[2], 60)}"| ${node(e[1])}`);
    if (inCycle.has(`${e[0]}\u0000${e[1]}`)) thick.push(i);
  });
  if (thick.length) out.push(`    linkStyle ${thick.join(',')} stroke:#c00,stroke-width:3px`);
  return out.join('\n');
}

/** Reachable states of each config of the designs with several (the plot), capped at PLOT_CAP. */
export function scopePoints(designs: readonly Design[]): ScopePoint[] {
  const out: ScopePoint[] = [];
  for (const d of designs) {
    const names = Object.keys(d.configs);
    if (names.length < 2) continue;
    for (const c of names) {
      const cfg = d.configs[c];
      const r = exploreExhaustive(d, cfg, new Checker(d, cfg, []), [], {
        maxDepth: 1000,
        maxStates: PLOT_CAP,
        budgetMs: 5000,
        exploreAll: true,
      });
      out.push({ design: d.name, config: c, states: r.states, capped: r.stoppedBy !== 'complete' });
    }
  }
  return out;
}

const STATUS_COLOUR: Record<Cell['status'], string> = {
  holds: '#d8f0d8',
  violates: '#f8e0b0',
  vacuous: '#eeeeaa',
  partial: '#d0e0f8',
  'n/a': '#eeeeee',
};

function matrix(cells: readonly Cell[], anchors: Map<Cell, string>): string {
  const designs = [...new Set(cells.map((c) => c.design))];
  const props = [...new Set(cells.map((c) => c.property))].sort();
  const by = new Map(cells.map((c) => [`${c.design}\u0000${c.property}`, c]));
  const head = props.map((p) => `<th class="prop"><span>${esc(p)}</span></th>`).join('');
  const rows = designs.map((d) => {
    const tds = props.map((p) => {
      const c = by.get(`${d}\u0000${p}`);
      if (!c) return '<td></td>';
      const title =
        `${c.status}${c.match ? '' : ' (UNEXPECTED)'}; expected ${c.expected ?? 'none'}; ${c.bound}; ` +
        `config ${c.config}; scope ${JSON.stringify(c.scope)}; reached ${c.reached ?? '-'}`;
      const body =
        c.status === 'violates'
          ? 'V'
          : c.status === 'holds'
            ? 'H'
            : c.status === 'n/a'
              ? '-'
              : c.status[0].toUpperCase();
      const a = anchors.get(c);
      const inner = a ? `<a href="#${a}">${body}</a>` : body;
      return (
        `<td class="cell${c.match ? '' : ' bad'}" data-status="${c.status}" ` +
        `style="background:${STATUS_COLOUR[c.status]}" title="${esc(title)}">` +
        `${inner}<small>${c.reached ?? ''}</small></td>`
      );
    });
    return `<tr><th>${esc(d)}</th>${tds.join('')}</tr>`;
  });
  return `<table class="matrix"><thead><tr><th></th>${head}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function plot(points: readonly ScopePoint[]): string {
  if (!points.length) return '<p>No design has several configs.</p>';
  const designs = [...new Set(points.map((p) => p.design))];
  const max = Math.log10(Math.max(10, ...points.map((p) => p.states)));
  const rowH = 22;
  const w = 760;
  const bars: string[] = [];
  let y = 0;
  for (const d of designs) {
    bars.push(`<text x="0" y="${y + 14}" class="pl">${esc(d)}</text>`);
    y += rowH;
    for (const p of points.filter((q) => q.design === d)) {
      const len = Math.max(2, (Math.log10(Math.max(1, p.states)) / max) * (w - 320));
      const label = `${p.config}: ${p.capped ? '>= ' : ''}${p.states.toLocaleString('en')} states`;
      bars.push(
        `<rect x="120" y="${y + 3}" width="${len.toFixed(1)}" height="14" fill="${p.capped ? '#c88' : '#68a'}"/>` +
          `<text x="${(126 + len).toFixed(1)}" y="${y + 14}" class="pl">${esc(label)}</text>`,
      );
      y += rowH;
    }
  }
  return (
    `<svg class="plot" width="${w}" height="${y}" viewBox="0 0 ${w} ${y}">${bars.join('')}</svg>` +
    `<p>Bars are logarithmic; red: stopped at ${PLOT_CAP.toLocaleString('en')} states or 5 s (the count is a lower ` +
    'bound).</p>'
  );
}

function violationSection(v: Violation, id: string, steps: PlayerStep[] | null): string {
  const c = v.cell;
  const parts = [`<section class="violation" id="${id}"><h3>${esc(c.design)} / ${esc(c.property)}</h3>`];
  parts.push(`<p>${c.expected === 'violates' ? 'Expected' : '<b>Not expected</b>'}: ${esc(c.message ?? '')}</p>`);
  if (v.trace)
    parts.push(`<p>Trace <code>${esc(v.trace)}</code>: <code>npx fencecheck explain ${esc(v.trace)}</code></p>`);
  if (v.view) {
    const last = steps?.[steps.length - 1];
    const edges = v.view.cycle?.edges ?? last?.edges ?? [];
    parts.push(
      '<h4>Wait-for graph at the end</h4>',
      `<pre class="mermaid">${esc(waitGraph(edges, v.view.cycle?.edges ?? []))}</pre>`,
    );
    parts.push('<h4>Timeline</h4>', `<pre class="mermaid">${esc(sequenceDiagram(v.view))}</pre>`);
  } else if (v.error) parts.push(`<p>The trace could not be read: ${esc(v.error)}</p>`);
  if (steps) parts.push(`<h4>Trace player</h4><div class="player" data-player="${id}"></div>`);
  parts.push('</section>');
  return parts.join('\n');
}

const SCRIPT = `
const players = JSON.parse(document.getElementById('players').textContent);
const graph = (edges, cycle) => {
  if (!edges.length) return 'flowchart LR\\n    none["no wait-for edge at this step"]';
  const id = (s) => 'n_' + s.replace(/[^A-Za-z0-9_]/g, '_');
  const t = (s) => s.replace(/["#;:<>{}|%]/g, ' ').slice(0, 60);
  const node = (n) => id(n) + '["' + t(n) + '"]';
  const edge = (e) => '    ' + node(e[0]) + ' -->|"' + t(e[2]) + '"| ' + node(e[1]);
  return ['flowchart LR', ...edges.map(edge)].join('\\n');
};
let renders = 0;
for (const el of document.querySelectorAll('.player')) {
  const steps = players[el.dataset.player];
  let i = 0;
  el.innerHTML = '<div class="controls"><button class="prev">&larr; back</button> <span class="at"></span> ' +
    '<button class="next">forward &rarr;</button></div><div class="step-label"></div><div class="cols">' +
    '<div><h5>objects</h5><table class="objects"></table></div><div><h5>enabled actions</h5><ul class="enabled"></ul>' +
    '<h5>wait-for graph</h5><div class="graph"></div></div></div>';
  const show = async () => {
    const s = steps[i];
    el.querySelector('.at').textContent = 'step ' + i + ' of ' + (steps.length - 1);
    el.querySelector('.step-label').textContent = s.label;
    el.querySelector('.objects').innerHTML = s.objects.map((o) => '<tr><td>' + o.id + '</td><td>' + o.kind +
      '</td><td>' + o.state + '</td><td><code>' + o.context.replace(/</g, '&lt;') + '</code></td></tr>').join('');
    const li = (a) => '<li>' + a.replace(/</g, '&lt;') + '</li>';
    el.querySelector('.enabled').innerHTML = s.enabled.map(li).join('') || '<li>(none)</li>';
    const { svg } = await mermaid.render('pg' + renders++, graph(s.edges));
    el.querySelector('.graph').innerHTML = svg;
    el.dataset.step = String(i);
  };
  el.querySelector('.prev').onclick = () => { if (i > 0) { i--; show(); } };
  el.querySelector('.next').onclick = () => { if (i < steps.length - 1) { i++; show(); } };
  show();
}
`;

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1em 2em; color: #222; }
table.matrix { border-collapse: collapse; font-size: 12px; }
table.matrix td, table.matrix th { border: 1px solid #ccc; padding: 2px 4px; text-align: center; }
table.matrix th.prop { height: 160px; white-space: nowrap; vertical-align: bottom; }
table.matrix th.prop span { writing-mode: vertical-rl; transform: rotate(180deg); }
table.matrix tbody th { text-align: right; white-space: nowrap; }
td.cell small { display: block; color: #666; font-size: 9px; }
td.bad { outline: 3px solid #c00; }
.player { border: 1px solid #aaa; padding: .5em; }
.player .cols { display: flex; gap: 2em; } .player .cols > div { flex: 2; }
.player .cols > div:first-child { flex: 3; min-width: 0; } .player table { font-size: 11px; border-collapse: collapse; }
.player td { border-bottom: 1px solid #eee; padding: 1px 6px; vertical-align: top; }
.player code { font-size: 10px; word-break: break-all; }
.plot .pl { font-size: 11px; } pre.mermaid { background: #fff; }
`;

/** The page, as one string: everything computed, the script only steps through it. */
export function renderHtml(r: ReportData, players: Record<string, PlayerStep[]>, points: ScopePoint[]): string {
  const anchors = new Map<Cell, string>();
  for (const [i, v] of r.violations.entries()) anchors.set(v.cell, `v${i}`);
  const legend = Object.entries(STATUS_COLOUR)
    .map(([s, col]) => `<span style="background:${col};padding:0 6px">${s}</span>`)
    .join(' ');
  const bad = r.cells.filter((c) => !c.match).length;
  const n = r.cells.length;
  const verdict = r.ok
    ? `Every one of the ${n} verdicts is as the designs expect.`
    : `<b>${bad} of ${n} verdicts differ from the expectation</b> (red outline).`;
  const body = [
    '<h1>fencecheck report</h1>',
    `<p>Generated by <code>${esc(r.command)}</code>. ${verdict}</p>`,
    '<h2 id="verdicts">Verdicts</h2>',
    `<p>${legend}. A cell shows its status (hover: bound, config, scope) and, below it, <i>reached</i>: ` +
      "where the property's precondition held. A vacuous cell is not a pass.</p>",
    matrix(r.cells, anchors),
    '<h2 id="counterexamples">Counterexamples</h2>',
    ...(r.violations.length
      ? r.violations.map((v, i) => violationSection(v, `v${i}`, players[`v${i}`] ?? null))
      : ['<p>No property was violated in this run.</p>']),
    '<h2 id="scopes">Reachable states against scope</h2>',
    plot(points),
    '<h2 id="machines">Machines</h2>',
    ...r.machines.map(
      (m) =>
        `<section class="machine"><h3>${esc(m.id)}</h3><p><code>${esc(m.file)}</code> ${esc(m.title)}</p>` +
        `<pre class="mermaid">${esc(stateDiagram(m.machine))}</pre></section>`,
    ),
  ];
  return [
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>fencecheck report</title>',
    `<style>${STYLE}</style>`,
    '<script src="assets/mermaid.min.js"></script></head><body>',
    ...body,
    `<script type="application/json" id="players">${JSON.stringify(players).replace(/</g, '\\u003c')}</script>`,
    '<script>',
    "mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', flowchart: { htmlLabels: false } });",
    "mermaid.run({ querySelector: 'pre.mermaid' }).then(() => { document.body.dataset.rendered = 'yes';",
    SCRIPT,
    '}).catch((e) => { console.error(e); });',
    '</script>',
    '</body></html>',
  ].join('\n');
}

/** Write DIR/index.html and DIR/assets/mermaid.min.js; returns the page's path. Atomic per file. */
export function writeHtmlReport(r: ReportData, dir: string, designs: readonly Design[]): string {
  const players: Record<string, PlayerStep[]> = {};
  r.violations.forEach((v, i) => {
    const d = v.view?.design;
    if (d && v.view) players[`v${i}`] = playerSteps(d, v.view.cfg, v.view.trace.meta.actions);
  });
  const page = renderHtml(r, players, scopePoints(designs));
  mkdirSync(join(dir, 'assets'), { recursive: true });
  const require = createRequire(import.meta.url);
  copyFileSync(require.resolve('mermaid/dist/mermaid.min.js'), join(dir, 'assets', 'mermaid.min.js'));
  const file = join(dir, 'index.html');
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, page);
  renameSync(tmp, file);
  return file;
}

/** `report --html DIR`: check, then write the page for what was checked. */
export async function writeHtml(o: ReportOptions): Promise<{ file: string; data: ReportData }> {
  const data = await collectReport(o);
  const { designs } = await registry();
  const wanted = [...new Set(data.cells.map((c) => c.design))].flatMap((n) => designs.get(n) ?? []);
  return { file: writeHtmlReport(data, data.outDir, wanted), data };
}
