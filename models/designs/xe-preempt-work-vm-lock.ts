/**
 * xe-preempt-work-vm-lock — the preempt-fence work takes vm->lock (H14).
 *
 * Idea: Xe's preempt fences are lazy (R108): enabling one suspends its exec queue and queues
 *   preempt_fence_work_func on the device-wide ordered preempt_fence_wq, which signals it (R109). The
 *   rebind / exec path of a VM holds vm->lock while it waits on that VM's preempt fences (a userptr
 *   invalidation, R110, R111). Here the work takes vm->lock before signalling: it blocks behind a thread
 *   that waits on it, and every other VM's preempt fence, queued behind on the same ordered wq, never
 *   signals: evictions of their BOs stall (I20).
 * Source: H14; R108-R111; the comment in xe_preempt_fence.c preempt_fence_work_func ("anything blocking
 *   here stalls every other preempt fence"; the work runs inside dma_fence_begin/end_signalling).
 * Changes: the seeded bug below (vm->lock in the work); the twin xe-preempt-work-no-vm-lock signals
 *   and kicks the rebind worker, which takes vm->lock outside the signalling section (R109).
 * Models: `vms` long-running VMs, each with one exec queue, one preempt fence at a time (BOOKKEEP in the
 *   VM's resv) and a rebind thread; `rounds` preempt/resume cycles per VM (the rebind installs a new
 *   preempt fence, R111); the one ordered workqueue, as a kthread and its queue (g.preempt_wq). A VM's
 *   preempt fence is enabled by its own rebind (under vm->lock) or by an eviction of its BO.
 * Abstracted away: the time suspend takes (the queue is off the hardware when the work runs; a hang
 *   there is preempt-fence-bounded's concern), userptr retry loops.
 */
import { defineDesign, defineStep, stepTable, type StepTable } from '../design.ts';
import { emptyWorld, spawn, ctx, must, idsOf, stateOf, setG, tell, type World, type Json } from '../world.ts';
import { dmaFenceMachine, isSignaled, type DmaFenceContext } from '../dma-buf/dma-fence.ts';
import { dmaResvMachine } from '../dma-buf/dma-resv.ts';
import { dma_resv_add } from '../ttm/ttm-bo.ts';
import { kthreadMachine, mutex_lock, mutex_unlock, type KthreadContext } from '../kernel/kthread.ts';

export interface PreemptWorkConfig {
  vms: number;
  /** preempt fences per VM over a run (each resume installs a new one, R111). */
  rounds: number;
  /** the seeded bug: preempt_fence_work_func takes vm->lock. */
  workTakesVmLock: boolean;
}

const WQ = 'preempt_fence_wq';
const num = (v: Json | undefined): number => (typeof v === 'number' ? v : 0);
const vmIds = (cfg: PreemptWorkConfig) => Array.from({ length: cfg.vms }, (_, v) => `vm${v}`);
const vmLock = (vm: string) => `${vm}->lock`;
const rebind = (vm: string) => `${vm}.rebind`;
const pfOf = (w: World, vm: string) => `${vm}.pf${num(w.g[`pf:${vm}`])}`;
const queue = (w: World): string[] => (Array.isArray(w.g.preempt_wq) ? (w.g.preempt_wq as string[]) : []);
const kt = (w: World, t: string) => ctx<KthreadContext>(w, t);
const vmOf = (pf: string) => pf.split('.')[0];

/** R108, R110 xe_preempt_fence_create + install BOOKKEEP in the VM's resv (not published: lazy, R9). */
function installPreemptFence(w: World, vm: string, n: number): World {
  const f = `${vm}.pf${n}`;
  const enable = { to: f, ev: { type: 'DMA_FENCE_PUBLISH', via: WQ } };
  w = spawn(w, f, dmaFenceMachine, {
    context: 4000 + Number(vm.slice(2)),
    seqno: n + 1,
    ops: 'preempt',
    owner: vm,
    onEnable: enable,
  });
  w = setG(w, { [`pf:${vm}`]: n });
  return dma_resv_add(w, `${vm}.bo`, f, 'BOOKKEEP', 'xe_vm_add_compute_exec_queue');
}

function init(cfg: PreemptWorkConfig): World {
  let w = spawn(emptyWorld, WQ, kthreadMachine, {});
  for (const vm of vmIds(cfg)) {
    w = spawn(w, `${vm}.bo.resv`, dmaResvMachine, {});
    w = spawn(w, rebind(vm), kthreadMachine, {});
    w = installPreemptFence(w, vm, 0);
  }
  return setG(w, { preempt_wq: [] });
}

/** R108 enable_signaling: q->ops->suspend, then queue_work(preempt_fence_wq) (ordered: FIFO). */
function enablePreemptFence(w: World, f: string): World {
  if (ctx<DmaFenceContext>(w, f).enableSignal) return w;
  w = must(w, f, { type: 'DMA_FENCE_ENABLE_SW_SIGNALING' });
  return setG(w, { preempt_wq: [...queue(w), f] });
}

/** The VM's rebind path: vm->lock, then enable and wait on its preempt fence (R110, R111). */
const xe_vm_userptr_invalidate = defineStep<PreemptWorkConfig, [vm: string]>({
  name: 'xe_vm_userptr_invalidate',
  role: 'user',
  actor: ([vm]) => rebind(vm),
  params: (_w, cfg) => vmIds(cfg).map((vm): [string] => [vm]),
  enabled: (w, [vm]) => stateOf(w, rebind(vm)) === 'idle' && !isSignaled(w, pfOf(w, vm)),
  apply: (w, [vm]) => {
    const t = rebind(vm);
    w = must(w, t, { type: 'KTHREAD_WORK', work: `rebind ${vm}`, sigFor: [] });
    w = mutex_lock(w, t, vmLock(vm));
    if (stateOf(w, t) === 'blocked') return w;
    w = enablePreemptFence(w, pfOf(w, vm));
    return must(w, t, { type: 'KTHREAD_WAIT', on: pfOf(w, vm) });
  },
  doc: 'R110, R111: a munmap/userptr invalidation of the VM, holding vm->lock, waits on its preempt fences',
});

/** An eviction of one of the VM's BOs waits on the resv, BOOKKEEP included: it enables the fence (R111). */
const ttm_bo_evict = defineStep<PreemptWorkConfig, [vm: string]>({
  name: 'ttm_bo_evict',
  role: 'user',
  actor: () => 'ttm',
  params: (_w, cfg) => vmIds(cfg).map((vm): [string] => [vm]),
  enabled: (w, [vm]) => !ctx<DmaFenceContext>(w, pfOf(w, vm)).enableSignal,
  apply: (w, [vm]) =>
    enablePreemptFence(tell(w, pfOf(w, vm), { type: 'DMA_FENCE_PUBLISH', via: 'eviction' }), pfOf(w, vm)),
  doc: 'R111, I19: another process allocates; the eviction waits on every resv fence (ttm_bo_wait_ctx)',
});

/** Signal, end the section; the rebind worker is kicked (it takes vm->lock outside the section, R109). */
function signalAndFinish(w: World, pf: string, cfg: PreemptWorkConfig): World {
  w = must(w, pf, { type: 'DMA_FENCE_SIGNAL' });
  if (cfg.workTakesVmLock) w = mutex_unlock(w, WQ, vmLock(vmOf(pf)));
  w = must(w, WQ, { type: 'KTHREAD_DONE' });
  return setG(w, { preempt_wq: queue(w).slice(1) });
}

/** R109 preempt_fence_work_func: the head of the ordered wq, inside dma_fence_begin/end_signalling. */
const preempt_fence_work_func = defineStep<PreemptWorkConfig>({
  name: 'preempt_fence_work_func',
  role: 'kernel',
  actor: () => WQ,
  enabled: (w, _a, cfg) =>
    (stateOf(w, WQ) === 'idle' && queue(w).length > 0) ||
    (stateOf(w, WQ) === 'running' && cfg.workTakesVmLock && kt(w, WQ).locks.length > 0),
  apply: (w, _a, cfg) => {
    const pf = queue(w)[0];
    if (stateOf(w, WQ) === 'running') return signalAndFinish(w, pf, cfg);
    w = must(w, WQ, { type: 'KTHREAD_WORK', work: `preempt_fence_work_func ${pf}`, sigFor: [pf] });
    if (cfg.workTakesVmLock) {
      // seeded bug (H14): vm->lock inside the preempt fence's signalling section
      w = mutex_lock(w, WQ, vmLock(vmOf(pf)));
      if (stateOf(w, WQ) === 'blocked') return w;
    }
    return signalAndFinish(w, pf, cfg);
  },
  doc: 'R109: suspend_wait, signal; anything blocking here stalls every preempt fence behind it (H14)',
});

/** R111 the rebind worker: the preempt fence signaled; rebind, install a new preempt fence, resume. */
const xe_vm_rebind_resume = defineStep<PreemptWorkConfig, [vm: string]>({
  name: 'xe_vm_rebind_resume',
  role: 'kernel',
  actor: ([vm]) => rebind(vm),
  params: (_w, cfg) => vmIds(cfg).map((vm): [string] => [vm]),
  enabled: (w, [vm]) => {
    const t = rebind(vm);
    if (stateOf(w, t) === 'blocked') return isSignaled(w, kt(w, t).waitingOn);
    return stateOf(w, t) === 'running' && kt(w, t).locks.includes(vmLock(vm));
  },
  apply: (w, [vm], cfg) => {
    const t = rebind(vm);
    if (stateOf(w, t) === 'running') {
      // handed vm->lock: enable and wait as xe_vm_userptr_invalidate would have
      if (!isSignaled(w, pfOf(w, vm)))
        return must(enablePreemptFence(w, pfOf(w, vm)), t, { type: 'KTHREAD_WAIT', on: pfOf(w, vm) });
    } else w = must(w, t, { type: 'KTHREAD_WAKE' });
    const n = num(w.g[`pf:${vm}`]) + 1;
    if (n < cfg.rounds) w = installPreemptFence(w, vm, n);
    w = mutex_unlock(w, t, vmLock(vm));
    return must(w, t, { type: 'KTHREAD_DONE' });
  },
  doc: 'R111: revalidate, rebind, install new preempt fences (bounded by rounds), resume; drop vm->lock',
});

const steps: StepTable<PreemptWorkConfig> = stepTable<PreemptWorkConfig>(
  xe_vm_userptr_invalidate,
  ttm_bo_evict,
  preempt_fence_work_func,
  xe_vm_rebind_resume,
);

/** Scopes and table shared with the twin (xe-preempt-work-no-vm-lock). */
export function preemptWorkDesign(workTakesVmLock: boolean) {
  return {
    configs: {
      small: { vms: 1, rounds: 1, workTakesVmLock },
      default: { vms: 2, rounds: 2, workTakesVmLock },
      large: { vms: 4, rounds: 3, workTakesVmLock },
    },
    bounds: {
      exhaustive: { config: 'default', depth: 80, maxStates: 500_000 },
      random: { config: 'large', depth: 80, runs: 200 },
    },
    init,
    steps,
    pending: (w: World) => idsOf(w, 'kthread').filter((t) => stateOf(w, t) !== 'idle'),
  };
}

export default defineDesign<PreemptWorkConfig>({
  name: 'xe-preempt-work-vm-lock',
  summary:
    'The preempt-fence work takes vm->lock, which the rebind path holds while waiting on that preempt fence; every ' +
    'preempt fence behind it on the ordered wq stalls (H14).',
  source: 'H14; R108-R111 (xe_preempt_fence.c preempt_fence_work_func, xe_vm.c, xe_vm_doc.h)',
  ...preemptWorkDesign(true),
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
      verdict: 'violates',
      why: 'H14: the work, a signalling section (R109), blocks on vm->lock, held across a wait on its fence (I11)',
    },
    'acyclic-waits': {
      verdict: 'violates',
      why: 'H14: preempt fence -> preempt_fence_wq -> vm->lock -> rebind thread -> preempt fence (I7)',
    },
    'finite-time': {
      verdict: 'violates',
      why: 'H14: the enabled preempt fence, and every one queued behind it, never signals (I10, I20)',
    },
    'no-deadlock': { verdict: 'violates', why: 'H14: the wq and the rebind thread wait on each other' },
    'one-shot': { verdict: 'holds', why: 'each preempt fence is signalled once, by its work (R4)' },
  },
});
