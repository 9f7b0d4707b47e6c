/**
 * Issue 11.5: each fixed twin at the same scope as its buggy base, the bug's property violated by the
 * one and not by the other; and issue 11.4's "victims are never named in a design": the page-fault
 * TDR kills the context bound to the entity drm_sched's guilty logic marked.
 */
import { describe, expect, test } from 'vitest';
import { Checker } from '../../src/check.ts';
import { exploreExhaustive } from '../../src/explore/exhaustive.ts';
import { enabledActions } from '../../src/world/steps.ts';
import { registry } from '../../src/registry.ts';
import type { Design } from '../../models/design.ts';
import { ctx, idsOf, worldKey, type World } from '../../models/world.ts';
import epic from '../../models/designs/explicit-producer-implicit-consumer.ts';
import epiImport from '../../models/designs/explicit-producer-import.ts';
import bridge from '../../models/designs/sync-file-bridge.ts';
import race from '../../models/designs/sync-file-bridge-race.ts';
import faults from '../../models/designs/page-faults-with-dma-fence.ts';
import reserved from '../../models/designs/page-faults-reserved-cus.ts';
import separate from '../../models/designs/page-faults-separate-engines.ts';
import noDmaFence from '../../models/designs/page-faults-no-dma-fence.ts';
import { scriptsOf } from '../../models/userspace/buffer-sharing.ts';

async function verdict(d: Design, config: string, property: string): Promise<string | null> {
  const p = (await registry()).properties.get(property)!;
  const cfg = d.configs[config];
  const r = exploreExhaustive(d, cfg, new Checker(d, cfg, [p]), [property], { maxDepth: 80, maxStates: 200_000 });
  expect(['complete', 'all-found']).toContain(r.stoppedBy);
  return r.found[0]?.message ?? null;
}

/** The config without the knob that makes the twin: the scope the two share. */
const scope = (c: object, knob: string) => JSON.stringify({ ...c, [knob]: undefined, scripts: undefined });

describe('fixed twins (issue 11.5)', () => {
  test('explicit-producer-import: the import before the hand-off orders the implicit consumer (H8, R127)', async () => {
    for (const c of ['small', 'default', 'large'])
      expect(scope(epiImport.configs[c], 'importFence')).toBe(scope(epic.configs[c], 'importFence'));
    expect(await verdict(epic, 'small', 'hazard-free')).toMatch(/consumer.j0 reads bo0 while producer.j0 writes it/);
    expect(await verdict(epiImport, 'small', 'hazard-free')).toBeNull();
    expect(await verdict(epiImport, 'default', 'hazard-free')).toBeNull();
  });

  test("sync-file-bridge-race: a writer inside R128's export-submit-import window races the sampling", async () => {
    for (const c of ['small', 'default', 'large'])
      expect(scope(race.configs[c], 'writers')).toBe(scope(bridge.configs[c], 'writers'));
    expect(Object.keys(scriptsOf(race.configs.small))).toContain('writer');
    expect(await verdict(race, 'small', 'hazard-free')).toMatch(
      /(writer.j0 writes bo0 while comp.j0 reads|comp.j0 reads bo0 while writer.j0 writes)/,
    );
  });

  test("R31's mitigations break the page-fault cycle and save the 3D context; the base has both bugs", async () => {
    for (const d of [reserved, separate, noDmaFence])
      for (const c of ['small', 'default', 'large'])
        expect(scope(d.configs[c], 'mitigation')).toBe(scope(faults.configs[c], 'mitigation'));
    expect(await verdict(faults, 'small', 'acyclic-waits')).toMatch(/wait-for cycle: cu:gpu0/);
    expect(await verdict(faults, 'small', 'innocent-context-survives')).toMatch(/proc1.ctx was killed/);
    for (const d of [reserved, separate, noDmaFence]) {
      expect(await verdict(d, 'small', 'acyclic-waits')).toBeNull();
      expect(await verdict(d, 'small', 'innocent-context-survives')).toBeNull();
    }
  });

  test("the page-fault TDR's victims are the contexts of the entities drm_sched marked guilty, never named", () => {
    // two 3D processes, one job each, one fault: either 3D job may be the oldest pending one
    const cfg = { ...faults.configs.default, jobs: 1, batches: 1, faults: 1 };
    const killed: [World, World][] = [];
    const seen = new Set<string>();
    let frontier = [faults.init(cfg)];
    while (frontier.length && seen.size < 20_000) {
      const next: World[] = [];
      for (const w of frontier)
        for (const a of enabledActions(faults, cfg, w)) {
          const k = worldKey(a.next);
          if (seen.has(k)) continue;
          seen.add(k);
          next.push(a.next);
          if (a.step.name === 'drm_sched_job_timedout') killed.push([w, a.next]);
        }
      frontier = next;
    }
    expect(killed.length).toBeGreaterThan(0);
    const victims = new Set<string>();
    for (const [before, w] of killed)
      for (const c of idsOf(w, 'gpu_context').filter(
        (id) => w.o[id].hasTag('killed') && !before.o[id].hasTag('killed'),
      )) {
        victims.add(c);
        const entity = `${c.replace(/\.ctx$/, '')}.entity`;
        expect(ctx<{ guilty: boolean }>(w, entity).guilty).toBe(true);
        expect(String(w.g.tdrVictim)).toMatch(new RegExp(`^${entity.replace('.entity', '')}\\.j`));
      }
    // with two 3D processes either may be the oldest pending job, so either may be blamed
    expect([...victims].sort()).toEqual(['proc1.ctx', 'proc2.ctx']);
  });
});
