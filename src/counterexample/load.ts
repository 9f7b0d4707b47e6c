/**
 * The one loader for trace files, shared by `replay`, `explain`, `resave` and the report: it reads,
 * parses and validates a file completely before anything runs, and every problem is an InputError of
 * one line naming the file (exit 2). Stages, each bounded so no input can hang or overflow the stack:
 * 1. bytes: a regular file (a FIFO or /dev/zero would block), at most MAX_TRACE_BYTES, UTF-8 without a
 *    byte-order mark (a UTF-16 file is named as such);
 * 2. text: strict JSON (RFC 8259) with a nesting limit and no duplicate keys (JSON.parse keeps the last
 *    one silently, so two `design` keys could show one design and replay another);
 * 3. shape: a zod schema of the ITF file fencecheck writes (strict: an unknown key is an error), with
 *    bounded strings, arrays and numbers, and the states consistent with `#meta.actions`;
 * 4. names: the design, property, config and every step exist now, and the recorded config values have
 *    the shape of the design's current config, with numbers bounded by it.
 */
import { readFileSync, statSync } from 'node:fs';
import { z } from 'zod';
import type { Design } from '../../models/design.ts';
import type { Json } from '../../models/world.ts';
import type { Property } from '../../properties/property.ts';
import { InputError } from '../errors.ts';
import { registry } from '../registry.ts';
import { decodeTrace, fromItfValue, ITF_VARS, type TraceFile } from './itf.ts';

const MAX_TRACE_BYTES = 32 * 2 ** 20;
/** Deepest nesting a trace needs is about 12 (world > object > context > list > ITF value); 64 is ample. */
const MAX_DEPTH = 64;
const MAX_ACTIONS = 10_000;

class Bad extends Error {}

// ---- 2. strict JSON ----

/** JSON.parse, strictly: a nesting limit, no duplicate or prototype-polluting keys, positions in errors. */
function parseStrictJson(text: string, maxDepth = MAX_DEPTH): unknown {
  let i = 0;
  const n = text.length;
  const where = () => {
    const before = text.slice(0, i);
    const line = before.split('\n').length;
    return `line ${line} column ${i - before.lastIndexOf('\n')}`;
  };
  const fail = (what: string): never => {
    throw new Bad(`not valid JSON: ${what} at ${where()}${i >= n ? ' (the file ends early: truncated?)' : ''}`);
  };
  const ws = () => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else break;
    }
  };
  const str = (): string => {
    i++; // opening quote
    let out = '';
    let start = i;
    while (true) {
      if (i >= n) fail('an unterminated string');
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        out += text.slice(start, i);
        i++;
        return out;
      }
      if (c < 0x20) fail(`a raw control character U+${c.toString(16).padStart(4, '0')} in a string`);
      if (c === 0x5c) {
        out += text.slice(start, i);
        const e = text[i + 1];
        const simple: Record<string, string> = {
          '"': '"',
          '\\': '\\',
          '/': '/',
          b: '\b',
          f: '\f',
          n: '\n',
          r: '\r',
          t: '\t',
        };
        if (e !== undefined && simple[e] !== undefined) {
          out += simple[e];
          i += 2;
        } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
          out += String.fromCharCode(Number.parseInt(text.slice(i + 2, i + 6), 16));
          i += 6;
        } else fail('a bad escape in a string');
        start = i;
      } else i++;
    }
  };
  const num = (): number => {
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) fail('an unexpected character');
    i += m![0].length;
    const v = Number(m![0]);
    if (!Number.isFinite(v)) fail(`a number out of range (${m![0].slice(0, 20)}...)`);
    return v;
  };
  const value = (depth: number): unknown => {
    ws();
    if (i >= n) fail('a value expected');
    const c = text[i];
    if (c === '{' || c === '[') {
      if (depth >= maxDepth) fail(`nesting deeper than ${maxDepth} levels`);
      i++;
      ws();
      if (c === '[') {
        const arr: unknown[] = [];
        if (text[i] === ']') {
          i++;
          return arr;
        }
        while (true) {
          arr.push(value(depth + 1));
          ws();
          if (text[i] === ',') {
            i++;
            continue;
          }
          if (text[i] === ']') {
            i++;
            return arr;
          }
          fail("',' or ']' expected");
        }
      }
      const obj: Record<string, unknown> = {};
      if (text[i] === '}') {
        i++;
        return obj;
      }
      while (true) {
        ws();
        if (text[i] !== '"') fail('a key expected');
        const k = str();
        if (k === '__proto__' || k === 'constructor' || k === 'prototype') fail(`the key '${k}' (not allowed)`);
        if (Object.hasOwn(obj, k)) fail(`a duplicate key '${k.slice(0, 40)}'`);
        ws();
        if (text[i] !== ':') fail("':' expected");
        i++;
        obj[k] = value(depth + 1);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return obj;
        }
        fail("',' or '}' expected");
      }
    }
    if (c === '"') return str();
    if (text.startsWith('true', i)) {
      i += 4;
      return true;
    }
    if (text.startsWith('false', i)) {
      i += 5;
      return false;
    }
    if (text.startsWith('null', i)) {
      i += 4;
      return null;
    }
    return num();
  };
  const v = value(0);
  ws();
  if (i < n) fail('text after the JSON value');
  return v;
}

// ---- 3. the schema ----

const name = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be a lower-case name (a-z, 0-9, -)');
const configName = z.string().regex(/^[A-Za-z0-9][\w-]{0,63}$/, 'must be a config name');
const stepName = z.string().regex(/^[A-Za-z_][\w.:-]{0,127}$/, 'must be a step name');
const text = (max: number) => z.string().max(max);
const safeInt = z.int();
/** A step argument as the step tables produce them: an id or label, a small integer, a flag. */
const arg = z.union([text(256), safeInt, z.boolean()], {
  error: 'a step argument must be a string, an integer or a boolean',
});

type Expr = string | boolean | number | Expr[] | { [k: string]: Expr };
/**
 * An ITF expression as encodeTrace writes it (toItfValue): integers as #bigint, null as the variant
 * {tag: "None", value: {}}; traces written before it may hold {"#unserializable": ...}, still read.
 */
const itfExpr: z.ZodType<Expr> = z.lazy(() =>
  z.union(
    [
      text(4096),
      z.boolean(),
      safeInt,
      z.strictObject({ '#bigint': z.string().regex(/^-?\d{1,16}$/, 'must be a decimal integer of at most 16 digits') }),
      z.strictObject({ '#unserializable': text(64) }),
      z.array(itfExpr).max(4096),
      z.record(z.string().regex(/^[^#]/).max(256), itfExpr),
    ],
    { error: 'not an ITF value fencecheck writes' },
  ),
);

/** Plain JSON for config values (they are stored as the design wrote them, not as ITF). */
const plainJson: z.ZodType<Json> = z.lazy(() =>
  z.union(
    [
      z.null(),
      text(1024),
      z.boolean(),
      z.number(),
      z.array(plainJson).max(1024),
      z.record(z.string().max(256), plainJson),
    ],
    { error: 'not a JSON config value' },
  ),
);

const recordKey = z.string().regex(/^[^#]/, "a record key must not start with '#'").max(256);
const worldObject = z.strictObject({ kind: text(256), value: text(1024), context: z.record(recordKey, itfExpr) });

const action = z.strictObject({ step: stepName, args: z.array(arg).max(16), label: text(1024).optional() });

const meta = z.strictObject({
  format: z.literal('ITF'),
  'format-description': text(256),
  source: z.literal('fencecheck', { error: "must be 'fencecheck'" }),
  status: z.literal('violation'),
  description: text(8192),
  design: name,
  config: configName,
  configValues: z.record(z.string().max(256), plainJson, { error: 'must be an object of config values' }),
  property: name,
  expect: z.enum(['holds', 'violates']),
  engine: z.enum(['random', 'exhaustive']),
  seed: z
    .int()
    .min(0)
    .max(2 ** 32 - 1)
    .nullable(),
  path: z
    .string()
    .regex(/^[0-9:]{0,4096}$/, 'must be a fast-check path (digits and colons)')
    .nullable(),
  modelDigest: z.string().regex(/^[0-9a-f]{16}$/, 'must be 16 hex digits'),
  violation: text(4096).min(1),
  actions: z.array(action).max(MAX_ACTIONS),
  drain: z.array(text(1024)).max(MAX_ACTIONS).optional(),
  /** A lasso's cycle starts at this action (traces without it are finite). */
  loop: z.int().min(0).max(MAX_ACTIONS).optional(),
});

const state = z.strictObject({
  '#meta': z.strictObject({ index: z.int().min(0) }),
  world: z.record(recordKey.min(1), worldObject),
  'mbt::actionTaken': text(256),
  'mbt::nondetPicks': z.record(
    z.string().regex(/^arg\d{1,2}$/),
    z.strictObject({ tag: z.literal('Some'), value: itfExpr }),
  ),
});

const traceSchema = z
  .strictObject({
    '#meta': meta,
    vars: z.array(z.string()).refine((v) => v.length === ITF_VARS.length && ITF_VARS.every((x, i) => v[i] === x), {
      error: `must be ${JSON.stringify(ITF_VARS)}`,
    }),
    states: z
      .array(state)
      .min(1)
      .max(MAX_ACTIONS + 1),
  })
  .superRefine((t, ctx) => {
    const acts = t['#meta'].actions;
    const loop = t['#meta'].loop;
    if (loop !== undefined && loop >= acts.length)
      ctx.addIssue({
        code: 'custom',
        path: ['#meta', 'loop'],
        message: `the cycle starts at action ${loop}, but the trace has ${acts.length} actions`,
      });
    if (t.states.length !== acts.length + 1) {
      const why = t.states.length < acts.length + 1 ? 'truncated?' : 'states added?';
      ctx.addIssue({
        code: 'custom',
        path: ['states'],
        message: `${t.states.length} states for ${acts.length} actions (expected ${acts.length + 1}): ${why}`,
      });
      return;
    }
    t.states.forEach((s, i) => {
      const a = i === 0 ? null : acts[i - 1];
      const at = (k: string, message: string) => ctx.addIssue({ code: 'custom', path: ['states', i, k], message });
      if (s['#meta'].index !== i) at('#meta', `index ${s['#meta'].index} at position ${i}`);
      if (s['mbt::actionTaken'] !== (a ? a.step : 'init'))
        at('mbt::actionTaken', `'${s['mbt::actionTaken']}' but #meta.actions says '${a ? a.step : 'init'}'`);
      const picks = Object.keys(s['mbt::nondetPicks'])
        .sort()
        .map((k) => fromItfValue(s['mbt::nondetPicks'][k].value as Json));
      if (JSON.stringify(picks) !== JSON.stringify(a ? a.args : []))
        at('mbt::nondetPicks', `disagree with the arguments in #meta.actions[${i - 1}]`);
    });
  });

function pathOf(p: readonly PropertyKey[]): string {
  let s = '';
  for (const k of p) s += typeof k === 'number' ? `[${k}]` : s ? `.${String(k)}` : String(k);
  return s || 'the top level';
}

/** Stage 3 on parsed JSON: the ITF shape, then decoded. Throws Bad with one sentence. */
function validate(j: unknown): TraceFile {
  if (!j || typeof j !== 'object' || Array.isArray(j))
    throw new Bad('not an ITF trace: the top level is not a JSON object');
  const o = j as Record<string, unknown>;
  const m = o['#meta'];
  if (!m || typeof m !== 'object' || Array.isArray(m))
    throw new Bad("no '#meta' object: this ITF trace was not written by fencecheck");
  if (!Array.isArray(o.vars) || !o.vars.every((v) => typeof v === 'string'))
    throw new Bad("not an ITF trace: 'vars' must be an array of strings");
  if (!Array.isArray(o.states)) throw new Bad("not an ITF trace: 'states' must be an array");
  const r = traceSchema.safeParse(j);
  if (!r.success) {
    const is = r.error.issues[0];
    const more =
      r.error.issues.length > 1
        ? ` (and ${r.error.issues.length - 1} more problem${r.error.issues.length > 2 ? 's' : ''})`
        : '';
    if (is.code === 'invalid_type') {
      const got = /received (\w+)/.exec(is.message)?.[1] ?? 'something else';
      const an = (x: string) => (/^[aeiou]/.test(x) ? `an ${x}` : `a ${x}`);
      const what = an(String(is.expected));
      throw new Bad(
        got === 'undefined'
          ? `'${pathOf(is.path)}' is missing (${what})${more}`
          : `'${pathOf(is.path)}' must be ${what}, not ${an(got)}${more}`,
      );
    }
    throw new Bad(`'${pathOf(is.path)}': ${is.message.slice(0, 300)}${more}`);
  }
  return decodeTrace(r.data);
}

// ---- 1 to 3: a file to a TraceFile ----

/** Read, parse and validate the shape of a trace file (no registry needed). InputError naming the file. */
export function readTrace(file: string): TraceFile {
  try {
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(file);
    } catch (e) {
      throw new Bad(`cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    if (!st.isFile()) throw new Bad(`cannot read: not a regular file${st.isDirectory() ? ' (a directory)' : ''}`);
    if (st.size > MAX_TRACE_BYTES)
      throw new Bad(`${st.size} bytes is more than a trace file may hold (${MAX_TRACE_BYTES})`);
    let buf: Buffer;
    try {
      buf = readFileSync(file);
    } catch (e) {
      throw new Bad(`cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    if (buf.length === 0) throw new Bad('the file is empty (truncated?)');
    if ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff))
      throw new Bad('UTF-16 text (a byte-order mark); trace files are UTF-8');
    if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf)
      throw new Bad('starts with a UTF-8 byte-order mark; trace files have none');
    if (buf.includes(0)) throw new Bad('contains NUL bytes: UTF-16 or binary, not a UTF-8 trace file');
    let s: string;
    try {
      s = new TextDecoder('utf-8', { fatal: true }).decode(buf);
    } catch {
      throw new Bad('not UTF-8 text');
    }
    return validate(parseStrictJson(s));
  } catch (e) {
    if (e instanceof Bad) throw new InputError(`${file}: ${e.message}`);
    throw e;
  }
}

// ---- 4. names and config ----

/** Where designs and properties are looked up (the registry by default; tests pass their own). */
export interface Lookup {
  designs: Map<string, Design>;
  properties: Map<string, Property>;
}

export interface LoadedTrace {
  file: string;
  trace: TraceFile;
  design: Design;
  property: Property;
  /** The design's CURRENT values of the trace's named config: what replay and explain run. */
  cfg: unknown;
  /** How the recorded config values differ from the current ones (null: they are the same). */
  configDiff: string | null;
}

const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/**
 * Problems of recorded config values against the current ones (same keys, same JSON types; numbers
 * integral where the current one is, within max(64, 16x the current magnitude)), or null.
 */
function configShapeError(rec: Json, cur: unknown, at = 'configValues'): string | null {
  const t = typeOf(cur);
  if (typeOf(rec) !== t) return `'${at}' is ${typeOf(rec)} where the design's config has ${t}`;
  if (typeof cur === 'number' && typeof rec === 'number') {
    if (Number.isInteger(cur) && !Number.isInteger(rec)) return `'${at}' is ${rec}, not an integer`;
    const bound = Math.max(64, 16 * Math.abs(cur));
    if (Math.abs(rec) > bound) return `'${at}' is ${rec}, out of bounds (|x| <= ${bound} for this design)`;
    return null;
  }
  if (Array.isArray(cur) && Array.isArray(rec)) {
    const bound = Math.max(64, 16 * cur.length);
    if (rec.length > bound) return `'${at}' has ${rec.length} entries, more than ${bound}`;
    if (!cur.length) return null;
    for (const [i, x] of rec.entries()) {
      // an entry must fit one of the current entries' shapes (scripts mix op kinds)
      const errs = cur.map((c) => configShapeError(x, c, `${at}[${i}]`));
      if (errs.every((e) => e !== null)) return errs[Math.min(i, errs.length - 1)];
    }
    return null;
  }
  if (t === 'object' && rec && typeof rec === 'object' && !Array.isArray(rec)) {
    const c = cur as Record<string, unknown>;
    for (const k of Object.keys(rec))
      if (!Object.hasOwn(c, k)) return `'${at}.${k}' is not a field of the design's config`;
    for (const k of Object.keys(c)) {
      if (!Object.hasOwn(rec, k)) return `'${at}.${k}' is missing`;
      const e = configShapeError(rec[k], c[k], `${at}.${k}`);
      if (e) return e;
    }
  }
  return null;
}

/** Where two config values differ, as 'timeout: false -> true' (the first few differences). */
function configDifference(rec: Json, cur: unknown): string | null {
  const out: string[] = [];
  const walk = (a: unknown, b: unknown, at: string) => {
    if (JSON.stringify(a) === JSON.stringify(b)) return;
    if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
      for (const k of Object.keys(b))
        walk((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], at ? `${at}.${k}` : k);
    } else out.push(`${at || 'config'}: ${JSON.stringify(a)?.slice(0, 60)} -> ${JSON.stringify(b)?.slice(0, 60)}`);
  };
  walk(rec, cur, '');
  return out.length ? out.slice(0, 4).join(', ') + (out.length > 4 ? ', ...' : '') : null;
}

/** Check a decoded trace against the designs and properties there are now (stage 4). */
function resolveTrace(file: string, t: TraceFile, lookup: Lookup): LoadedTrace {
  const bad = (msg: string): never => {
    throw new InputError(`${file}: ${msg}`);
  };
  const { designs, properties } = lookup;
  const m = t.meta;
  const d =
    designs.get(m.design) ??
    bad(`unknown design '${m.design}' (renamed or removed?); known: ${[...designs.keys()].join(', ')}`);
  const p =
    properties.get(m.property) ?? bad(`unknown property '${m.property}'; known: ${[...properties.keys()].join(', ')}`);
  for (const [i, a] of m.actions.entries())
    if (!Object.hasOwn(d.steps, a.step)) bad(`step ${i + 1} names unknown action '${a.step}' of design '${d.name}'`);
  if (!Object.hasOwn(d.configs, m.config))
    bad(`design '${d.name}' has no config '${m.config}'; it has: ${Object.keys(d.configs).join(', ')}`);
  const cfg = d.configs[m.config];
  const shape = configShapeError(m.configValues, cfg);
  if (shape) bad(`${shape} (config '${m.config}' of design '${d.name}')`);
  return { file, trace: t, design: d, property: p, cfg, configDiff: configDifference(m.configValues, cfg) };
}

/** The loader: a file, validated completely, resolved against the current designs. */
export async function loadTrace(file: string, lookup?: Lookup): Promise<LoadedTrace> {
  const t = readTrace(file);
  return resolveTrace(file, t, lookup ?? (await registry()));
}
