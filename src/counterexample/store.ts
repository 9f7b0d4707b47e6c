/**
 * The counterexample store: counterexamples/<design>/<property>.<digest>.itf.json, where digest is a
 * hash of the action list, so the same trace always lands in the same file and two different traces
 * never share one. Writes are atomic (temp file + link) and never replace an existing file.
 */
import {
  mkdirSync,
  writeFileSync,
  linkSync,
  unlinkSync,
  readFileSync,
  existsSync,
  readdirSync,
  renameSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { createHash } from 'node:crypto';
import { encodeTrace, type TraceFile } from './itf.ts';
import { COUNTEREXAMPLES_DIR, ROOT } from '../registry.ts';

export function traceFileName(t: TraceFile): string {
  const h = createHash('sha256')
    .update(JSON.stringify(t.meta.actions.map((a) => [a.step, a.args])))
    .digest('hex')
    .slice(0, 10);
  return join(t.meta.design, `${t.meta.property}.${h}.itf.json`);
}

/** Save `t`; returns the path relative to the project root, and whether a new file was written. */
export function saveTrace(t: TraceFile, dir = COUNTEREXAMPLES_DIR): { path: string; written: boolean } {
  const rel = traceFileName(t);
  const file = join(dir, rel);
  mkdirSync(join(dir, t.meta.design), { recursive: true });
  const text = traceText(t);
  if (existsSync(file)) return { path: relative(ROOT, file), written: false };
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  try {
    linkSync(tmp, file); // fails with EEXIST rather than replace a trace written meanwhile
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    return { path: relative(ROOT, file), written: false };
  } finally {
    unlinkSync(tmp);
  }
  return { path: relative(ROOT, file), written: true };
}

/**
 * Rewrite the trace file `file` with `t` (resave), atomically: a temp file renamed over it, and only if
 * the file still holds `old` (what the caller read), so a trace written meanwhile is never clobbered.
 * Returns false, leaving everything as it was, when the file changed in between.
 */
export function replaceTrace(file: string, t: TraceFile, old: string): boolean {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, traceText(t), { flag: 'wx' });
  try {
    if (readFileSync(file, 'utf8') !== old) return false;
    renameSync(tmp, file);
    return true;
  } finally {
    if (existsSync(tmp)) unlinkSync(tmp);
  }
}

/** A trace file's exact text, as saveTrace writes it. */
export function traceText(t: TraceFile): string {
  return `${JSON.stringify(encodeTrace(t), null, 2)}\n`;
}

/** Every saved trace, sorted, as paths relative to `dir`. */
export function listTraces(dir = COUNTEREXAMPLES_DIR): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.itf.json')) out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}
