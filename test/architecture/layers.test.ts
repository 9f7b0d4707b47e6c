/**
 * The import arrows point one way (shared/design/architecture.md): src -> properties -> models, and
 * inside models/ a subsystem imports only the subsystems below it, as in the kernel (display uses
 * dma-buf and drm-syncobj; drm-sched uses dma-buf; dma-buf uses nothing). Biome reports file-level
 * import cycles; this test states the layer order, so a folder-level cycle (two subsystems importing
 * each other through different files) fails too.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ROOT } from '../../src/registry.ts';

/** Lowest first: a folder may import only folders strictly before it (and its own files). */
const LAYERS = [
  'core', // models/world.ts, design.ts, view.ts, metrics.ts: no subsystem knowledge
  'dma-buf',
  'kernel',
  'gpu',
  'drm-syncobj',
  'ttm',
  'drm-sched',
  'userq',
  'io-uring',
  'display',
  'media', // models/media: a V4L2 encoder (dma-buf importer, R62)
  'userspace',
  'uapi',
  'reference',
  'designs',
];

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...tsFiles(p));
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** [file, imported file] for every relative import, paths relative to the project root. */
function imports(top: string): [string, string][] {
  const out: [string, string][] = [];
  for (const f of tsFiles(join(ROOT, top))) {
    const src = readFileSync(f, 'utf8');
    for (const m of src.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+['"](\.[^'"]+)['"]/gm))
      out.push([relative(ROOT, f), relative(ROOT, resolve(dirname(f), m[1]))]);
  }
  return out;
}

const layerOf = (p: string): string => {
  const parts = p.split('/');
  return parts.length > 2 ? parts[1] : 'core';
};

describe('import layers', () => {
  test('models/ never imports the engine, the properties or the tests', () => {
    const bad = imports('models').filter(([, t]) => !t.startsWith('models/'));
    expect(bad).toEqual([]);
  });

  test('properties/ never imports the engine', () => {
    const bad = imports('properties').filter(([, t]) => t.startsWith('src/') || t.startsWith('test/'));
    expect(bad).toEqual([]);
  });

  test('src/ never imports the tests', () => {
    expect(imports('src').filter(([, t]) => t.startsWith('test/'))).toEqual([]);
  });

  test('every models/ folder is in the layer order', () => {
    const folders = readdirSync(join(ROOT, 'models'), { withFileTypes: true }).filter((e) => e.isDirectory());
    expect(folders.map((e) => e.name).filter((n) => !LAYERS.includes(n))).toEqual([]);
  });

  test('a subsystem imports only subsystems below it', () => {
    const bad = imports('models')
      .filter(([f, t]) => {
        const a = LAYERS.indexOf(layerOf(f));
        const b = LAYERS.indexOf(layerOf(t));
        return a !== b && b > a;
      })
      .map(([f, t]) => `${f} -> ${t}`);
    expect(bad).toEqual([]);
  });
});
