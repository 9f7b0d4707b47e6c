/** (a) TDR signals the guilty job's finished fence with no error: reset-completes-with-error goes red. */
import { describe, expect, test } from 'vitest';
import { withSteps } from '../../models/design.ts';
import { registry } from '../../src/registry.ts';
import { variant, explore } from './helpers.ts';
import { guiltyWithoutError } from './mutants.ts';

describe('seeded bug (a): drm_sched_job_timedout signals the guilty job without an error', () => {
  for (const name of ['single-fifo-implicit', 'dma-resv-implicit']) {
    test(`${name}: the design declares it and holds; the mutant violates reset-completes-with-error`, async () => {
      const d = (await registry()).designs.get(name)!;
      expect(d.expect['reset-completes-with-error']?.verdict).toBe('holds');
      expect(d.expect['hang-recovers-with-error']?.verdict).toBe('holds');
      const props = ['reset-completes-with-error', 'hang-recovers-with-error'];
      const ok = await explore(variant(d, 'intact', props));
      expect(ok['reset-completes-with-error'].observed).toBe('holds');
      const bad = variant(d, 'guilty-no-error', props, {
        steps: withSteps(d.steps, { drm_sched_job_timedout: guiltyWithoutError }),
      });
      const cells = await explore(bad);
      expect(cells['reset-completes-with-error'].observed).toBe('violates');
      expect(cells['reset-completes-with-error'].message).toMatch(/signaled without an error/);
    }, 120_000);
  }
});
