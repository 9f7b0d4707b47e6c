/**
 * Saved traces are read by Quint's own ITF reader (the @informalsystems/quint package, a dev
 * dependency): `ofItfNormalized` parses every state into runtime values and back, and `toItf` writes
 * them out again as the same ITF (records come back with sorted keys, so compare key-sorted). Then our
 * decoder reads Quint's rewrite to the same world. Issue 15.4.
 */
import { describe, expect, test } from 'vitest';
import { test as fcTest, fc } from '@fast-check/vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ofItfNormalized, toItf, type ItfTrace } from '@informalsystems/quint/dist/src/itf.js';
import type { Json } from '../../models/world.ts';
import { decodeTrace, fromItfValue, toItfValue } from '../../src/counterexample/itf.ts';
import { listTraces } from '../../src/counterexample/store.ts';
import { COUNTEREXAMPLES_DIR } from '../../src/registry.ts';

/** JSON with every object's keys sorted, for comparing modulo Quint's record normalisation. */
const sorted = (v: unknown): unknown =>
  Array.isArray(v)
    ? v.map(sorted)
    : v && typeof v === 'object'
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, sorted((v as Record<string, unknown>)[k])]),
        )
      : v;

/** Quint reads the trace and writes it back; throws what Quint throws. */
function throughQuint(t: ItfTrace): ItfTrace {
  const back = toItf(t.vars, ofItfNormalized(t));
  if (back.isLeft()) throw new Error(`quint toItf: ${back.value}`);
  return back.value;
}

const files = listTraces();

describe("every saved trace passes Quint's ITF reader", () => {
  test('there are saved traces', () => expect(files.length).toBeGreaterThan(0));
  test.each(files)('%s', (f) => {
    const j = JSON.parse(readFileSync(join(COUNTEREXAMPLES_DIR, f), 'utf8'));
    const q = throughQuint(j);
    expect(q.states).toHaveLength(j.states.length);
    expect(sorted(q.states)).toEqual(sorted(j.states));
    // and Quint's rewrite decodes to the same fencecheck worlds
    expect(decodeTrace({ ...j, states: q.states }).states).toEqual(decodeTrace(j).states);
  });
});

const json: fc.Arbitrary<Json> = fc.letrec<{ j: Json }>((tie) => ({
  j: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.string({ maxLength: 6 }),
    fc.constantFrom('None', 'Float', 'tag', 'value', '#tup', '~'),
    fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
    fc.maxSafeInteger(),
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => !Object.is(x, -0)),
    fc.array(tie('j'), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 4 }), tie('j'), { maxKeys: 3 }),
    // the shapes an encoding could confuse: variant-like records and ITF's reserved keys
    fc.record({ tag: tie('j'), value: tie('j') }, { requiredKeys: ['tag'] }),
    fc.dictionary(fc.constantFrom('#tup', '#bigint', '#meta', '__proto__', '__x', '~tag', 'tag', '~'), tie('j'), {
      maxKeys: 3,
    }),
  ),
})).j;

describe('toItfValue / fromItfValue with Quint in the loop', () => {
  fcTest.prop([json])('Quint parses and rewrites the encoding unchanged; it decodes back exactly', (v) => {
    const enc = JSON.parse(JSON.stringify(toItfValue(v)));
    const q = throughQuint({ vars: ['x'], states: [{ x: enc }] });
    expect(sorted(q.states[0].x)).toEqual(sorted(enc));
    expect(fromItfValue(enc)).toEqual(v);
    expect(fromItfValue(q.states[0].x as Json)).toEqual(v);
  });

  test('null is Option None; the old #unserializable encoding still decodes', () => {
    expect(toItfValue({ cur: null })).toEqual({ cur: { tag: 'None', value: {} } });
    expect(fromItfValue({ cur: { '#unserializable': 'null' }, r: { '#unserializable': '0.5' } })).toEqual({
      cur: null,
      r: 0.5,
    });
    // what Quint writes for its own None
    expect(fromItfValue({ tag: 'None', value: { '#tup': [] } })).toBeNull();
    // a record shaped like a variant is not taken for one
    expect(fromItfValue(toItfValue({ tag: 'None', value: {} }))).toEqual({ tag: 'None', value: {} });
  });
});
