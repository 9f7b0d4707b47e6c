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
  /** A lasso: actions[loop..] repeat forever (they return to the state after actions[loop - 1]). */
  loop?: number;
}

export interface TraceFile {
  meta: TraceMeta;
  /** World images before the first action and after each one. */
  states: Json[];
}

/**
 * JSON <-> ITF expressions, strictly (ADR-015), in values Quint's own reader (`ofItfNormalized`) parses
 * and writes back unchanged: strings, booleans, lists and records as themselves, integers as
 * {"#bigint": "..."} (plain numbers are accepted on read). What JSON has and ITF lacks becomes a variant,
 * {"tag": L, "value": V}, which ofItf reads as a Quint sum-type value:
 * - `null` (an unset callback, no current frame) is {"tag": "None", "value": {}}, Option's None with an
 *   empty record for its unit payload (Quint writes {"#tup": []} there, also read; the trace schema in
 *   load.ts takes no '#' key but #bigint);
 * - a non-integer number is {"tag": "Float", "value": "<String(n)>"}.
 * A record that would read as a variant (keys {tag} or {tag, value}) gets its 'tag' key written '~tag',
 * and a key starting with '#', '__' (Quint drops those) or '~' gets one more '~'; the reader strips one.
 * So decoding is exact: fromItfValue(toItfValue(v)) deep-equals v for every JSON value. The encoding
 * before this one wrote {"#unserializable": "null" | "<number>"}, which Quint rejects; still read.
 */
const NONE: Json = { tag: 'None', value: {} };

const escapeKey = (k: string, variantLike: boolean): string =>
  /^(#|__|~)/.test(k) || (variantLike && k === 'tag') ? `~${k}` : k;

const isVariantLike = (keys: string[]): boolean =>
  keys.includes('tag') && keys.every((k) => k === 'tag' || k === 'value');

export function toItfValue(v: Json): Json {
  if (v === null) return NONE;
  if (typeof v === 'number')
    return Number.isInteger(v) ? { '#bigint': BigInt(v).toString() } : { tag: 'Float', value: String(v) };
  if (Array.isArray(v)) return v.map(toItfValue);
  if (typeof v === 'object') {
    const keys = Object.keys(v);
    const vl = isVariantLike(keys);
    // fromEntries, not assignment: a '__proto__' key stays an own property
    return Object.fromEntries(keys.map((k) => [escapeKey(k, vl), toItfValue(v[k])]));
  }
  return v;
}

const isEmptyObj = (x: unknown): boolean =>
  !!x && typeof x === 'object' && !Array.isArray(x) && Object.keys(x).length === 0;
const isUnit = (x: unknown): boolean => {
  if (isEmptyObj(x)) return true;
  if (!x || typeof x !== 'object' || Array.isArray(x)) return false;
  const t = (x as Record<string, unknown>)['#tup'];
  return Object.keys(x).length === 1 && Array.isArray(t) && t.length === 0;
};

export function fromItfValue(v: Json): Json {
  if (Array.isArray(v)) return v.map(fromItfValue);
  if (v && typeof v === 'object') {
    const keys = Object.keys(v);
    if (keys.length === 1 && keys[0] === '#bigint') return Number((v as { '#bigint': string })['#bigint']);
    if (keys.length === 1 && keys[0] === '#unserializable') {
      // the encoding before Quint-readable values
      const s = (v as { '#unserializable': Json })['#unserializable'];
      if (s === 'null') return null;
      if (typeof s === 'string' && s.trim() !== '' && Number.isFinite(Number(s))) return Number(s);
      return v;
    }
    if (keys.length === 2 && isVariantLike(keys)) {
      const { tag, value } = v as { tag: Json; value: Json };
      if (tag === 'None' && isUnit(value)) return null;
      if (tag === 'Float' && typeof value === 'string' && Number.isFinite(Number(value))) return Number(value);
    }
    return Object.fromEntries(keys.map((k) => [k.startsWith('~') ? k.slice(1) : k, fromItfValue(v[k])]));
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
      ...(m.loop === undefined ? {} : { loop: m.loop }),
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
  if (m.loop !== undefined && !(Number.isInteger(m.loop) && m.loop >= 0 && m.loop < m.actions.length))
    bad("'#meta.loop' must be the index of an action of the trace (where its cycle starts)");
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
      ...(Number.isInteger(m.loop) ? { loop: m.loop as number } : {}),
    },
    states: o.states.map((s: any) => fromItfValue(s.world)),
  };
}
