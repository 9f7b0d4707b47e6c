/**
 * Replay a saved trace: re-run its actions by name and arguments from the design's initial world and
 * check that the recorded property breaks again at the end. Divergence is reported with the step:
 * an action that is no longer enabled, an outcome that changed, or a design or property that no longer
 * exists. Recorded world images are compared too, so "the model drifted" is told apart from "fixed".
 */
import { readFileSync } from 'node:fs';
import type { Design } from '../../models/design.ts';
import type { Json, World } from '../../models/world.ts';
import { worldImage } from '../../models/world.ts';
import { registry, modelDigest } from '../registry.ts';
import { Checker } from '../check.ts';
import { enabledActions, findAction } from '../world/steps.ts';
import { decodeTrace, TraceFormatError, type TraceFile } from './itf.ts';
import type { Property } from '../../properties/property.ts';

export interface ReplayResult {
  file: string;
  ok: boolean;
  /** One line: what reproduced, or where and why the replay diverged. */
  message: string;
  trace?: TraceFile;
  /** The design still expects this property to be violated. */
  expected?: boolean;
  /** First step whose world differs from the recorded one (-1: none). */
  driftAt: number;
  digestChanged: boolean;
}

export { InputError } from '../errors.ts';
import { InputError } from '../errors.ts';

/** Read and decode a trace file; InputError with one line naming the file on any problem. */
export function loadTraceFile(file: string): TraceFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${file}: not valid JSON (${(e as Error).message}); truncated or corrupted?`);
  }
  try {
    return decodeTrace(j);
  } catch (e) {
    if (e instanceof TraceFormatError) throw new InputError(`${file}: ${e.message}`);
    throw e;
  }
}

export function configOf(d: Design, t: TraceFile): unknown {
  return t.meta.configValues ?? d.configs[t.meta.config];
}

export async function replayFile(file: string): Promise<ReplayResult> {
  const t = loadTraceFile(file);
  const { designs, properties } = await registry();
  const d = designs.get(t.meta.design);
  if (!d) throw new InputError(`${file}: unknown design '${t.meta.design}' (renamed or removed?); known: ${[...designs.keys()].join(', ')}`);
  const p = properties.get(t.meta.property);
  if (!p) throw new InputError(`${file}: unknown property '${t.meta.property}'; known: ${[...properties.keys()].join(', ')}`);
  for (const [i, a] of t.meta.actions.entries())
    if (!Object.hasOwn(d.steps, a.step)) throw new InputError(`${file}: step ${i + 1} names unknown action '${a.step}' of design '${d.name}'`);
  if (!t.meta.configValues && !d.configs[t.meta.config]) throw new InputError(`${file}: design '${d.name}' has no config '${t.meta.config}'`);
  return replayTrace(file, d, p, t);
}

const same = (a: Json, b: Json) => JSON.stringify(a) === JSON.stringify(b);

export function replayTrace(file: string, d: Design, prop: Property, t: TraceFile): ReplayResult {
  const cfg = configOf(d, t);
  const digestChanged = !!t.meta.modelDigest && t.meta.modelDigest !== modelDigest(d.name, prop.name);
  const base = { file, trace: t, expected: d.expect[t.meta.property]?.verdict === 'violates', digestChanged };
  let w: World = d.init(cfg);
  let driftAt = same(worldImage(w) as Json, t.states[0]) ? -1 : 0;
  let before = w;
  let last: ReturnType<typeof findAction>;
  for (const [i, a] of t.meta.actions.entries()) {
    last = findAction(d, cfg, w, a.step, a.args);
    if (!last) {
      const en = enabledActions(d, cfg, w).map((x) => x.label);
      return { ...base, ok: false, driftAt, message: `step ${i + 1}: ${a.label} is not enabled${driftAt >= 0 ? ` (the model drifted from the recording at step ${driftAt})` : ''}; enabled: ${en.slice(0, 8).join(', ') || 'nothing'}` };
    }
    before = w;
    w = last.next;
    if (driftAt < 0 && t.states[i + 1] !== undefined && !same(worldImage(w) as Json, t.states[i + 1])) driftAt = i + 1;
  }
  return { ...base, ...judge(d, cfg, prop, t, before, last, w), driftAt };
}

function judge(d: Design, cfg: unknown, prop: Property, t: TraceFile, before: World, last: ReturnType<typeof findAction>, w: World): { ok: boolean; message: string } {
  const checker = new Checker(d, cfg, [prop]);
  const f = prop.kind === 'step' ? (last ? checker.atStep(before, last) : []) : checker.atState(w);
  if (f.length) return { ok: true, message: `reproduced: ${f[0].message}` };
  return { ok: false, message: `outcome changed: '${t.meta.property}' holds at the end of the ${t.meta.actions.length}-step trace (was: ${t.meta.violation})` };
}
