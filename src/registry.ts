/**
 * Designs and properties are discovered, not registered: every models/designs/*.ts with a default
 * design export, every properties/*.ts with a default property export. Sorted by name.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createHash } from 'node:crypto';
import type { Design } from '../models/design.ts';
import type { Property } from '../properties/property.ts';
import { LoadError } from './errors.ts';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DESIGNS_DIR = join(ROOT, 'models', 'designs');
export const PROPERTIES_DIR = join(ROOT, 'properties');
export const COUNTEREXAMPLES_DIR = join(ROOT, 'counterexamples');


/** Source file of each loaded design or property, by name. */
const sourceFiles = new Map<string, string>();

async function loadDir<T>(dir: string, isIt: (x: any) => boolean, kind: string): Promise<Map<string, T>> {
  const out = new Map<string, T>();
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).sort();
  for (const f of files) {
    let m: any;
    try {
      m = await import(pathToFileURL(join(dir, f)).href);
    } catch (e) {
      throw new LoadError(`${join(dir, f).slice(ROOT.length + 1)}: cannot load: ${String((e as Error).message ?? e).split('\n')[0]}`);
    }
    if (m.default && isIt(m.default)) {
      const name = m.default.name as string;
      if (out.has(name)) throw new LoadError(`${f}: a second ${kind} named '${name}'`);
      out.set(name, m.default);
      sourceFiles.set(`${kind}:${name}`, join(dir, f));
    }
  }
  return new Map([...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

let cache: { designs: Map<string, Design>; properties: Map<string, Property> } | undefined;

export async function registry() {
  if (!cache) {
    const designs = await loadDir<Design>(DESIGNS_DIR, (x) => !!x.steps && typeof x.steps === 'object' && !Array.isArray(x.steps) && typeof x.init === 'function', 'design');
    const properties = await loadDir<Property>(PROPERTIES_DIR, (x) => typeof x.kind === 'string' && typeof x.name === 'string', 'property');
    for (const d of designs.values())
      for (const p of Object.keys(d.expect))
        if (!properties.has(p)) throw new LoadError(`design '${d.name}' expects a verdict for unknown property '${p}'`);
    cache = { designs, properties };
  }
  return cache;
}

/** Relative imports of a TypeScript file, resolved to paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+['"](\.[^'"]+)['"]/gm)) out.push(resolve(dirname(file), m[1]));
  return out;
}

/**
 * A digest of what a trace depends on: the design's file and the property's file with everything they
 * import from this repository, transitively. A replay notes when it changed since the trace was saved.
 */
export function modelDigest(design: string, property: string): string {
  const seen = new Set<string>();
  const todo = [sourceFiles.get(`design:${design}`), sourceFiles.get(`property:${property}`)].filter((f): f is string => !!f);
  while (todo.length) {
    const f = todo.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    try { todo.push(...importsOf(f)); } catch { /* a vanished file changes the digest through its absence */ }
  }
  const h = createHash('sha256');
  for (const f of [...seen].sort()) {
    h.update(f.slice(ROOT.length));
    try { h.update(readFileSync(f)); } catch { h.update('missing'); }
  }
  return h.digest('hex').slice(0, 16);
}
