/**
 * The rule map, read from the code so it cannot drift (style-anchors §1: the kernel's docs pull the
 * contract out of the .c file; `fencecheck list --rules` prints it from the models):
 * - the Contract bullets in the header comments of models/ files ("- R4  dma_fence_signal is one-shot…");
 * - the `description` fields of machine states and transitions ("R4: one-shot"), walked from xstate;
 * - every other mention of a rule id in models/ (rules/, designs/, comments);
 * - the `rules` list of each property, and the designs' expectations and step docs.
 * Rule ids are those of shared/reference/kernel-sync-semantics.md: R (rules), I (invariants), H (hazards).
 *
 * The coverage section (issue 16, "Done when"): for each hazard H1-H16 the designs that exercise it, and
 * for each invariant I1-I27 the properties that state it, or a line of INVARIANTS_OUT_OF_SCOPE saying
 * why none does. A hazard no design exercises is listed as such: coverage is read, never declared.
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
  coverage: Coverage;
}

/** The reference's hazards (§3) and invariants (§2), by count. */
export const HAZARD_IDS = Array.from({ length: 16 }, (_, i) => `H${i + 1}`);
export const INVARIANT_IDS = Array.from({ length: 27 }, (_, i) => `I${i + 1}`);

/**
 * Invariants of kernel-sync-semantics.md §2 that no property states, and why. An id leaves this table
 * when a property lists it in `rules` (the rules test fails while it is both here and stated).
 */
export const INVARIANTS_OUT_OF_SCOPE: Readonly<Record<string, string>> = {
  I2:
    'error-before-signal (R6) is the dma_fence machine itself: DMA_FENCE_SET_ERROR is accepted only while ' +
    'unsignaled and in range, and dma_fence_set_error reports the WARN otherwise (models/dma-buf/' +
    'dma-fence-api.ts); test/kernel/dma-fence.test.ts checks R6',
  I3:
    'status coherence (R7) is computed from the fence state by dma_fence_get_status (dmaFenceStatus), so no ' +
    'interleaving can break it; test/kernel/dma-fence.test.ts checks R7',
  I13:
    'preallocation (R43, R55, R83, R118): dma_resv_add_fence without the lock or a reserved slot throws ' +
    '(models/dma-buf/dma-resv.ts, the kernel BUG_ON), so skipping it is a model error, not a verdict',
  I16:
    'materialization (R81, R84, R87) is the definition the syncobj model computes ' +
    '(drm_syncobj_point_materialized); test/syncobj/timeline.test.ts checks R81, R84 and R87 against it',
  I18:
    'resv usage discipline (R53, R56, R62): promotion is how dma_resv_add_fence replaces entries (R56), and a ' +
    'container is a WARN it reports; which usage a job adds only over-synchronises (H7, seed 004)',
  I21:
    'LR isolation (R118, R121): no property yet; compute-lr-mode publishes no dma_fence for LR work (R121), ' +
    'but nothing checks that an LR fence never reaches a resv, a syncobj or a sync_file',
  I24:
    'TDR coverage (R98): models/drm-sched arms the TDR whenever pending_list is non-empty and a timeout is ' +
    'set; single-fifo-no-tdr shows the missing TDR through finite-time (I10)',
};

export interface HazardCoverage {
  id: string;
  /** Designs citing the hazard in their source, summary or an expectation's why. */
  designs: string[];
  /** Designs that violate a property whose `rules` cite it: 'design (via property)'. */
  violating: string[];
}

export interface InvariantCoverage {
  id: string;
  /** Properties whose `rules` list it. */
  properties: string[];
  /** Why no property states it (INVARIANTS_OUT_OF_SCOPE), or null. */
  outOfScope: string | null;
}

export interface Coverage {
  hazards: HazardCoverage[];
  invariants: InvariantCoverage[];
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
  const hazards = new Map(HAZARD_IDS.map((id) => [id, { id, designs: [] as string[], violating: [] as string[] }]));
  for (const d of designs.values()) {
    for (const id of idsIn([d.source, d.summary, ...Object.values(d.expect).map((e) => e.why)].join('\n')))
      if (hazards.has(id)) add(hazards.get(id)!.designs, d.name);
    for (const [p, e] of Object.entries(d.expect))
      if (e.verdict === 'violates')
        for (const id of (properties.get(p)?.rules ?? []).flatMap(idsIn))
          if (hazards.has(id) && !hazards.get(id)!.designs.includes(d.name))
            add(hazards.get(id)!.violating, `${d.name} (via ${p})`);
  }
  // A design that cites the hazard itself is listed once, as citing it.
  for (const h of hazards.values()) h.violating = h.violating.filter((v) => !h.designs.includes(v.split(' ')[0]));
  const stating = (id: string) => [...properties.values()].filter((p) => p.rules.flatMap(idsIn).includes(id));
  const coverage: Coverage = {
    hazards: [...hazards.values()].map((h) => ({ ...h, designs: h.designs.sort(), violating: h.violating.sort() })),
    invariants: INVARIANT_IDS.map((id) => ({
      id,
      properties: stating(id).map((p) => p.name),
      outOfScope: INVARIANTS_OUT_OF_SCOPE[id] ?? null,
    })),
  };
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
  return { rules: [...rules.values()].sort((a, b) => compareRuleIds(a.id, b.id)), machines, coverage };
}

/** The coverage section of `fencecheck list --rules`. */
export function formatCoverage(c: Coverage): string {
  const out = ['coverage: hazards (kernel-sync-semantics.md §3) and the designs that exercise them'];
  for (const h of c.hazards) {
    if (!h.designs.length && !h.violating.length) out.push(`  ${h.id.padEnd(4)} NO DESIGN exercises it yet`);
    if (h.designs.length) out.push(`  ${h.id.padEnd(4)} cited by: ${list(h.designs, 8)}`);
    if (h.violating.length)
      out.push(`  ${h.designs.length ? '    ' : h.id.padEnd(4)} violating: ${list(h.violating, 4)}`);
  }
  out.push('coverage: invariants (§2) and the properties that state them');
  for (const i of c.invariants) {
    const why = i.outOfScope ?? 'NO PROPERTY, and INVARIANTS_OUT_OF_SCOPE gives no reason';
    const stale = i.outOfScope ? ' (its out-of-scope line is stale: delete it)' : '';
    out.push(`  ${i.id.padEnd(4)} ${i.properties.length ? list(i.properties, 8) + stale : `out of scope: ${why}`}`);
  }
  return out.join('\n') + '\n';
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
  return out.join('\n') + '\n\n' + formatCoverage(m.coverage);
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
  out.push('', '### Coverage: hazards by designs, invariants by properties', '');
  out.push('| id | designs citing it | designs violating a property that cites it |', '| --- | --- | --- |');
  for (const h of m.coverage.hazards)
    out.push(`| ${h.id} | ${h.designs.length ? list(h.designs, 6) : '**none yet**'} | ${list(h.violating, 4)} |`);
  out.push('', '| invariant | properties stating it | or: why none does |', '| --- | --- | --- |');
  for (const i of m.coverage.invariants)
    out.push(
      `| ${i.id} | ${code(i.properties)} | ${i.properties.length ? '' : md(i.outOfScope ?? '**no reason given**')} |`,
    );
  return out.join('\n') + '\n';
}

/** Replace the generated block of a Markdown text (between the markers) with `body`. */
export function replaceGenerated(doc: string, body: string): string {
  const a = doc.indexOf(GENERATED_BEGIN);
  const b = doc.indexOf(GENERATED_END);
  if (a < 0 || b < a) throw new Error('docs/model.md has no generated block (markers missing)');
  return doc.slice(0, a + GENERATED_BEGIN.length) + '\n\n' + body + '\n' + doc.slice(b);
}
