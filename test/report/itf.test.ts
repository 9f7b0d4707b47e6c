/**
 * Counterexample files stay valid ITF (ADR-015, shared/reference/tooling.md §6.3), so Quint's and
 * Apalache's trace tools (and the Rust itf crate, itf-py) can read them: `vars` are strings, every state
 * has every var, `#meta` objects, integers as {"#bigint": "-?[0-9]+"} or safe plain numbers, and no
 * record key starting with '#' except the reserved ones. Plus: encodeTrace/decodeTrace round-trip over
 * random traces (a fast-check property, like fast-check's own ReplayPath spec).
 */
import { describe, expect, test } from 'vitest';
import { test as fcTest, fc } from '@fast-check/vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { listTraces } from '../../src/counterexample/store.ts';
import { COUNTEREXAMPLES_DIR } from '../../src/registry.ts';
import { encodeTrace, decodeTrace, type TraceFile } from '../../src/counterexample/itf.ts';
import type { Json } from '../../models/world.ts';
import { toItfValue as toItfValueStrict, fromItfValue as fromItfValueStrict } from '../../src/counterexample/itf.ts';

const RESERVED = new Set(['#meta', '#bigint', '#tup', '#set', '#map', '#unserializable']);

/** ITF shape errors of an expression at `path` (empty if valid). */
function itfExprErrors(v: unknown, path: string): string[] {
  if (v === null) return [`${path}: null is not an ITF value`];
  if (typeof v === 'string' || typeof v === 'boolean') return [];
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v)) return [];
    return [`${path}: ${v} is not an integer within ±(2^53-1) (write {"#bigint": ...})`];
  }
  if (Array.isArray(v)) return v.flatMap((x, i) => itfExprErrors(x, `${path}[${i}]`));
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1 && keys[0] === '#bigint')
      return typeof o['#bigint'] === 'string' && /^-?[0-9]+$/.test(o['#bigint'] as string)
        ? []
        : [`${path}: bad #bigint ${JSON.stringify(o['#bigint'])}`];
    if (keys.length === 1 && (keys[0] === '#tup' || keys[0] === '#set'))
      return Array.isArray(o[keys[0]])
        ? (o[keys[0]] as unknown[]).flatMap((x, i) => itfExprErrors(x, `${path}.${keys[0]}[${i}]`))
        : [`${path}: ${keys[0]} must hold an array`];
    if (keys.length === 1 && keys[0] === '#map')
      return Array.isArray(o['#map']) && (o['#map'] as unknown[]).every((p) => Array.isArray(p) && p.length === 2)
        ? (o['#map'] as unknown[][]).flatMap((p, i) => [
            ...itfExprErrors(p[0], `${path}.#map[${i}][0]`),
            ...itfExprErrors(p[1], `${path}.#map[${i}][1]`),
          ])
        : [`${path}: #map must hold [key, value] pairs`];
    if (keys.length === 1 && keys[0] === '#unserializable')
      return [`${path}: #unserializable, which Quint cannot read`];
    return keys.flatMap((k) =>
      k.startsWith('#') ? [`${path}: record key '${k}' starts with '#'`] : itfExprErrors(o[k], `${path}.${k}`),
    );
  }
  return [`${path}: ${typeof v} is not an ITF value`];
}

/** ITF shape errors of a whole trace file (empty if valid). `#meta` content is free-form JSON. */
function itfTraceErrors(j: unknown): string[] {
  const errs: string[] = [];
  if (!j || typeof j !== 'object' || Array.isArray(j)) return ['top level is not an object'];
  const t = j as Record<string, unknown>;
  for (const k of Object.keys(t))
    if (!['#meta', 'params', 'vars', 'states', 'loop'].includes(k)) errs.push(`unknown top-level key '${k}'`);
  if ('#meta' in t && (typeof t['#meta'] !== 'object' || Array.isArray(t['#meta']) || t['#meta'] === null))
    errs.push('#meta is not an object');
  if (!Array.isArray(t.vars) || !t.vars.every((v) => typeof v === 'string'))
    return [...errs, 'vars is not an array of strings'];
  if (new Set(t.vars).size !== t.vars.length) errs.push('vars has duplicates');
  if (!Array.isArray(t.states) || !t.states.length) return [...errs, 'states is not a non-empty array'];
  if ('loop' in t && !(Number.isInteger(t.loop) && (t.loop as number) >= 0 && (t.loop as number) < t.states.length))
    errs.push('loop is not a state index');
  for (const [i, s] of t.states.entries()) {
    if (!s || typeof s !== 'object' || Array.isArray(s)) {
      errs.push(`state ${i} is not an object`);
      continue;
    }
    const st = s as Record<string, unknown>;
    if ('#meta' in st && (typeof st['#meta'] !== 'object' || st['#meta'] === null))
      errs.push(`state ${i}: #meta is not an object`);
    for (const v of t.vars as string[]) if (!(v in st)) errs.push(`state ${i} lacks var '${v}'`);
    for (const k of Object.keys(st)) {
      if (k === '#meta') continue;
      if (k.startsWith('#')) errs.push(`state ${i}: key '${k}' starts with '#'`);
      else if (!(t.vars as string[]).includes(k)) errs.push(`state ${i}: key '${k}' is not a declared var`);
      else errs.push(...itfExprErrors(st[k], `state ${i}.${k}`));
    }
  }
  void RESERVED;
  return errs;
}

const files = listTraces();

describe('saved counterexamples are valid ITF', () => {
  test('there are saved traces', () => expect(files.length).toBeGreaterThan(0));
  test.each(files)('%s', (f) => {
    const j = JSON.parse(readFileSync(join(COUNTEREXAMPLES_DIR, f), 'utf8'));
    expect(itfTraceErrors(j)).toEqual([]);
    // Quint's MBT convention: the action taken and the nondeterministic picks in every state
    expect(j.vars).toEqual(expect.arrayContaining(['mbt::actionTaken', 'mbt::nondetPicks']));
    expect(j.states[0]['mbt::actionTaken']).toBe('init');
    // and it decodes as a fencecheck trace
    const t = decodeTrace(j);
    expect(t.states).toHaveLength(t.meta.actions.length + 1);
    for (const [i, s] of j.states.slice(1).entries()) expect(s['mbt::actionTaken']).toBe(t.meta.actions[i].step);
  });
});

describe('the ITF checker itself rejects what ITF readers reject', () => {
  const ok = { '#meta': {}, vars: ['x'], states: [{ x: { '#bigint': '3' } }] };
  test('a valid minimal trace passes', () => expect(itfTraceErrors(ok)).toEqual([]));
  test.each([
    ['a missing var', { vars: ['x', 'y'], states: [{ x: 1 }] }, /lacks var 'y'/],
    ['a record key with #', { vars: ['x'], states: [{ x: { '#oops': 1 } }] }, /record key '#oops'/],
    ['an unsafe integer', { vars: ['x'], states: [{ x: 2 ** 60 }] }, /not an integer/],
    ['a float', { vars: ['x'], states: [{ x: 1.5 }] }, /not an integer/],
    ['a bad bigint', { vars: ['x'], states: [{ x: { '#bigint': '1e3' } }] }, /bad #bigint/],
    ['null', { vars: ['x'], states: [{ x: null }] }, /null is not an ITF value/],
    ['an undeclared var', { vars: ['x'], states: [{ x: 1, y: 2 }] }, /'y' is not a declared var/],
  ])('%s', (_n, j, msg) => {
    expect(itfTraceErrors(j).join('\n')).toMatch(msg);
  });
});

// ---- round trip over random traces ----

const ident = fc.stringMatching(/^[a-z][a-z0-9_.]{0,8}$/);
const key = fc.stringMatching(/^[a-z_][a-zA-Z0-9_]{0,6}$/);
const json: fc.Arbitrary<Json> = fc.letrec<{ j: Json }>((tie) => ({
  j: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.boolean(),
    fc.string({ maxLength: 6 }),
    fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
    fc.maxSafeInteger(),
    fc.integer().map((x) => x / 4 + 0.5),
    fc.array(tie('j'), { maxLength: 3 }),
    fc.dictionary(key, tie('j'), { maxKeys: 3 }),
  ),
})).j;
const image = fc.dictionary(
  ident,
  fc.record({ kind: ident, value: ident, context: fc.dictionary(key, json, { maxKeys: 4 }) }),
  { maxKeys: 4 },
) as fc.Arbitrary<Json>;

const traceArb: fc.Arbitrary<TraceFile> = fc
  .array(
    fc.record({ step: ident, args: fc.array(fc.oneof(ident, fc.integer({ min: -9, max: 99 })), { maxLength: 3 }) }),
    { maxLength: 6 },
  )
  .chain((actions) =>
    fc.record({
      meta: fc.record({
        design: ident,
        config: ident,
        configValues: fc.dictionary(key, fc.oneof(fc.integer({ min: 0, max: 9 }), fc.boolean()), {
          maxKeys: 3,
        }) as fc.Arbitrary<Json>,
        property: ident,
        expect: fc.constantFrom('holds' as const, 'violates' as const),
        engine: fc.constantFrom('random' as const, 'exhaustive' as const),
        seed: fc.option(fc.integer({ min: 0, max: 2 ** 31 }), { nil: null }),
        path: fc.option(fc.stringMatching(/^[0-9:]{1,8}$/), { nil: null }),
        modelDigest: fc.stringMatching(/^[0-9a-f]{16}$/),
        violation: fc.string({ maxLength: 40 }),
        actions: fc.constant(actions.map((a) => ({ ...a, label: `${a.step}(${a.args.join(', ')})` }))),
        drain: fc.option(fc.array(ident, { maxLength: 3 }), { nil: undefined }),
      }),
      states: fc.array(image, { minLength: actions.length + 1, maxLength: actions.length + 1 }),
    }),
  );

describe('strict ITF values (src/counterexample/itf.ts)', () => {
  fcTest.prop([json])('null and non-integers survive as variants; the result is a valid ITF expression', (v) => {
    const enc = JSON.parse(JSON.stringify(toItfValueStrict(v)));
    expect(itfExprErrors(enc, 'v')).toEqual([]);
    expect(fromItfValueStrict(enc)).toEqual(v);
  });
});

// World contexts hold null (onEnable), which plain JSON passes through and ITF readers reject; the
// strict values write it as Option's None (test/quint/ runs Quint's own reader over it).
describe('encodeTrace / decodeTrace', () => {
  fcTest.prop([traceArb])('decode(encode(t)) = t, through JSON text, and the encoding is valid ITF', (t) => {
    const enc = JSON.parse(JSON.stringify(encodeTrace(t)));
    expect(itfTraceErrors(enc)).toEqual([]);
    const back = decodeTrace(enc);
    const norm = (x: TraceFile) =>
      JSON.parse(JSON.stringify({ ...x, meta: { ...x.meta, drain: x.meta.drain ?? null } }));
    expect(norm(back)).toEqual(norm(t));
  });
});
