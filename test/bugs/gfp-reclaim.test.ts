/** (c) GFP_NOFS / GFP_NOIO stop counting as reclaiming (kthread.ts mayReclaim): reclaim-in-run-job goes green. */
import { describe, expect, test } from 'vitest';
import { spawn } from '../../models/world.ts';
import { kthreadMachine } from '../../models/kernel/kthread.ts';
import { registry } from '../../src/registry.ts';
import { variant, explore } from './helpers.ts';

// the bug: only GFP_KERNEL enters direct reclaim (R25: NOFS and NOIO still may, and shrinkers wait on fences)
const kernelOnly = kthreadMachine.provide({
  guards: {
    'enters reclaim': ({ event }) =>
      event.type === 'KTHREAD_ALLOC' && event.gfp === 'GFP_KERNEL' && event.reclaimWaits !== '',
  },
});
const T = 'sched0.submit_wq';

describe('seeded bug (c): GFP_NOFS / GFP_NOIO allocations do not reclaim', () => {
  for (const gfp of ['GFP_NOFS', 'GFP_NOIO'] as const) {
    test(`reclaim-in-run-job allocating ${gfp}: the intact kthread deadlocks, the mutant does not`, async () => {
      const d = (await registry()).designs.get('reclaim-in-run-job')!;
      const props = ['signalling-section-discipline', 'finite-time'];
      const configs = { ...d.configs, small: { ...d.configs.small, gfp } };
      const ok = await explore(variant(d, gfp, props, { configs }));
      for (const p of props) expect([p, ok[p].observed]).toEqual([p, 'violates']);
      const bad = variant(d, `${gfp}-no-reclaim`, props, {
        configs,
        init: (cfg) => {
          const w = d.init(cfg);
          const { [T]: _t, ...o } = w.o;
          return spawn({ o, g: w.g }, T, kernelOnly, {});
        },
      });
      const cells = await explore(bad);
      for (const p of props) expect([p, cells[p].observed]).toEqual([p, 'holds']);
    }, 60_000);
  }
});
