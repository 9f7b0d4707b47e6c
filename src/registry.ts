/**
 * Designs and properties are discovered, not registered: every models/designs/*.ts with a default
 * design export, every properties/*.ts with a default property export. Sorted by name.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createHash } from 'node:crypto';
import type { Design } from '../models/design.ts';
import type { Property } from '../properties/property.ts';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DESIGNS_DIR = join(ROOT, 'models', 'designs');
export const PROPERTIES_DIR = join(ROOT, 'properties');
export const COUNTEREXAMPLES_DIR = join(ROOT, 'counterexamples');

async function loadDir<T>(dir: string, isIt: (x: any) => boolean): Promise<Map<string, T>> {
  const out = new Map<string, T>();
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).sort();
  for (const f of files) {
    const m = await import(pathToFileURL(join(dir, f)).href);
    if (m.default && isIt(m.default)) {
      const name = m.default.name as string;
      if (out.has(name)) throw new Error(`two definitions named '${name}' (${f})`);
      out.set(name, m.default);
    }
  }
  return new Map([...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

let cache: { designs: Map<string, Design>; properties: Map<string, Property> } | undefined;

export async function registry() {
  if (!cache) {
    const designs = await loadDir<Design>(DESIGNS_DIR, (x) => Array.isArray(x.steps) && typeof x.init === 'function');
    const properties = await loadDir<Property>(PROPERTIES_DIR, (x) => typeof x.kind === 'string' && typeof x.name === 'string');
    for (const d of designs.values())
      for (const p of Object.keys(d.expect))
        if (!properties.has(p)) throw new Error(`design '${d.name}' expects a verdict for unknown property '${p}'`);
    cache = { designs, properties };
  }
  return cache;
}

/** A digest of the model: every source file under models/ and properties/ (a replay notes a change). */
export function modelDigest(): string {
  const h = createHash('sha256');
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) h.update(e.name).update(readFileSync(p));
    }
  };
  walk(join(ROOT, 'models'));
  walk(PROPERTIES_DIR);
  return h.digest('hex').slice(0, 16);
}
