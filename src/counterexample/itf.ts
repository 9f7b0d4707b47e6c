/**
 * Counterexample files: ITF JSON (ADR-015; shared/reference/tooling.md §6.3), so Quint's and
 * Apalache's trace tools can read them. Pure encode/decode; the store does the I/O.
 *
 * vars: `world` (object id -> {kind, value, context}), `mbt::actionTaken`, `mbt::nondetPicks`.
 * `#meta` carries what replay needs: design, config, property, expectation, the actions by name and
 * arguments, the engine and seed that found it, and the model digest.
 */
import type { Json } from '../../models/world.ts';
import type { TraceStep } from '../explore/trace.ts';

export interface TraceMeta {
  design: string;
  config: string;
  configValues: Json;
  property: string;
  /** The design's expected verdict for the property when the trace was saved. */
  expect: 'holds' | 'violates';
  engine: 'random' | 'exhaustive';
  seed: number | null;
  path: string | null;
  modelDigest: string;
  violation: string;
  actions: TraceStep[];
  drain?: string[];
}

export interface TraceFile {
  meta: TraceMeta;
  /** World images before the first action and after each one. */
  states: Json[];
}

/**
 * JSON <-> ITF expressions, strictly (ADR-015): ITF has strings, booleans, integers, lists, records,
 * #tup, #set, #map and #unserializable, and nothing else. Integers are written {"#bigint": "..."} (both
 * forms are accepted on read); a `null` in a context (an unset callback) or a non-integer number has no
 * ITF form and is written {"#unserializable": "null" | "<number>"}, and read back exactly.
 */
export function toItfValue(v: Json): Json {
  if (v === null) return { '#unserializable': 'null' };
  if (typeof v === 'number')
    return Number.isInteger(v) ? { '#bigint': BigInt(v).toString() } : { '#unserializable': String(v) };
  if (Array.isArray(v)) return v.map(toItfValue);
  if (typeof v === 'object') {
    const o: Record<string, Json> = {};
    for (const k of Object.keys(v)) o[k] = toItfValue(v[k]);
    return o;
  }
  return v;
}

export function fromItfValue(v: Json): Json {
  if (Array.isArray(v)) return v.map(fromItfValue);
  if (v && typeof v === 'object') {
    const keys = Object.keys(v);
    if (keys.length === 1 && keys[0] === '#bigint') return Number((v as { '#bigint': string })['#bigint']);
    if (keys.length === 1 && keys[0] === '#unserializable') {
      const s = (v as { '#unserializable': Json })['#unserializable'];
      if (s === 'null') return null;
      if (typeof s === 'string' && s.trim() !== '' && Number.isFinite(Number(s))) return Number(s);
      return v;
    }
    const o: Record<string, Json> = {};
    for (const k of keys) o[k] = fromItfValue(v[k]);
    return o;
  }
  return v;
}

export const ITF_VARS = ['world', 'mbt::actionTaken', 'mbt::nondetPicks'];

export function encodeTrace(t: TraceFile): Json {
  const m = t.meta;
  return {
    '#meta': {
      format: 'ITF',
      'format-description': 'https://apalache-mc.org/docs/adr/015adr-trace.html',
      source: 'fencecheck',
      status: 'violation',
      description: `${m.design} / ${m.property}: ${m.violation}`,
      design: m.design,
      config: m.config,
      configValues: m.configValues,
      property: m.property,
      expect: m.expect,
      engine: m.engine,
      seed: m.seed,
      path: m.path,
      modelDigest: m.modelDigest,
      violation: m.violation,
      actions: m.actions as unknown as Json,
      ...(m.drain ? { drain: m.drain } : {}),
    },
    vars: ITF_VARS,
    states: t.states.map((world, i) => {
      const a = i === 0 ? null : m.actions[i - 1];
      const picks: Record<string, Json> = {};
      a?.args.forEach((x, j) => {
        picks[`arg${j}`] = { tag: 'Some', value: toItfValue(x) };
      });
      return {
        '#meta': { index: i },
        world: toItfValue(world),
        'mbt::actionTaken': a ? a.step : 'init',
        'mbt::nondetPicks': picks,
      };
    }),
  };
}

class TraceFormatError extends Error {}

const isObj = (x: unknown): x is Record<string, any> => !!x && typeof x === 'object' && !Array.isArray(x);

/** Decode and validate; throws TraceFormatError with one clear sentence. */
export function decodeTrace(j: unknown): TraceFile {
  const bad = (msg: string): never => {
    throw new TraceFormatError(msg);
  };
  if (!isObj(j)) bad('not an ITF trace: the top level is not a JSON object');
  const o = j as Record<string, any>;
  if (!Array.isArray(o.vars) || !o.vars.every((v: unknown) => typeof v === 'string'))
    bad("not an ITF trace: 'vars' must be an array of strings");
  if (!Array.isArray(o.states)) bad("not an ITF trace: 'states' must be an array");
  o.states.forEach((s: unknown, i: number) => {
    if (!isObj(s)) bad(`not an ITF trace: state ${i} is not an object`);
    for (const v of o.vars) if (!(v in (s as object))) bad(`not an ITF trace: state ${i} lacks var '${v}'`);
  });
  const m = o['#meta'];
  if (!isObj(m)) bad("no '#meta' object: this ITF trace was not written by fencecheck");
  for (const k of ['design', 'config', 'property', 'violation'] as const)
    if (typeof m[k] !== 'string') bad(`'#meta.${k}' must be a string`);
  if (m.expect !== 'holds' && m.expect !== 'violates') bad("'#meta.expect' must be 'holds' or 'violates'");
  if (m.engine !== 'random' && m.engine !== 'exhaustive') bad("'#meta.engine' must be 'random' or 'exhaustive'");
  if (!Array.isArray(m.actions)) bad("'#meta.actions' must be an array");
  m.actions.forEach((a: any, i: number) => {
    if (!isObj(a) || typeof a.step !== 'string' || !Array.isArray(a.args))
      bad(`'#meta.actions[${i}]' must be {step: string, args: array}`);
  });
  if (o.states.length !== m.actions.length + 1)
    bad(
      `trace has ${o.states.length} states for ${m.actions.length} actions (expected ${m.actions.length + 1}): ` +
        `truncated?`,
    );
  return {
    meta: {
      design: m.design,
      config: m.config,
      configValues: m.configValues ?? null,
      property: m.property,
      expect: m.expect,
      engine: m.engine,
      seed: typeof m.seed === 'number' ? m.seed : null,
      path: typeof m.path === 'string' ? m.path : null,
      modelDigest: typeof m.modelDigest === 'string' ? m.modelDigest : '',
      violation: m.violation,
      actions: m.actions.map((a: any) => ({
        step: a.step,
        args: a.args,
        label: typeof a.label === 'string' ? a.label : a.step,
      })),
      drain: Array.isArray(m.drain) ? m.drain : undefined,
    },
    states: o.states.map((s: any) => fromItfValue(s.world)),
  };
}
