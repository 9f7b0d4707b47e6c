/**
 * Every machine in models/: discovered by importing each models/<subsystem>/*.ts and keeping the exports that are
 * xstate machines (like the registry discovers designs), so a new model file shows up in the report
 * and in docs/model.md without being registered anywhere.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AnyStateMachine } from 'xstate';
import { ROOT } from '../registry.ts';

export const MODELS_DIR = join(ROOT, 'models');

export interface MachineInfo {
  /** The machine's id (the kernel object kind: 'dma_fence', 'drm_sched_job'). */
  id: string;
  /** The exported name ('dmaFenceMachine'). */
  exportName: string;
  /** Path relative to the project root ('models/dma-buf/dma-fence.ts'). */
  file: string;
  /** The first line of the file's header comment. */
  title: string;
  machine: AnyStateMachine;
}

const isMachine = (x: unknown): x is AnyStateMachine =>
  !!x &&
  typeof x === 'object' &&
  typeof (x as any).transition === 'function' &&
  !!(x as any).root &&
  typeof (x as any).id === 'string';

/** The header doc comment of a source file, without the comment markers. */
export function headerComment(src: string): string {
  const m = /^\s*\/\*\*([\s\S]*?)\*\//.exec(src);
  if (!m) return '';
  return m[1]
    .split('\n')
    .map((l) => l.replace(/^\s*\* ?/, ''))
    .join('\n')
    .trim();
}

/** The model files below `dir` that may define machines: every subsystem folder, not designs or uapi. */
function modelFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (e.isDirectory()) {
      if (e.name !== 'designs' && e.name !== 'uapi') out.push(...modelFiles(join(dir, e.name)));
    } else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) out.push(join(dir, e.name));
  }
  return out;
}

export async function discoverMachines(dir = MODELS_DIR): Promise<MachineInfo[]> {
  const out: MachineInfo[] = [];
  const seen = new Set<string>();
  for (const path of modelFiles(dir)) {
    let mod: Record<string, unknown>;
    try {
      mod = await import(pathToFileURL(path).href);
    } catch (e) {
      throw new Error(`cannot load ${relative(ROOT, path)}: ${(e as Error).message}`);
    }
    const title = headerComment(readFileSync(path, 'utf8')).split('\n')[0] ?? '';
    for (const [name, v] of Object.entries(mod)) {
      // A machine built on first use is exported as its memoized builder (sync-file.ts, issue 14.7).
      const x = typeof v === 'function' && v.length === 0 && name.endsWith('Machine') ? v() : v;
      if (!isMachine(x) || seen.has(x.id)) continue;
      seen.add(x.id);
      out.push({ id: x.id, exportName: name, file: relative(ROOT, path), title, machine: x });
    }
  }
  return out.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.id < b.id ? -1 : 1));
}
