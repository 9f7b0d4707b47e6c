/**
 * The rule map, read from the code so it cannot drift (style-anchors §1: the kernel's docs pull the
 * contract out of the .c file; `fencecheck list --rules` prints it from the models):
 * - the Contract bullets in the header comments of models/ files ("- R4  dma_fence_signal is one-shot…");
 * - the `description` fields of machine states and transitions ("R4: one-shot"), walked from xstate;
 * - every other mention of a rule id in models/ (rules/, designs/, comments);
 * - the `rules` list of each property, and the designs' expectations and step docs.
 * Rule ids are those of shared/reference/kernel-sync-semantics.md: R (rules), I (invariants), H (hazards).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT, registry } from '../registry.ts';
import { discoverMachines, headerComment, MODELS_DIR } from './machines.ts';

export const RULE_ID = /\b([RIH][0-9]{1,3})\b/g;

export interface RuleEntry {
  id: string;
  /** The contract text, from the first Contract bullet that states it (null if only cited). */
  text: string | null;
  /** Files whose header states the rule as a Contract bullet. */
  statedIn: string[];
  /** Machine transitions and states whose description cites it: 'dma_fence: unsignaled DMA_FENCE_SIGNAL'. */
  machines: string[];
  /** Other files under models/ that mention it. */
  citedIn: string[];
  /** Properties whose `rules` list it. */
  properties: string[];
  /** Designs that cite it (expectations, summary, step docs). */
  designs: string[];
}

export interface MachineRules {
  id: string;
  file: string;
  title: string;
  /** Rule ids of the file's Contract bullets and of the machine's descriptions, in order. */
  rules: string[];
  /** State and transition descriptions that cite rules: [where, description]. */
  described: [string, string][];
}

export interface RuleMap {
  rules: RuleEntry[];
  machines: MachineRules[];
}

export function compareRuleIds(a: string, b: string): number {
  const order = 'RIH';
  return order.indexOf(a[0]) - order.indexOf(b[0]) || Number(a.slice(1)) - Number(b.slice(1));
}

const idsIn = (s: string) => [...new Set([...s.matchAll(RULE_ID)].map((m) => m[1]))];

function walkTs(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir).sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...walkTs(p));
    else if (e.endsWith('.ts') && !e.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

/** Contract bullets of a header comment: '- R4  text' with its continuation lines. */
export function contractBullets(header: string): { id: string; text: string }[] {
  const out: { id: string; text: string }[] = [];
  let cur: { id: string; text: string } | null = null;
  for (const line of header.split('\n')) {
    const m = /^-\s+([RIH][0-9]{1,3})\b[\s:.-]*(.*)$/.exec(line.trim());
    if (m) {
      cur = { id: m[1], text: m[2].trim() };
      out.push(cur);
    } else if (cur && /^\s{2,}\S/.test(line) && !/^\s*-\s/.test(line)) cur.text += ' ' + line.trim();
    else cur = null;
  }
  return out;
}

interface SNode {
  key: string;
  states: Record<string, SNode>;
  transitions: Map<string, { description?: string }[]>;
  always?: { description?: string }[];
  description?: string;
}

function machineDescriptions(root: SNode): [string, string][] {
  const out: [string, string][] = [];
  const walk = (n: SNode, path: string) => {
    if (n.description && idsIn(n.description).length) out.push([path || '(machine)', n.description]);
    const all: [string, { description?: string }[]][] = [...n.transitions.entries()];
    if (n.always?.length) all.push(['always', n.always]);
    for (const [ev, ts] of all)
      for (const t of ts)
        if (t.description && idsIn(t.description).length)
          out.push([`${path ? `${path} ` : 'any state '}${ev}`, t.description]);
    for (const [k, c] of Object.entries(n.states ?? {})) walk(c, path ? `${path}.${k}` : k);
  };
  walk(root, '');
  return out;
}

export async function ruleMap(): Promise<RuleMap> {
  const rules = new Map<string, RuleEntry>();
  const get = (id: string) => {
    let r = rules.get(id);
    if (!r) {
      r = { id, text: null, statedIn: [], machines: [], citedIn: [], properties: [], designs: [] };
      rules.set(id, r);
    }
    return r;
  };
  const add = (l: string[], x: string) => {
    if (!l.includes(x)) l.push(x);
  };

  const files = walkTs(MODELS_DIR);
  const stated = new Map<string, string[]>();
  const textFrom = new Map<string, number>();
  for (const f of files) {
    const rel = relative(ROOT, f);
    const src = readFileSync(f, 'utf8');
    const bullets = contractBullets(headerComment(src));
    stated.set(rel, [...bullets.map((b) => b.id), ...idsIn(headerComment(src))]);
    for (const b of bullets) {
      const r = get(b.id);
      // The rule's home is the file that states the most Contract bullets (dma-fence.ts for R1-R11),
      // not a derived model that restates one rule in its own terms.
      const homeSize = textFrom.get(b.id) ?? -1;
      if (bullets.length > homeSize) {
        r.text = b.text;
        textFrom.set(b.id, bullets.length);
      }
      add(r.statedIn, rel);
    }
    for (const id of idsIn(src)) if (!bullets.some((b) => b.id === id)) add(get(id).citedIn, rel);
  }

  const machines: MachineRules[] = [];
  for (const m of await discoverMachines()) {
    const described = machineDescriptions(m.machine.root as unknown as SNode);
    const ids: string[] = [...new Set(stated.get(m.file) ?? [])];
    for (const [where, desc] of described)
      for (const id of idsIn(desc)) {
        add(ids, id);
        add(get(id).machines, `${m.id}: ${where}`);
      }
    machines.push({ id: m.id, file: m.file, title: m.title, rules: ids, described });
  }

  const { designs, properties } = await registry();
  for (const p of properties.values())
    for (const id of p.rules) for (const x of idsIn(id)) add(get(x).properties, p.name);
  for (const d of designs.values()) {
    const text = [
      d.summary,
      d.source,
      ...Object.values(d.expect).map((e) => e.why),
      ...Object.values(d.steps).map((s) => s.doc ?? ''),
    ].join('\n');
    for (const id of idsIn(text)) add(get(id).designs, d.name);
  }
  return { rules: [...rules.values()].sort((a, b) => compareRuleIds(a.id, b.id)), machines };
}

const list = (l: string[], max = 6) =>
  l.length > max ? `${l.slice(0, max).join(', ')} and ${l.length - max} more` : l.join(', ');

export function formatRuleMap(m: RuleMap): string {
  const out: string[] = [];
  for (const r of m.rules) {
    out.push(`${r.id.padEnd(5)} ${r.text ?? '(cited, not stated as a Contract bullet)'}`);
    if (r.statedIn.length) out.push(`      stated in: ${list(r.statedIn)}`);
    if (r.machines.length) out.push(`      machines: ${list(r.machines)}`);
    if (r.properties.length) out.push(`      checked by: ${list(r.properties)}`);
    if (r.designs.length) out.push(`      designs: ${list(r.designs)}`);
    if (r.citedIn.length) out.push(`      cited in: ${list(r.citedIn)}`);
  }
  return out.join('\n') + '\n';
}

const md = (s: string) => s.replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/\n/g, ' ');
const code = (l: string[]) => l.map((x) => `\`${x}\``).join(', ');

export const GENERATED_BEGIN =
  '<!-- BEGIN GENERATED: npm run docs:model (fencecheck list --rules --markdown); do not edit by hand -->';
export const GENERATED_END = '<!-- END GENERATED -->';

export function ruleMapMarkdown(m: RuleMap): string {
  const out: string[] = [];
  out.push('### Machines and the rules they encode', '');
  out.push('| machine | file | what it is | rules (its header comment and transition descriptions) |');
  out.push('| --- | --- | --- | --- |');
  for (const x of m.machines)
    out.push(
      `| \`${x.id}\` | [\`${x.file}\`](../${x.file}) | ${md(x.title)} | ` +
        `${x.rules.length ? [...x.rules].sort(compareRuleIds).join(', ') : '-'} |`,
    );
  out.push('', '### Rules: where each is stated, encoded and checked', '');
  out.push(
    '| rule | contract, as the code states it | stated in | machine transitions | checked by | designs citing it |',
  );
  out.push('| --- | --- | --- | --- | --- | --- |');
  for (const r of m.rules) {
    out.push(
      `| ${r.id} | ${r.text ? md(r.text) : '*(cited only: ' + md(list(r.citedIn, 3)) + ')*'} | ${code(r.statedIn)} | ` +
        `${md(list(r.machines, 4))} | ${code(r.properties)} | ${list(r.designs, 4)} |`,
    );
  }
  return out.join('\n') + '\n';
}

/** Replace the generated block of a Markdown text (between the markers) with `body`. */
export function replaceGenerated(doc: string, body: string): string {
  const a = doc.indexOf(GENERATED_BEGIN);
  const b = doc.indexOf(GENERATED_END);
  if (a < 0 || b < a) throw new Error('docs/model.md has no generated block (markers missing)');
  return doc.slice(0, a + GENERATED_BEGIN.length) + '\n\n' + body + '\n' + doc.slice(b);
}
