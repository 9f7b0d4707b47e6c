/**
 * umf-wrapped-timeout — umf-wrapped with a timeout on the wrapper that kills the waiting context.
 *
 * Idea: seed 001 "Ok, fine, so throw a timeout on it. That should work, right?....." The wrapper of
 *   umf0 now expires: -ETIME, and proc1's context is killed. The only way the timeout fires here is the
 *   cycle a memory move closed, and the context it kills did nothing wrong: proc1 waited on proc0,
 *   proc0 would have written umf0 (seed 001 "Userspace can't trust us"). And it does not even restore
 *   finite time: drm_sched cancels a guilty entity's job only once it is popped, after every dependency
 *   and the driver's prepare_job (sched_entity.c drm_sched_entity_pop_job); prepare_job wants boA back
 *   in VRAM, and boA's eviction waits on that very job. The kernel's own verdict on a fallback timeout
 *   (dma-buf.rst, "Indefinite DMA Fences": it does not help) is what the explorer finds.
 * Source: seed 001 "We can't trust userspace", "Userspace can't trust us"; H1 step 4; R30 ("even with a
 *   fallback timeout").
 * Changes: one substitution, `timeout: true`, like a TLA+ failure .cfg.
 * Related: umf-wrapped (no timeout), umf-separated (the fix).
 */
import { defineDesign } from '../design.ts';
import base, { type UmfWrappedConfig } from './umf-wrapped.ts';
import { TDR_RECOVERS_EXPECT } from '../drm-sched/tdr-expect.ts';

// seeded bug: a timeout on a wrapped UMF
const withTimeout = (c: UmfWrappedConfig): UmfWrappedConfig => ({ ...c, timeout: true });

export default defineDesign<UmfWrappedConfig>({
  ...base,
  name: 'umf-wrapped-timeout',
  summary: 'umf-wrapped with a timeout on the wrapper: it kills an innocent context, and the cycle still never breaks.',
  source: 'seed 001 "Ok, fine, so throw a timeout on it", "Userspace can\'t trust us"; H1, R30',
  configs: {
    small: withTimeout(base.configs.small),
    default: withTimeout(base.configs.default),
    large: withTimeout(base.configs.large),
  },
  expect: {
    ...base.expect,
    'finite-time': {
      verdict: 'violates',
      why:
        'the timeout signals the wrapper (-ETIME) and marks proc1 guilty, but the guilty job is cancelled only ' +
        "after prepare_job, which waits on boA's move in, behind boA's eviction, which waits on the job (R94, H5)",
    },
    'innocent-context-survives': {
      verdict: 'violates',
      why:
        "seed 001: userspace's graph was acyclic, a memory move closed the cycle, the timeout kills proc1's " +
        'context, which did nothing wrong',
    },
    ...TDR_RECOVERS_EXPECT,
  },
});
