/**
 * userq-create-alloc-unlocked — the fixed twin of userq-create-alloc-under-mutex (H16).
 *
 * Idea: amdgpu_userq_create makes its GFP_KERNEL allocations (queue, MQD, idr preload) before it takes
 *   userq_mutex, and holds the mutex only to publish the queue. Reclaim may still wait on the process's
 *   eviction fence (R24): its suspend worker takes the free mutex, unmaps, signals, and the allocation
 *   returns.
 * Source: H16; the pattern of "drm/amdgpu: remove deadlocks from amdgpu_userq_pre_reset"; R24, R115, I11.
 * Changes: none. Same world and scopes as the buggy design.
 */
import { defineDesign } from '../design.ts';
import { userqCreateDesign, type UserqCreateConfig } from './userq-create-alloc-under-mutex.ts';

export default defineDesign<UserqCreateConfig>({
  name: 'userq-create-alloc-unlocked',
  summary:
    'amdgpu_userq_create allocates before taking userq_mutex; reclaim on the eviction fence completes (H16 fixed).',
  source: 'H16; R24, R115, R117',
  ...userqCreateDesign(false),
  expect: {
    'context-order': {
      verdict: 'n/a',
      why: "its precondition never occurs in this design's world (0 states reached at default)",
    },
    'hazard-free': {
      verdict: 'n/a',
      why: "its precondition never occurs in this design's world (0 states reached at default)",
    },
    'no-userspace-wait-under-kernel-lock': {
      verdict: 'n/a',
      why: "its precondition never occurs in this design's world (0 states reached at default)",
    },
    'signalling-section-discipline': {
      verdict: 'n/a',
      why:
        'never reached here (a kernel thread on the signalling path of an unsignaled fence (in a state, or across a ' +
        'step)) in default+large: exploration (issue 11.2)',
    },
    'acyclic-waits': {
      verdict: 'n/a',
      why:
        'never reached here (a wait on something that itself waits (two live wait-for edges in a row)) in ' +
        'default+large: exploration (issue 11.2)',
    },
    'finite-time': { verdict: 'holds', why: 'the suspend worker always gets the mutex and signals (I10, I20)' },
    'no-deadlock': { verdict: 'holds', why: 'every create completes' },
    'one-shot': { verdict: 'holds', why: 'each eviction fence is signalled once (R4)' },
  },
});
