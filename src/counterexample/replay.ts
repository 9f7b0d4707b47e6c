/**
 * Replay a saved trace against the design as it is now: the actions, by name and arguments, from the
 * design's initial world under its CURRENT named config, and the recorded property must break again at
 * the end (a lasso, `#meta.loop`: its cycle returns to the loop state, is weakly fair, and keeps the
 * property's obligation unmet, src/explore/liveness.ts). It fails (exit 1) when an action is no longer enabled, the
 * outcome changed, the recorded
 * config values differ from the current ones (a divergence, never silently used), or the design no
 * longer expects the violation. Recorded world images and the model digest tell "the model drifted"
 * apart from "fixed". Malformed files never get this far: the loader (load.ts) rejects them.
 */
import type { Design } from '../../models/design.ts';
import type { Json, World } from '../../models/world.ts';
import { worldImage } from '../../models/world.ts';
import { Checker } from '../check.ts';
import { enabledActions, findAction, type Action } from '../world/steps.ts';
import type { TraceFile } from './itf.ts';
import type { Property } from '../../properties/property.ts';
import { loadTrace, readTrace, type LoadedTrace } from './load.ts';
import { traceDigest } from './digest.ts';
import { judgeLasso } from '../explore/liveness.ts';
import { judgeDrainPath } from '../explore/drain-path.ts';

export interface ReplayResult {
  file: string;
  ok: boolean;
  /** One line: what reproduced, or where and why the replay diverged. */
  message: string;
  trace?: TraceFile;
  /** The design still expects this property to be violated. */
  expected?: boolean;
  /** First step whose world differs from the recording (-1: none). */
  driftAt: number;
  digestChanged: boolean;
  /** The recorded config values differ from the design's current config (a divergence). */
  configDiff?: string | null;
}

export { InputError } from '../errors.ts';

/** Read and validate a trace file (shape only); InputError with one line naming the file on any problem. */
export function loadTraceFile(file: string): TraceFile {
  return readTrace(file);
}

/** The config a trace runs under: the design's current values of the trace's named config. */
export function configOf(d: Design, t: TraceFile): unknown {
  return d.configs[t.meta.config];
}

export async function replayFile(file: string): Promise<ReplayResult> {
  return replayLoaded(await loadTrace(file));
}

/** What the design expects for the trace's property now, against what it expected when saved. */
export function expectationDrift(d: Design, t: TraceFile): string | null {
  const now = d.expect[t.meta.property]?.verdict;
  if (now === 'violates') return null;
  const then = `when saved it expected '${t.meta.expect}'`;
  return (
    `design '${d.name}' now ${now ? `expects '${now}'` : 'declares no expectation'} for '${t.meta.property}'; ` +
    `${then}`
  );
}

/** Replay a trace the loader resolved (what `replayFile` does after loading). */
export function replayLoaded(l: LoadedTrace): ReplayResult {
  const r = replayTrace(l.file, l.design, l.property, l.trace);
  const problems = [
    l.configDiff ? `config '${l.trace.meta.config}' differs from the recorded values (${l.configDiff})` : '',
    expectationDrift(l.design, l.trace) ?? '',
  ].filter(Boolean);
  if (!problems.length) return { ...r, configDiff: null };
  // The replay still ran (under the current config), and its outcome is reported after the divergence.
  return {
    ...r,
    ok: false,
    configDiff: l.configDiff,
    message: `diverged: ${problems.join('; ')}; under the current design: ${r.message}`,
  };
}

const same = (a: Json, b: Json) => JSON.stringify(a) === JSON.stringify(b);

function replayTrace(file: string, d: Design, prop: Property, t: TraceFile): ReplayResult {
  const cfg = configOf(d, t);
  const digestChanged = t.meta.modelDigest !== traceDigest(d, cfg, prop.name, t.meta.actions);
  const base = { file, trace: t, expected: d.expect[t.meta.property]?.verdict === 'violates', digestChanged };
  let w: World = d.init(cfg);
  let driftAt = same(worldImage(w) as Json, t.states[0]) ? -1 : 0;
  const w0 = w;
  const acts: Action[] = [];
  for (const [i, a] of t.meta.actions.entries()) {
    const last = findAction(d, cfg, w, a.step, a.args);
    if (!last) {
      const en = enabledActions(d, cfg, w).map((x) => x.label);
      const drift = driftAt >= 0 ? ` (the model drifted from the recording at step ${driftAt})` : '';
      return {
        ...base,
        ok: false,
        driftAt,
        message: `step ${i + 1}: ${a.label} is not enabled${drift}; enabled: ${en.slice(0, 8).join(', ') || 'nothing'}`,
      };
    }
    acts.push(last);
    w = last.next;
    if (driftAt < 0 && t.states[i + 1] !== undefined && !same(worldImage(w) as Json, t.states[i + 1])) driftAt = i + 1;
  }
  return { ...base, ...judge(d, cfg, prop, t, w0, acts), driftAt };
}

/**
 * The property's finding at the end of the trace (null: it holds there), as the checker reports it.
 * `acts` are the trace's actions as taken from `w0`; a monitor is run along all of them (its state is
 * built by the whole trace), and its violation must be at the last step.
 */
export function findingAtEnd(d: Design, cfg: unknown, prop: Property, w0: World, acts: readonly Action[]) {
  const checker = new Checker(d, cfg, [prop]);
  if (prop.kind === 'monitor')
    return checker.monitorsAlong(w0, acts).find((f) => f.at === acts.length - 1)?.finding ?? null;
  const last = acts.at(-1);
  if (prop.kind === 'step') return last ? (checker.atStep(acts.at(-2)?.next ?? w0, last)[0] ?? null) : null;
  const f = checker.atState(last ? last.next : w0)[0] ?? null;
  if (f || prop.kind !== 'drain') return f;
  // a carried obligation's counterexample: the drain from a state of the trace's trailing drain steps,
  // along them, fails where they end (src/explore/liveness.ts)
  const m = judgeDrainPath(d, cfg, prop, w0, acts);
  return m ? { property: prop.name, message: m.message } : null;
}

function judge(d: Design, cfg: unknown, prop: Property, t: TraceFile, w0: World, acts: readonly Action[]) {
  if (t.meta.loop !== undefined) {
    // A lasso: the cycle must return to where it started, be weakly fair, and keep an obligation open.
    const r = judgeLasso(d, cfg, prop, w0, acts, t.meta.loop);
    return r.ok
      ? { ok: true, message: `reproduced (a lasso: steps ${t.meta.loop + 1}-${acts.length} repeat): ${r.message}` }
      : { ok: false, message: `outcome changed: the lasso no longer shows a violation: ${r.message}` };
  }
  const f = findingAtEnd(d, cfg, prop, w0, acts);
  if (f) return { ok: true, message: `reproduced: ${f.message}` };
  const n = t.meta.actions.length;
  return {
    ok: false,
    message: `outcome changed: '${t.meta.property}' holds at the end of the ${n}-step trace (was: ${t.meta.violation})`,
  };
}
