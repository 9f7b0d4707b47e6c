/**
 * Designs and properties are discovered, not registered: every models/designs/*.ts with a default
 * design export, every properties/*.ts with a default property export. Sorted by name.
 *
 * Loaded lazily (issue 15.5): nothing is imported until a command needs it, and a command that names
 * its designs (`check --design D`, `replay FILE`) loads only D's file, found by the convention that
 * models/designs/D.ts defines design D (a name that breaks it falls back to loading every file). So a
 * design file that fails to load stops only the commands that need it, and says where: file, line,
 * column and esbuild's message.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, dirname, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Design } from '../models/design.ts';
import type { Property } from '../properties/property.ts';
import { LoadError } from './errors.ts';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** FENCECHECK_DESIGNS moves the designs folder (tests: a folder with one broken design beside the real ones). */
const DESIGNS_DIR = process.env.FENCECHECK_DESIGNS
  ? resolve(process.env.FENCECHECK_DESIGNS)
  : join(ROOT, 'models', 'designs');
const PROPERTIES_DIR = join(ROOT, 'properties');
/** Where `--save` writes and `replay`/`resave` look; FENCECHECK_COUNTEREXAMPLES moves it (tests, scratch runs). */
const envDir = process.env.FENCECHECK_COUNTEREXAMPLES;
export const COUNTEREXAMPLES_DIR = envDir ? resolve(envDir) : join(ROOT, 'counterexamples');

const sourceFiles = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .sort();
const stem = (f: string) => f.slice(0, -'.ts'.length);

/** The design names, from the file names alone (nothing is imported): for suggestions and fast checks. */
export function designNames(): string[] {
  return sourceFiles(DESIGNS_DIR).map(stem).sort();
}

/** The property names, from the file names alone (property.ts is the library, not a property). */
export function propertyNames(): string[] {
  return sourceFiles(PROPERTIES_DIR)
    .map(stem)
    .filter((n) => n !== 'property')
    .sort();
}

const shown = (p: string) => (p.startsWith(ROOT) ? relative(ROOT, p) : p);

/**
 * One line for a module that failed to import: where (file:line:column) and why. esbuild's transform
 * errors carry 'FILE:LINE:COL: ERROR: message' on their second line; a throw at load time has its
 * place in the first stack frame under the project; a missing import names both files.
 */
export function loadErrorLine(file: string, e: unknown): string {
  const err = e as Error;
  const msg = String(err?.message ?? e);
  const esb = /^(.+?):(\d+):(\d+): ERROR: (.*)$/m.exec(msg);
  if (esb) return `${shown(esb[1])}:${esb[2]}:${esb[3]}: ${esb[4]} (esbuild; loading ${shown(file)})`;
  const frame = /\((?:file:\/\/)?(\/[^()]+?):(\d+):(\d+)\)/.exec(String(err?.stack ?? ''));
  const first = msg.split('\n')[0];
  if (frame && !frame[1].includes('node_modules'))
    return `${shown(frame[1])}:${frame[2]}:${frame[3]}: ${first} (loading ${shown(file)})`;
  return `${shown(file)}: cannot load: ${first}`;
}

const imported = new Map<string, Promise<any>>();
function importFile(file: string): Promise<any> {
  let p = imported.get(file);
  if (!p) {
    p = import(pathToFileURL(file).href);
    imported.set(file, p);
  }
  return p.catch((e) => {
    throw new LoadError(loadErrorLine(file, e));
  });
}

async function loadFiles<T>(dir: string, files: string[], isIt: (x: any) => boolean, kind: string) {
  const out = new Map<string, T>();
  for (const f of files) {
    const m = await importFile(join(dir, f));
    if (m.default && isIt(m.default)) {
      const name = m.default.name as string;
      if (out.has(name)) throw new LoadError(`${f}: a second ${kind} named '${name}'`);
      out.set(name, m.default);
    }
  }
  return new Map([...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

const isDesign = (x: any) =>
  !!x.steps && typeof x.steps === 'object' && !Array.isArray(x.steps) && typeof x.init === 'function';
const isProperty = (x: any) => typeof x.kind === 'string' && typeof x.name === 'string';

let scope: string[] | null = null;
/**
 * Let registry() load only these designs (the CLI, for a command that names them); null: every design.
 * The CLI sets it per command; nothing else needs to.
 */
export function limitDesigns(names: readonly string[] | null): void {
  scope = names ? [...new Set(names)].sort() : null;
}

type Registry = { designs: Map<string, Design>; properties: Map<string, Property> };
const cache = new Map<string, Registry>();

/**
 * One design and the properties named, each from its own file by the naming convention
 * (models/designs/D.ts, properties/P.ts), nothing else, for a parallel search worker: rw-umf-b with
 * no-deadlock loads in 63-71 ms against 264-277 ms for registry() limited to that design (main thread, 3
 * runs each), and two workers reach their shards' init in about 460 ms instead of 750. A name that breaks
 * the convention falls back to registry().
 */
export async function registryFor(design: string, props: readonly string[]): Promise<Registry> {
  const df = `${design}.ts`,
    pf = props.map((p) => `${p}.ts`);
  if (!existsSync(join(DESIGNS_DIR, df)) || !pf.every((f) => existsSync(join(PROPERTIES_DIR, f)))) return registry();
  const designs = await loadFiles<Design>(DESIGNS_DIR, [df], isDesign, 'design');
  const properties = await loadFiles<Property>(PROPERTIES_DIR, [...new Set(pf)].sort(), isProperty, 'property');
  if (!designs.has(design) || !props.every((p) => properties.has(p))) return registry();
  return { designs, properties };
}

export async function registry(): Promise<Registry> {
  const key = scope ? scope.join('\n') : '*';
  let r = cache.get(key);
  if (!r) {
    const all = sourceFiles(DESIGNS_DIR);
    const want = scope?.map((n) => `${n}.ts`);
    let designs = await loadFiles<Design>(
      DESIGNS_DIR,
      want?.every((f) => existsSync(join(DESIGNS_DIR, f))) ? want : all,
      isDesign,
      'design',
    );
    if (scope && !scope.every((n) => designs.has(n)))
      designs = await loadFiles<Design>(DESIGNS_DIR, all, isDesign, 'design');
    const properties = await loadFiles<Property>(PROPERTIES_DIR, sourceFiles(PROPERTIES_DIR), isProperty, 'property');
    for (const d of designs.values())
      for (const p of Object.keys(d.expect))
        if (!properties.has(p)) throw new LoadError(`design '${d.name}' expects a verdict for unknown property '${p}'`);
    r = { designs, properties };
    cache.set(key, r);
  }
  return r;
}
