/**
 * (b) eviction picks a pinned BO as its victim (ttm-bo.ts evictable without the pin check), and the TTM
 * state properties (vram-within-capacity, no-eviction-with-free-slot, hw-access-resident) on hand-made
 * mutants of the validate step.
 */
import { describe, expect, test } from 'vitest';
import { withSteps, type StepDef } from '../../models/design.ts';
import { registry } from '../../src/registry.ts';
import { checkDesigns } from '../../src/api.ts';
import type { TtmValidateArgs } from '../../models/ttm/ttm-bo.ts';
import { variant, explore } from './helpers.ts';
import { pinBlind } from './mutants.ts';

const TTM = ['vram-within-capacity', 'no-eviction-with-free-slot', 'hw-access-resident'];

describe('seeded bug (b): a pinned BO is chosen as the victim', () => {
  // compute-lr-mode: since umf-separated became a pipeline whose validations never race an eviction of
  // the BO just validated, the long-running compute design is the one where the pin matters (R112)
  test('compute-lr-mode: intact, exploration completes; pin-blind, the BOs ping-pong and it does not', async () => {
    const d = (await registry()).designs.get('compute-lr-mode')!;
    const props = Object.keys(d.expect);
    const ok = await explore(variant(d, 'intact', props));
    expect(Object.values(ok).every((c) => c.observed === d.expect[c.property].verdict)).toBe(true);
    const bad = variant(d, 'pin-blind', props, {
      steps: withSteps(d.steps, {
        ttm_bo_validate: pinBlind(d.steps.ttm_bo_validate as StepDef<unknown, TtmValidateArgs>),
      }),
    });
    // each eviction numbers a new move fence: evicting the BO just validated for a context that has not
    // run makes the state space unbounded, so the check cannot pass (issue 14.1: partial is not a pass)
    const r = await checkDesigns({ engine: 'exhaustive', metrics: false, depth: 30 }, [bad]);
    expect(r.cells.filter((c) => c.observed !== 'n/a').every((c) => c.partial === 'depth')).toBe(true);
  }, 120_000);
});

describe('TTM state properties on the TTM designs', () => {
  for (const name of [
    'umf-separated',
    'umf-wrapped',
    'umf-wrapped-timeout',
    'userq-eviction-fence',
    'userq-no-hang-detect',
  ]) {
    test(`${name} declares them and they hold by exploration`, async () => {
      const d = (await registry()).designs.get(name)!;
      const cells = await explore(variant(d, 'as-is', TTM));
      for (const p of TTM) expect([p, d.expect[p]?.verdict, cells[p].observed]).toEqual([p, 'holds', 'holds']);
    }, 120_000);
  }
  test('no-bo-fences declares hw-access-resident violates: a queue uses a freed BO (H9)', async () => {
    const d = (await registry()).designs.get('no-bo-fences')!;
    const cells = await explore(variant(d, 'as-is', TTM));
    expect(cells['hw-access-resident'].observed).toBe('violates');
    expect(cells['vram-within-capacity'].observed).toBe('holds');
    expect(cells['no-eviction-with-free-slot'].observed).toBe('holds');
  }, 120_000);
});
