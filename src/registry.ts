/**
 * Designs and properties are discovered, not registered: every models/designs/*.ts with a default
 * design export, every properties/*.ts with a default property export. Sorted by name.
 */
import { readdirSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Design } from '../models/design.ts';
import type { Property } from '../properties/property.ts';
import { LoadError } from './errors.ts';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DESIGNS_DIR = join(ROOT, 'models', 'designs');
export const PROPERTIES_DIR = join(ROOT, 'properties');
/** Where `--save` writes and `replay`/`resave` look; FENCECHECK_COUNTEREXAMPLES moves it (tests, scratch runs). */
const envDir = process.env.FENCECHECK_COUNTEREXAMPLES;
export const COUNTEREXAMPLES_DIR = envDir ? resolve(envDir) : join(ROOT, 'counterexamples');

async function loadDir<T>(dir: string, isIt: (x: any) => boolean, kind: string): Promise<Map<string, T>> {
  const out = new Map<string, T>();
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .sort();
  for (const f of files) {
    let m: any;
    try {
      m = await import(pathToFileURL(join(dir, f)).href);
    } catch (e) {
      throw new LoadError(
        `${join(dir, f).slice(ROOT.length + 1)}: cannot load: ${String((e as Error).message ?? e).split('\n')[0]}`,
      );
    }
    if (m.default && isIt(m.default)) {
      const name = m.default.name as string;
      if (out.has(name)) throw new LoadError(`${f}: a second ${kind} named '${name}'`);
      out.set(name, m.default);
    }
  }
  return new Map([...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

let cache: { designs: Map<string, Design>; properties: Map<string, Property> } | undefined;

export async function registry() {
  if (!cache) {
    const designs = await loadDir<Design>(
      DESIGNS_DIR,
      (x) => !!x.steps && typeof x.steps === 'object' && !Array.isArray(x.steps) && typeof x.init === 'function',
      'design',
    );
    const properties = await loadDir<Property>(
      PROPERTIES_DIR,
      (x) => typeof x.kind === 'string' && typeof x.name === 'string',
      'property',
    );
    for (const d of designs.values())
      for (const p of Object.keys(d.expect))
        if (!properties.has(p)) throw new LoadError(`design '${d.name}' expects a verdict for unknown property '${p}'`);
    cache = { designs, properties };
  }
  return cache;
}
