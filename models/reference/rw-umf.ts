/**
 * The reference world RW-UMF(P, J) (shared/design/reference-world-rw-umf.md) as xstate machines, for
 * designs rw-umf-a (UMF wrapped in a dma_fence) and rw-umf-b (UMF separated, preemptible contexts).
 *
 * The state variables of the spec, and where each one lives (one place each, so the distinct-state
 * count is the spec's):
 *   sub[i], done[i], act[i], evf[i]   context of `p<i>.ring` (machine rw_ring; evf -1 = NONE)
 *   bo[i]                              state value of `p<i>.bo` (machine rw_bo: RES / NONRES / EVICTING)
 *   pin[i]                             context of `p<i>.bo`
 *   ctx[i]                             state value of `p<i>.ctx` (machine rw_ctx, design B only; A is
 *                                      always RUN, so A has no ctx object)
 *   u[i]                               state value of `p<i>.umf` (machine rw_umf; i < P-1 only)
 * Derived objects, functions of the variables above (they add no states):
 *   A: `p<i>.j<k>.finished`, a dma_fence per submitted job: spawned published at submit (k < sub[i]),
 *      signalled at complete (k < done[i]). These are the fences resv(BO_i) holds.
 *   B: `p<i>.preempt`, the context's preempt fence (dma_fence, ops 'preempt'). It is lazy (R8): the
 *      evictor enables signalling when it evicts a BO whose context has a job on the GPU, which starts
 *      the preemption (onEnable -> CTX_PREEMPT) and makes the fence something a thread waits on
 *      (published); preemptDone signals it; resume installs a fresh one. So its snapshot is a function
 *      of ctx[i]: RUN fresh, PPEND enabled+published, PREEMPTED signalled.
 *
 * Each atomic action of the spec is one StepDef (one BFS edge); the step's footprint (`touches`) lists
 * every object its guard reads or its effect writes, including all BOs where `nres` is read.
 */
import { stepTable, withSteps } from '../design.ts';
import { setup, assign, enqueueActions } from 'xstate';
import type { StepDef, StepTable, Args } from '../design.ts';
import type { World, Ev } from '../world.ts';
import { emptyWorld, spawn, must, respawn, deliver } from '../world.ts';
import { dmaFenceMachine } from '../dma-buf/dma-fence.ts';

export interface RwUmfConfig {
  /** Processes (rings); VRAM holds P-1 BOs. */
  P: number;
  /** Jobs per process. */
  J: number;
}

// ---- machines ----------------------------------------------------------------------------------

export interface RwRingContext { jobs: number; sub: number; done: number; act: boolean; evf: number }
type RingEv = { type: 'RW_SUBMIT' } | { type: 'RW_START' } | { type: 'RW_COMPLETE' } | { type: 'RW_EVICT_WAIT'; v: number } | { type: 'RW_EVICT_DONE' };

/** One process's GPU context ring: jobs submitted, completed, the head job on the GPU, and its evictor's wait. */
export const rwRingMachine = setup({
  types: { context: {} as RwRingContext, events: {} as RingEv, input: {} as { jobs: number } },
  guards: {
    'jobs left': ({ context }) => context.sub < context.jobs,
    'head queued': ({ context }) => context.done < context.sub && !context.act,
    'head on gpu': ({ context }) => context.act,
    'evictor idle': ({ context }) => context.evf < 0,
    'evictor waiting': ({ context }) => context.evf >= 0,
  },
}).createMachine({
  id: 'rw_ring',
  context: ({ input }) => ({ jobs: input?.jobs ?? 1, sub: 0, done: 0, act: false, evf: -1 }),
  on: {
    RW_SUBMIT: { guard: 'jobs left', actions: assign({ sub: ({ context }) => context.sub + 1 }) },
    RW_START: { guard: 'head queued', actions: assign({ act: true }) },
    RW_COMPLETE: { guard: 'head on gpu', actions: assign({ act: false, done: ({ context }) => context.done + 1 }) },
    RW_EVICT_WAIT: { guard: 'evictor idle', actions: assign({ evf: ({ event }) => (event as { v: number }).v }) },
    RW_EVICT_DONE: { guard: 'evictor waiting', actions: assign({ evf: -1 }) },
  },
});

export interface RwBoContext { pin: boolean }
type BoEv = { type: 'BO_EVICT' } | { type: 'BO_MOVE_OUT' } | { type: 'BO_MOVE_IN' } | { type: 'BO_UNPIN' };

/** BO_i's placement: RES (in VRAM), EVICTING (still in VRAM, chosen as a victim), NONRES. */
export const rwBoMachine = setup({
  types: { context: {} as RwBoContext, events: {} as BoEv },
  guards: { 'not pinned': ({ context }) => !context.pin },
}).createMachine({
  id: 'rw_bo',
  context: { pin: false },
  initial: 'RES',
  states: {
    RES: {
      on: { BO_EVICT: { guard: 'not pinned', target: 'EVICTING' }, BO_UNPIN: { actions: assign({ pin: false }) } },
    },
    EVICTING: { on: { BO_MOVE_OUT: { target: 'NONRES' }, BO_UNPIN: { actions: assign({ pin: false }) } } },
    NONRES: { on: { BO_MOVE_IN: { target: 'RES', actions: assign({ pin: true }) }, BO_UNPIN: { actions: assign({ pin: false }) } } },
  },
});

type CtxEv = { type: 'CTX_PREEMPT' } | { type: 'CTX_PREEMPT_DONE' } | { type: 'CTX_RESUME' };

/** Design B: a long-running preemptible context. Preemption completing signals its preempt fence. */
export const rwCtxMachine = setup({
  types: { context: {} as { fence: string }, events: {} as CtxEv, input: {} as { fence: string } },
  actions: { deliver: (_, _p: { to: string; ev: Ev }) => {} },
}).createMachine({
  id: 'rw_ctx',
  context: ({ input }) => ({ fence: input?.fence ?? '' }),
  initial: 'RUN',
  states: {
    RUN: { on: { CTX_PREEMPT: 'PPEND' } },
    PPEND: {
      on: {
        CTX_PREEMPT_DONE: {
          target: 'PREEMPTED',
          actions: enqueueActions(({ context, enqueue }) => { enqueue(deliver(context.fence, { type: 'DMA_FENCE_SIGNAL' })); }),
        },
      },
    },
    PREEMPTED: { on: { CTX_RESUME: 'RUN' } },
  },
});

/** A user memory fence u_i: a word in memory that userspace writes (here: to >= 1, once). */
export const rwUmfMachine = setup({ types: { events: {} as { type: 'UMF_WRITE' } } }).createMachine({
  id: 'rw_umf',
  initial: 'unwritten',
  states: { unwritten: { on: { UMF_WRITE: 'written' } }, written: {} },
});

// ---- the world ----------------------------------------------------------------------------------

const ringId = (i: number) => `p${i}.ring`;
const boId = (i: number) => `p${i}.bo`;
const umfId = (i: number) => `p${i}.umf`;
const ctxId = (i: number) => `p${i}.ctx`;
const pfId = (i: number) => `p${i}.preempt`;
const finId = (i: number, k: number) => `p${i}.j${k}.finished`;

const E = {
  submit: { type: 'RW_SUBMIT' }, start: { type: 'RW_START' }, complete: { type: 'RW_COMPLETE' }, evictDone: { type: 'RW_EVICT_DONE' },
  boEvict: { type: 'BO_EVICT' }, boOut: { type: 'BO_MOVE_OUT' }, boIn: { type: 'BO_MOVE_IN' }, boUnpin: { type: 'BO_UNPIN' },
  preemptDone: { type: 'CTX_PREEMPT_DONE' }, resume: { type: 'CTX_RESUME' }, umfWrite: { type: 'UMF_WRITE' },
  signal: { type: 'DMA_FENCE_SIGNAL' }, enable: { type: 'DMA_FENCE_ENABLE_SW_SIGNALING' }, publish: { type: 'DMA_FENCE_PUBLISH' },
} satisfies Record<string, Ev>;
const evictWait: Ev[] = Array.from({ length: 64 }, (_, v) => ({ type: 'RW_EVICT_WAIT', v }));

export type Variant = 'A' | 'B';

function pfInput(i: number) {
  return { ops: 'preempt', context: 1000 + i, seqno: 1, owner: ctxId(i), signaller: 'kernel' as const, published: false, onEnable: { to: ctxId(i), ev: { type: 'CTX_PREEMPT' } } };
}

export function initRwUmf(variant: Variant, cfg: RwUmfConfig): World {
  let w = emptyWorld;
  for (let i = 0; i < cfg.P; i++) {
    w = spawn(w, ringId(i), rwRingMachine, { jobs: cfg.J });
    w = spawn(w, boId(i), rwBoMachine, {});
    // VRAM is full from the start: BO_{P-1} is the one outside it.
    if (i === cfg.P - 1) w = must(must(w, boId(i), E.boEvict), boId(i), E.boOut);
    if (i < cfg.P - 1) w = spawn(w, umfId(i), rwUmfMachine, {});
    if (variant === 'B') {
      w = spawn(w, ctxId(i), rwCtxMachine, { fence: pfId(i) });
      w = spawn(w, pfId(i), dmaFenceMachine, pfInput(i));
    }
  }
  return w;
}

/** Jobs not completed yet, for no-deadlock. */
export function rwPending(w: World, cfg: RwUmfConfig): string[] {
  const out: string[] = [];
  for (let i = 0; i < cfg.P; i++) {
    const r = w.o[ringId(i)].context as RwRingContext;
    for (let k = r.done; k < cfg.J; k++) out.push(`p${i}.j${k}`);
  }
  return out;
}

/** The nine atomic actions of the spec, for one variant. */
export function rwUmfSteps(variant: Variant): StepTable<RwUmfConfig> {
  const A = variant === 'A';
  const R = (w: World, i: number) => w.o[ringId(i)].context as RwRingContext;
  const bo = (w: World, i: number) => w.o[boId(i)].value as 'RES' | 'NONRES' | 'EVICTING';
  const pin = (w: World, i: number) => (w.o[boId(i)].context as RwBoContext).pin;
  const ctxv = (w: World, i: number) => (A ? 'RUN' : (w.o[ctxId(i)].value as 'RUN' | 'PPEND' | 'PREEMPTED'));
  const umfok = (w: World, cfg: RwUmfConfig, i: number) => i === cfg.P - 1 || R(w, i).done > 0 || w.o[umfId(i)].value === 'written';
  const headq = (w: World, i: number) => { const r = R(w, i); return r.done < r.sub && !r.act; };
  const wantbo = (w: World, cfg: RwUmfConfig, i: number) => (A ? headq(w, i) && umfok(w, cfg, i) : headq(w, i) || ctxv(w, i) === 'PREEMPTED');
  const needbo = (w: World, cfg: RwUmfConfig, i: number) => wantbo(w, cfg, i) && bo(w, i) === 'NONRES' && R(w, i).evf < 0;
  const busy = (w: World, cfg: RwUmfConfig, v: number) => (A ? R(w, v).act : R(w, v).act && ctxv(w, v) === 'RUN' && umfok(w, cfg, v));
  const victimok = (w: World, cfg: RwUmfConfig, i: number, v: number) => v !== i && bo(w, v) === 'RES' && !pin(w, v) && !busy(w, cfg, v);
  const evdone = (w: World, v: number) => (A ? R(w, v).done === R(w, v).sub : ctxv(w, v) !== 'PPEND');
  const nres = (w: World, cfg: RwUmfConfig) => { let n = 0; for (let i = 0; i < cfg.P; i++) if (bo(w, i) !== 'NONRES') n++; return n; };

  // Footprint helpers: ids that exist in this variant and config.
  const umfs = (cfg: RwUmfConfig, i: number) => (i < cfg.P - 1 ? [umfId(i)] : []);
  const ctxs = (i: number) => (A ? [] : [ctxId(i)]);
  const all = (cfg: RwUmfConfig, f: (i: number) => string) => Array.from({ length: cfg.P }, (_, i) => f(i));
  const fins = (cfg: RwUmfConfig, i: number) => (A ? Array.from({ length: cfg.J }, (_, k) => finId(i, k)) : []);

  const perCfg = new WeakMap<RwUmfConfig, { one: Args[]; two: Args[] }>();
  const params = (cfg: RwUmfConfig) => {
    let p = perCfg.get(cfg);
    if (!p) {
      const one: Args[] = [], two: Args[] = [];
      for (let i = 0; i < cfg.P; i++) { one.push([i]); for (let v = 0; v < cfg.P; v++) if (v !== i) two.push([i, v]); }
      p = { one, two };
      perCfg.set(cfg, p);
    }
    return p;
  };
  const one = (_w: World, cfg: RwUmfConfig) => params(cfg).one;
  const I = (a: Args) => a[0] as number;

  const submit: StepDef<RwUmfConfig> = {
    name: 'submit', role: 'user', actor: ([i]) => `user${i}`, params: one,
    enabled: (w, [i]) => R(w, i as number).sub < R(w, i as number).jobs && (!A || bo(w, i as number) !== 'EVICTING'),
    apply: (w, [i]) => {
      const n = I([i]);
      if (A) {
        const k = R(w, n).sub;
        w = spawn(w, finId(n, k), dmaFenceMachine, { ops: 'sched.finished', context: 2 * n + 1, seqno: k + 1, owner: `p${n}.j${k}`, signaller: 'kernel', published: true });
      }
      return must(w, ringId(n), E.submit);
    },
    touches: ([i], cfg) => [ringId(i as number), boId(i as number), ...fins(cfg, i as number)],
    doc: A ? 'arm the job, publish its finished fence into resv(BO_i), queue it: one step (blocked while an evictor holds the resv lock)' : 'arm and queue the job (no finished fence is published in B)',
  };
  const writeUmf: StepDef<RwUmfConfig> = {
    name: 'writeUmf', role: 'user', actor: ([i]) => `user${i}`, params: one,
    enabled: (w, [i]) => (i as number) > 0 && R(w, i as number).done > 0 && w.o[umfId((i as number) - 1)].value !== 'written',
    apply: (w, [i]) => must(w, umfId((i as number) - 1), E.umfWrite),
    touches: ([i], cfg) => [ringId(i as number), ...umfs(cfg, (i as number) - 1)],
    doc: 'userspace of process i saw its first job complete and writes u_{i-1}',
  };
  const takeFree: StepDef<RwUmfConfig> = {
    name: 'takeFree', role: 'kernel', actor: ([i]) => `kern${i}`, params: one,
    enabled: (w, [i], cfg) => needbo(w, cfg, i as number) && nres(w, cfg) < cfg.P - 1,
    apply: (w, [i]) => must(w, boId(i as number), E.boIn),
    touches: ([i], cfg) => [ringId(i as number), ...umfs(cfg, i as number), ...ctxs(i as number), ...all(cfg, boId)],
    doc: 'a free VRAM slot: make BO_i resident and pinned (never enabled from the spec initial state)',
  };
  const evict: StepDef<RwUmfConfig> = {
    name: 'evict', role: 'kernel', actor: ([i]) => `kern${i}`, params: (_w, cfg) => params(cfg).two,
    enabled: (w, [i, v], cfg) => needbo(w, cfg, i as number) && nres(w, cfg) >= cfg.P - 1 && victimok(w, cfg, i as number, v as number),
    apply: (w, [i, v]) => {
      const n = i as number, m = v as number;
      w = must(w, boId(m), E.boEvict);
      w = must(w, ringId(n), evictWait[m]);
      if (!A && R(w, m).act) {
        w = must(w, pfId(m), E.enable); // R8: enable_signaling starts the preemption (delivers CTX_PREEMPT)
        w = must(w, pfId(m), E.publish); // the evictor now waits on it
      }
      return w;
    },
    touches: ([i, v], cfg) => {
      const n = i as number, m = v as number;
      return [ringId(n), ...umfs(cfg, n), ...ctxs(n), ...all(cfg, boId), ringId(m), ...umfs(cfg, m), ...ctxs(m), ...(A ? [] : [pfId(m)])];
    },
    doc: A ? 'choose victim BO_v and commit: the evictor waits on every fence in resv(BO_v), holding its lock' : 'choose victim BO_v and commit; a context with a job on the GPU is preempted (its preempt fence enabled)',
  };
  // One edge per (i) as in the spec: only v = evf[i] is ever enabled. The victim is an argument so
  // that the step's footprint is the four objects it really reads, not every ring.
  const finishEvict: StepDef<RwUmfConfig> = {
    name: 'finishEvict', role: 'kernel', actor: ([i]) => `kern${i}`, params: (_w, cfg) => params(cfg).two,
    enabled: (w, [i, v]) => R(w, i as number).evf === v && evdone(w, v as number),
    apply: (w, [i, v]) => {
      const n = i as number;
      w = must(w, boId(v as number), E.boOut);
      w = must(w, boId(n), E.boIn);
      return must(w, ringId(n), E.evictDone);
    },
    touches: ([i, v]) => [ringId(i as number), boId(i as number), boId(v as number), A ? ringId(v as number) : ctxId(v as number)],
    doc: A ? 'every fence of the victim BO_v signalled: move it out and BO_i into the freed slot' : 'the victim context is preempted (or idle): move BO_v out and BO_i in',
  };
  const start: StepDef<RwUmfConfig> = {
    name: 'start', role: 'kernel', actor: ([i]) => `kern${i}`, params: one,
    enabled: (w, [i], cfg) => {
      const n = i as number;
      return headq(w, n) && (A ? umfok(w, cfg, n) && bo(w, n) !== 'NONRES' : bo(w, n) === 'RES' && ctxv(w, n) === 'RUN');
    },
    apply: (w, [i]) => must(must(w, ringId(i as number), E.start), boId(i as number), E.boUnpin),
    touches: ([i], cfg) => [ringId(i as number), boId(i as number), ...(A ? umfs(cfg, i as number) : ctxs(i as number))],
    doc: A ? 'dependencies met (UMF), BO in VRAM (maybe EVICTING): run the head job' : 'BO resident, context running: run the head job (it may spin on its UMF)',
  };
  const resume: StepDef<RwUmfConfig> = {
    name: 'resume', role: 'kernel', actor: ([i]) => `kern${i}`, params: one,
    enabled: (w, [i]) => !A && ctxv(w, i as number) === 'PREEMPTED' && bo(w, i as number) === 'RES',
    apply: (w, [i]) => {
      const n = i as number;
      w = must(must(w, ctxId(n), E.resume), boId(n), E.boUnpin);
      return respawn(w, pfId(n), dmaFenceMachine, pfInput(n)); // a fresh preempt fence for the resumed context
    },
    touches: ([i]) => (A ? [] : [ctxId(i as number), boId(i as number), pfId(i as number)]),
    doc: 'B: the preempted context gets its BO back and resumes',
  };
  const complete: StepDef<RwUmfConfig> = {
    name: 'complete', role: 'gpu', actor: ([i]) => `gpu${i}`, params: one,
    enabled: (w, [i], cfg) => R(w, i as number).act && ctxv(w, i as number) === 'RUN' && umfok(w, cfg, i as number),
    apply: (w, [i]) => {
      const n = i as number;
      if (A) w = must(w, finId(n, R(w, n).done), E.signal);
      return must(w, ringId(n), E.complete);
    },
    touches: ([i], cfg) => [ringId(i as number), ...umfs(cfg, i as number), ...ctxs(i as number), ...fins(cfg, i as number)],
    doc: A ? 'the job ends and its finished fence signals' : 'the job ends (its UMF is met)',
  };
  const preemptDone: StepDef<RwUmfConfig> = {
    name: 'preemptDone', role: 'gpu', actor: ([i]) => `gpu${i}`, params: one,
    enabled: (w, [i]) => !A && ctxv(w, i as number) === 'PPEND',
    apply: (w, [i]) => must(w, ctxId(i as number), E.preemptDone),
    touches: ([i]) => (A ? [] : [ctxId(i as number), pfId(i as number)]),
    doc: 'B: the preemption lands; the preempt fence signals; the job keeps its progress',
  };
  const steps = stepTable<RwUmfConfig>(submit, writeUmf, takeFree, evict, finishEvict, start, resume, complete, preemptDone);
  // A has no preemption: a context is never suspended, so nothing resumes.
  return A ? withSteps(steps, { resume: null, preemptDone: null }) : steps;
}

export const rwUmfConfigs: Record<string, RwUmfConfig> = {
  p2j2: { P: 2, J: 2 },
  p3j2: { P: 3, J: 2 },
  p4j2: { P: 4, J: 2 },
  p4j4: { P: 4, J: 4 },
  p5j3: { P: 5, J: 3 },
  small: { P: 3, J: 2 },
  default: { P: 4, J: 4 },
};
