/**
 * Issue 11.1/11.2 and 14.2: a verdict states its config and scope; `--config`/`--set` pick and change
 * the scope (bad names and values are one line, exit 2); a 'holds' whose precondition was never reached
 * is `vacuous` and fails; an applicable property the design does not declare fails as '(none)'; a
 * declared 'n/a' is shown, not explored; `--without implicit-sync` lists the cells that change.
 */
import { describe, expect, test } from 'vitest';
import { run } from '../cli/helpers.ts';
import { checkDesigns, cellMatches } from '../../src/api.ts';
import { registry } from '../../src/registry.ts';

const D = 'dma-resv-implicit';
const base = ['check', '--design', D, '--property', 'context-order', '--engine', 'exhaustive', '--no-metrics'];

describe('scopes', () => {
  test('--config picks a named config for both engines; --json states config and scope', async () => {
    const r = await run(...base, '--config', 'small', '--json');
    expect(r.code).toBe(0);
    const c = JSON.parse(r.out).cells[0];
    expect(c.config).toBe('small');
    expect(c.scope).toMatchObject({ maxHangs: 1, creditLimit: 2 });
    expect(c.reached).toBeGreaterThan(0);
  });
  test('--set changes one value, typed by the value it replaces, and the scope says so', async () => {
    const r = await run(...base, '--config', 'small', '--set', 'maxHangs=0', '--json');
    const c = JSON.parse(r.out).cells[0];
    expect(c.scope.maxHangs).toBe(0);
    expect(c.config).toBe('small --set maxHangs=0');
  });
  test.each([
    [['--config', 'nope'], /has no config 'nope'/],
    [['--config', 'small', '--set', 'nokey=1'], /no such value; settable:/],
    [['--config', 'small', '--set', 'maxHangs=x'], /takes a whole number/],
    [['--config', 'small', '--set', 'maxHangs=100000'], /takes a whole number from 0 to/],
    [['--config', 'small', '--set', 'garbage'], /--set takes key=value/],
    [['--set', 'maxHangs=0'], /--set needs --config/],
    [['--config', 'small', '--set', 'maxHangs=0', '--save'], /--save with --set/],
  ])('bad scope input %j: one line, exit 2', async (extra, msg) => {
    const r = await run(...base, ...(extra as string[]));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(msg as RegExp);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });
});

describe('vacuity and properties by default', () => {
  test('a holds whose witness is never reached is vacuous, and does not pass', () => {
    expect(cellMatches({ expected: 'holds', observed: 'holds', reached: 0 })).toBe(false);
    expect(cellMatches({ expected: 'holds', observed: 'holds', reached: 3 })).toBe(true);
    expect(cellMatches({ expected: null, observed: 'holds', reached: 3 })).toBe(false);
    expect(cellMatches({ expected: 'n/a', observed: 'n/a', reached: null })).toBe(true);
  });
  test('a design variant: undeclared applicable property fails as (none); n/a is shown, not explored', async () => {
    const { designs } = await registry();
    const d = designs.get(D)!;
    const { 'context-order': _drop, ...rest } = d.expect;
    const na = { verdict: 'n/a' as const, why: 'test' };
    const v = { ...d, name: 'variant', expect: { ...rest, 'acyclic-waits': na } };
    const props = ['context-order', 'acyclic-waits'];
    const r = await checkDesigns({ engine: 'exhaustive', metrics: false, properties: props }, [v]);
    const by = Object.fromEntries(r.cells.map((c) => [c.property, c]));
    expect(by['context-order']).toMatchObject({ expected: null, match: false });
    expect(by['acyclic-waits']).toMatchObject({ status: 'n/a', match: true, states: 0 });
    expect(r.ok).toBe(false);
  });
  test('every property declares its witness, so no holds passes without its precondition counted', async () => {
    const { properties } = await registry();
    const without = [...properties.values()].filter((p) => !p.witness).map((p) => p.name);
    // hang-recovers-with-error, reset-completes-with-error and no-starvation once had none: their
    // 'holds' showed reached null, neither counted nor vacuous
    expect(without).toEqual([]);
  });
  test('a witness that is never reached makes the cell vacuous', async () => {
    const { designs, properties } = await registry();
    const d = designs.get(D)!;
    // timeline-monotonic's witness is a point added to a timeline: this design has no drm_syncobj
    expect(properties.get('timeline-monotonic')!.witness).toBeDefined();
    const holds = { verdict: 'holds' as const, why: 'test' };
    const v = { ...d, name: 'no-timeline', expect: { ...d.expect, 'timeline-monotonic': holds } };
    const r = await checkDesigns({ engine: 'exhaustive', metrics: false, properties: ['timeline-monotonic'] }, [v]);
    expect(r.cells[0]).toMatchObject({ observed: 'holds', status: 'vacuous', reached: 0, match: false });
  });
});

describe('what-if without implicit sync', () => {
  test('dma-resv-implicit: hazard-free holds only thanks to implicit sync', async () => {
    const r = await run(...base.slice(0, 3), '--property', 'hazard-free', '--without', 'implicit-sync', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.whatIf.changes).toEqual([
      expect.objectContaining({ design: D, property: 'hazard-free', with: 'holds', without: 'violates' }),
    ]);
  });
});
