/**
 * The issue-3 part A designs: every cell of the exhaustive check matches its expectation
 * (checkDesigns, src/api.ts), plus mutants showing hazard-free is not vacuous, and the over-sync
 * metric. Section 1.2 where it applies: R20 (finite time) through finite-time on every design; R26
 * (publication) through the resv and sync_file paths; R62 (implicit sync adds READ/WRITE) through
 * dma-resv-implicit and its H7 variant.
 */
import { describe, expect, test } from 'vitest';
import { checkDesigns } from '../../src/api.ts';
import { Checker } from '../../src/check.ts';
import { exploreExhaustive } from '../../src/explore/exhaustive.ts';
import { enabledActions } from '../../src/world/steps.ts';
import hazardFree from '../../properties/hazard-free.ts';
import bridge from '../../models/designs/sync-file-bridge.ts';
import implicit from '../../models/designs/dma-resv-implicit.ts';
import explicit from '../../models/designs/explicit-sync-file.ts';
import epic from '../../models/designs/explicit-producer-implicit-consumer.ts';
import type { Design } from '../../models/design.ts';
import type { SharingConfig, Op } from '../../models/userspace/buffer-sharing.ts';
import { ctx } from '../../models/world.ts';

const mine = ['dma-resv-implicit', 'explicit-sync-file', 'explicit-producer-implicit-consumer', 'sync-file-bridge'];

function hazardOf(d: Design<SharingConfig>, cfg: SharingConfig) {
  const r = exploreExhaustive(d, cfg, new Checker(d, cfg, [hazardFree]), ['hazard-free'], {
    maxDepth: 60,
    maxStates: 50_000,
  });
  return r.found[0]?.message ?? null;
}

/** Run every step in order until nothing is enabled (first enabled action each time): one full run. */
function runToEnd(d: Design<SharingConfig>, cfg: SharingConfig) {
  let w = d.init(cfg);
  for (let i = 0; i < 500; i++) {
    const a = enabledActions(d, cfg, w, (r) => r !== 'fault');
    if (!a.length) return w;
    w = a[0].next;
  }
  throw new Error('did not finish');
}

const without = (ops: Op[], drop: (o: Op) => boolean) => ops.filter((o) => !drop(o));

describe('issue 3 part A designs', () => {
  test('every cell of the exhaustive check of the four designs matches its expectation', async () => {
    const r = await checkDesigns({ designs: mine, engine: 'exhaustive' });
    const bad = r.cells
      .filter((c) => c.observed !== c.expected)
      .map((c) => `${c.design}/${c.property}: ${c.observed} (${c.message})`);
    expect(bad).toEqual([]);
    // one cell per property each design states an expectation for: nothing skipped, nothing extra
    const designs = [implicit, explicit, epic, bridge];
    expect(r.cells.map((c) => `${c.design}/${c.property}`).sort()).toEqual(
      designs.flatMap((d) => Object.keys(d.expect).map((p) => `${d.name}/${p}`)).sort(),
    );
    expect(
      r.cells.find((c) => c.design === 'explicit-producer-implicit-consumer' && c.property === 'hazard-free')!.message,
    ).toMatch(/consumer.j0 reads bo0 while producer.j0 writes it/);
  });

  test(
    "H8/R127: the bridge without the READ import into bo0 lets the client's next frame overwrite bo0 while the " +
      'compositor samples it',
    () => {
      const cfg = {
        ...bridge.configs.small,
        scripts: {
          ...bridge.configs.small.scripts,
          comp: without(bridge.configs.small.scripts.comp, (o) => o.op === 'import' && o.bo === 'bo0'),
        },
      };
      expect(hazardOf(bridge, cfg)).toMatch(/client.j1 writes bo0 while comp.j0 reads it/);
    },
  );

  test(
    'H8/R127: the bridge without the WRITE import into bo1 lets the implicit display scan out before ' + 'composition',
    () => {
      const cfg = {
        ...bridge.configs.small,
        scripts: {
          ...bridge.configs.small.scripts,
          comp: without(bridge.configs.small.scripts.comp, (o) => o.op === 'import' && o.bo === 'bo1'),
        },
      };
      expect(hazardOf(bridge, cfg)).toMatch(/display.j0 reads bo1 while comp.j0 writes it/);
    },
  );

  test("R126: the bridge without the export makes the compositor sample before the client's render", () => {
    const cfg = {
      ...bridge.configs.small,
      scripts: {
        ...bridge.configs.small.scripts,
        comp: without(bridge.configs.small.scripts.comp, (o) => o.op === 'export'),
      },
    };
    expect(hazardOf(bridge, cfg)).toMatch(/comp.j0 reads bo0 while client.j0 writes it/);
  });

  test('explicit sync orders only what is passed: a consumer that drops the sync_file races', () => {
    const s = explicit.configs.small.scripts;
    const cfg = {
      ...explicit.configs.small,
      scripts: { ...s, proc0: s.proc0.map((o) => (o.op === 'send' ? { ...o, fence: false } : o)) },
    };
    expect(hazardOf(explicit, cfg)).toMatch(/proc1.j0 reads bo0 while proc0.j0 writes it/);
  });

  test(
    'R62/R26: implicit sync adds READ/WRITE fences and publishes them; H7 always-WRITE over-synchronises where ' +
      'exact usages do not',
    () => {
      const exact = runToEnd(implicit, implicit.configs.default);
      const xe = runToEnd(implicit, implicit.configs['xe-default']);
      const usages = ctx<any>(exact, 'bo0.resv')
        .fences.map((e: any) => e.usage)
        .sort();
      expect(usages).toContain('READ');
      expect(ctx<any>(xe, 'bo0.resv').fences.every((e: any) => e.usage === 'WRITE')).toBe(true);
      expect(ctx<any>(exact, 'proc0.j0.finished').published).toBe(true);
      expect(implicit.metrics!['over-sync'](exact, implicit.configs.default)).toBe(0);
      expect(implicit.metrics!['over-sync'](xe, implicit.configs['xe-default'])).toBeGreaterThan(0);
      expect(
        explicit.metrics!['over-sync'](runToEnd(explicit, explicit.configs.default), explicit.configs.default),
      ).toBe(0);
    },
  );
});
