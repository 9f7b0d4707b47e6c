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
      verdict: 'holds',
      why: 'userq_mutex is never held across reclaim, so the suspend worker may take it (I11)',
    },
    'acyclic-waits': { verdict: 'holds', why: 'the allocating thread holds no lock the suspend worker needs (I7)' },
    'finite-time': { verdict: 'holds', why: 'the suspend worker always gets the mutex and signals (I10, I20)' },
    'no-deadlock': { verdict: 'holds', why: 'every create completes' },
    'one-shot': { verdict: 'holds', why: 'each eviction fence is signalled once (R4)' },
  },
});
