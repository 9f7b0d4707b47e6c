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
import type { StepDef, StepTable } from '../design.ts';
import type { World, Ev } from '../world.ts';
import { emptyWorld, spawn, must, respawn, deliver, ctx } from '../world.ts';
import { dmaFenceMachine } from '../dma-buf/dma-fence.ts';
import { type Edge, withView } from '../view.ts';

export interface RwUmfConfig {
  /** Processes (rings); VRAM holds P-1 BOs. */
  P: number;
  /** Jobs per process. */
  J: number;
}

// ---- machines ----------------------------------------------------------------------------------

export interface RwRingContext {
  jobs: number;
  sub: number;
  done: number;
  act: boolean;
  evf: number;
}
type RingEv =
  | { type: 'RW_SUBMIT' }
  | { type: 'RW_START' }
  | { type: 'RW_COMPLETE' }
  | { type: 'RW_EVICT_WAIT'; v: number }
  | { type: 'RW_EVICT_DONE' };

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
    RW_EVICT_WAIT: { guard: 'evictor idle', actions: assign({ evf: ({ event }) => event.v }) },
    RW_EVICT_DONE: { guard: 'evictor waiting', actions: assign({ evf: -1 }) },
  },
});

export interface RwBoContext {
  pin: boolean;
}
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
    NONRES: {
      on: {
        BO_MOVE_IN: { target: 'RES', actions: assign({ pin: true }) },
        BO_UNPIN: { actions: assign({ pin: false }) },
      },
    },
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
          actions: enqueueActions(({ context, enqueue }) => {
            enqueue(deliver(context.fence, { type: 'DMA_FENCE_SIGNAL' }));
          }),
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

/**
 * What each ring waits on, for the wait-for graph (explain, acyclic-waits; views add no state): its
 * evictor waits on the victim's fences (A: the published finished fences, EVDONE; B: the preempt fence
 * while PPEND); the head job waits for its BO while the eviction bringing it in is pending, and
 * (A, job 0 of i < P-1) on its UMF; a UMF is written by userspace of ring i+1 once i+1's first job is
 * done (spec rows 2, 4-6, 8).
 */
function rwRingEdges(id: string, c: RwRingContext, w: World): Edge[] {
  const i = Number(id.slice(1, id.indexOf('.')));
  const out: Edge[] = [];
  const A = !(ctxId(i) in w.o);
  if (c.evf >= 0) {
    const v = c.evf;
    const rv = w.o[ringId(v)]?.context as RwRingContext | undefined;
    if (A && rv)
      for (let k = rv.done; k < rv.sub; k++)
        out.push([id, finId(v, k), `ring ${i}'s eviction of p${v}.bo waits on its published fences (EVDONE)`]);
    if (!A && w.o[ctxId(v)]?.value === 'PPEND')
      out.push([id, pfId(v), `ring ${i}'s eviction of p${v}.bo waits for ring ${v}'s preemption`]);
  }
  const head = c.done < c.sub ? (A ? finId(i, c.done) : id) : null;
  if (head && w.o[boId(i)]?.value === 'NONRES' && c.evf >= 0 && head !== id)
    out.push([head, id, `job ${c.done} of ring ${i} needs p${i}.bo, which ring ${i}'s eviction brings in`]);
  const u = w.o[umfId(i)];
  if (head && c.done === 0 && u && u.value !== 'written') {
    out.push([head, umfId(i), `job 0 of ring ${i} waits for u${i} >= 1${A ? ' (wrapped in its dma_fence)' : ''}`]);
    const writer =
      A && (w.o[ringId(i + 1)]?.context as RwRingContext | undefined)?.sub ? finId(i + 1, 0) : ringId(i + 1);
    out.push([umfId(i), writer, `u${i} is written by ring ${i + 1}'s userspace once its first job is done`]);
  }
  for (let k = c.done + 1; A && k < c.sub; k++)
    out.push([finId(i, k), finId(i, k - 1), `ring ${i} runs its jobs in order`]);
  return out;
}

const E = {
  submit: { type: 'RW_SUBMIT' },
  start: { type: 'RW_START' },
  complete: { type: 'RW_COMPLETE' },
  evictDone: { type: 'RW_EVICT_DONE' },
  boEvict: { type: 'BO_EVICT' },
  boOut: { type: 'BO_MOVE_OUT' },
  boIn: { type: 'BO_MOVE_IN' },
  boUnpin: { type: 'BO_UNPIN' },
  preemptDone: { type: 'CTX_PREEMPT_DONE' },
  resume: { type: 'CTX_RESUME' },
  umfWrite: { type: 'UMF_WRITE' },
  signal: { type: 'DMA_FENCE_SIGNAL' },
  enable: { type: 'DMA_FENCE_ENABLE_SW_SIGNALING' },
  publish: { type: 'DMA_FENCE_PUBLISH' },
} satisfies Record<string, Ev>;
withView(rwRingMachine, { waitEdges: (id, c, w) => rwRingEdges(id, c, w) });

const evictWait: Ev[] = Array.from({ length: 64 }, (_, v) => ({ type: 'RW_EVICT_WAIT', v }));

export type Variant = 'A' | 'B';

function pfInput(i: number) {
  return {
    ops: 'preempt',
    context: 1000 + i,
    seqno: 1,
    owner: ctxId(i),
    signaller: 'kernel' as const,
    published: false,
    onEnable: { to: ctxId(i), ev: { type: 'CTX_PREEMPT' } },
  };
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
    const r = ctx<RwRingContext>(w, ringId(i));
    for (let k = r.done; k < cfg.J; k++) out.push(`p${i}.j${k}${k < r.sub ? '' : ' (not submitted)'}`);
  }
  return out;
}

/** The nine atomic actions of the spec, for one variant. */
export function rwUmfSteps(variant: Variant): StepTable<RwUmfConfig> {
  const A = variant === 'A';
  const R = (w: World, i: number) => ctx<RwRingContext>(w, ringId(i));
  // state values of rw_bo (RES / NONRES / EVICTING) and rw_ctx (RUN / PPEND / PREEMPTED): flat strings
  const bo = (w: World, i: number) => w.o[boId(i)].value;
  const pin = (w: World, i: number) => ctx<RwBoContext>(w, boId(i)).pin;
  const ctxv = (w: World, i: number) => (A ? 'RUN' : w.o[ctxId(i)].value);
  const umfok = (w: World, cfg: RwUmfConfig, i: number) =>
    i === cfg.P - 1 || R(w, i).done > 0 || w.o[umfId(i)].value === 'written';
  const headq = (w: World, i: number) => {
    const r = R(w, i);
    return r.done < r.sub && !r.act;
  };
  const wantbo = (w: World, cfg: RwUmfConfig, i: number) =>
    A ? headq(w, i) && umfok(w, cfg, i) : headq(w, i) || ctxv(w, i) === 'PREEMPTED';
  const needbo = (w: World, cfg: RwUmfConfig, i: number) =>
    wantbo(w, cfg, i) && bo(w, i) === 'NONRES' && R(w, i).evf < 0;
  const busy = (w: World, cfg: RwUmfConfig, v: number) =>
    A ? R(w, v).act : R(w, v).act && ctxv(w, v) === 'RUN' && umfok(w, cfg, v);
  const victimok = (w: World, cfg: RwUmfConfig, i: number, v: number) =>
    v !== i && bo(w, v) === 'RES' && !pin(w, v) && !busy(w, cfg, v);
  const evdone = (w: World, v: number) => (A ? R(w, v).done === R(w, v).sub : ctxv(w, v) !== 'PPEND');
  const nres = (w: World, cfg: RwUmfConfig) => {
    let n = 0;
    for (let i = 0; i < cfg.P; i++) if (bo(w, i) !== 'NONRES') n++;
    return n;
  };

  // Footprint helpers: ids that exist in this variant and config.
  const umfs = (cfg: RwUmfConfig, i: number) => (i < cfg.P - 1 ? [umfId(i)] : []);
  const ctxs = (i: number) => (A ? [] : [ctxId(i)]);
  const all = (cfg: RwUmfConfig, f: (i: number) => string) => Array.from({ length: cfg.P }, (_, i) => f(i));
  const fins = (cfg: RwUmfConfig, i: number) => (A ? Array.from({ length: cfg.J }, (_, k) => finId(i, k)) : []);

  type One = [i: number];
  type Two = [i: number, v: number];
  const perCfg = new WeakMap<RwUmfConfig, { one: One[]; two: Two[] }>();
  const params = (cfg: RwUmfConfig) => {
    let p = perCfg.get(cfg);
    if (!p) {
      const one: One[] = [],
        two: Two[] = [];
      for (let i = 0; i < cfg.P; i++) {
        one.push([i]);
        for (let v = 0; v < cfg.P; v++) if (v !== i) two.push([i, v]);
      }
      p = { one, two };
      perCfg.set(cfg, p);
    }
    return p;
  };
  const one = (_w: World, cfg: RwUmfConfig) => params(cfg).one;
  const two = (_w: World, cfg: RwUmfConfig) => params(cfg).two;

  const submit: StepDef<RwUmfConfig, One> = {
    name: 'submit',
    role: 'user',
    actor: ([i]) => `user${i}`,
    params: one,
    enabled: (w, [i]) => R(w, i).sub < R(w, i).jobs && (!A || bo(w, i) !== 'EVICTING'),
    apply: (w, [i]) => {
      if (A) {
        const k = R(w, i).sub;
        w = spawn(w, finId(i, k), dmaFenceMachine, {
          ops: 'sched.finished',
          context: 2 * i + 1,
          seqno: k + 1,
          owner: `p${i}.j${k}`,
          signaller: 'kernel',
          published: true,
        });
      }
      return must(w, ringId(i), E.submit);
    },
    touches: ([i], cfg) => [ringId(i), boId(i), ...fins(cfg, i)],
    doc: A
      ? 'arm the job, publish its finished fence into resv(BO_i), queue it: one step (blocked while an evictor holds ' +
        'the resv lock)'
      : 'arm and queue the job (no finished fence is published in B)',
  };
  const writeUmf: StepDef<RwUmfConfig, One> = {
    name: 'writeUmf',
    role: 'user',
    actor: ([i]) => `user${i}`,
    params: one,
    enabled: (w, [i]) => i > 0 && R(w, i).done > 0 && w.o[umfId(i - 1)].value !== 'written',
    apply: (w, [i]) => must(w, umfId(i - 1), E.umfWrite),
    touches: ([i], cfg) => [ringId(i), ...umfs(cfg, i - 1)],
    doc: 'userspace of process i saw its first job complete and writes u_{i-1}',
  };
  const takeFree: StepDef<RwUmfConfig, One> = {
    name: 'takeFree',
    role: 'kernel',
    actor: ([i]) => `kern${i}`,
    params: one,
    enabled: (w, [i], cfg) => needbo(w, cfg, i) && nres(w, cfg) < cfg.P - 1,
    apply: (w, [i]) => must(w, boId(i), E.boIn),
    touches: ([i], cfg) => [ringId(i), ...umfs(cfg, i), ...ctxs(i), ...all(cfg, boId)],
    doc: 'a free VRAM slot: make BO_i resident and pinned (never enabled from the spec initial state)',
  };
  const evict: StepDef<RwUmfConfig, Two> = {
    name: 'evict',
    role: 'kernel',
    actor: ([i]) => `kern${i}`,
    params: two,
    enabled: (w, [i, v], cfg) => needbo(w, cfg, i) && nres(w, cfg) >= cfg.P - 1 && victimok(w, cfg, i, v),
    apply: (w, [i, v]) => {
      w = must(w, boId(v), E.boEvict);
      w = must(w, ringId(i), evictWait[v]);
      if (!A && R(w, v).act) {
        w = must(w, pfId(v), E.enable); // R8: enable_signaling starts the preemption (delivers CTX_PREEMPT)
        w = must(w, pfId(v), E.publish); // the evictor now waits on it
      }
      return w;
    },
    touches: ([i, v], cfg) => {
      return [
        ringId(i),
        ...umfs(cfg, i),
        ...ctxs(i),
        ...all(cfg, boId),
        ringId(v),
        ...umfs(cfg, v),
        ...ctxs(v),
        ...(A ? [] : [pfId(v)]),
      ];
    },
    doc: A
      ? 'choose victim BO_v and commit: the evictor waits on every fence in resv(BO_v), holding its lock'
      : 'choose victim BO_v and commit; a context with a job on the GPU is preempted (its preempt fence enabled)',
  };
  // One edge per (i) as in the spec: only v = evf[i] is ever enabled. The victim is an argument so
  // that the step's footprint is the four objects it really reads, not every ring.
  const finishEvict: StepDef<RwUmfConfig, Two> = {
    name: 'finishEvict',
    role: 'kernel',
    actor: ([i]) => `kern${i}`,
    params: two,
    enabled: (w, [i, v]) => R(w, i).evf === v && evdone(w, v),
    apply: (w, [i, v]) => {
      w = must(w, boId(v), E.boOut);
      w = must(w, boId(i), E.boIn);
      return must(w, ringId(i), E.evictDone);
    },
    touches: ([i, v]) => [ringId(i), boId(i), boId(v), A ? ringId(v) : ctxId(v)],
    doc: A
      ? 'every fence of the victim BO_v signalled: move it out and BO_i into the freed slot'
      : 'the victim context is preempted (or idle): move BO_v out and BO_i in',
  };
  const start: StepDef<RwUmfConfig, One> = {
    name: 'start',
    role: 'kernel',
    actor: ([i]) => `kern${i}`,
    params: one,
    enabled: (w, [i], cfg) => {
      return (
        headq(w, i) && (A ? umfok(w, cfg, i) && bo(w, i) !== 'NONRES' : bo(w, i) === 'RES' && ctxv(w, i) === 'RUN')
      );
    },
    apply: (w, [i]) => must(must(w, ringId(i), E.start), boId(i), E.boUnpin),
    touches: ([i], cfg) => [ringId(i), boId(i), ...(A ? umfs(cfg, i) : ctxs(i))],
    doc: A
      ? 'dependencies met (UMF), BO in VRAM (maybe EVICTING): run the head job'
      : 'BO resident, context running: run the head job (it may spin on its UMF)',
  };
  const resume: StepDef<RwUmfConfig, One> = {
    name: 'resume',
    role: 'kernel',
    actor: ([i]) => `kern${i}`,
    params: one,
    enabled: (w, [i]) => !A && ctxv(w, i) === 'PREEMPTED' && bo(w, i) === 'RES',
    apply: (w, [i]) => {
      w = must(must(w, ctxId(i), E.resume), boId(i), E.boUnpin);
      return respawn(w, pfId(i), dmaFenceMachine, pfInput(i)); // a fresh preempt fence for the resumed context
    },
    touches: ([i]) => (A ? [] : [ctxId(i), boId(i), pfId(i)]),
    doc: 'B: the preempted context gets its BO back and resumes',
  };
  const complete: StepDef<RwUmfConfig, One> = {
    name: 'complete',
    role: 'gpu',
    actor: ([i]) => `gpu${i}`,
    params: one,
    enabled: (w, [i], cfg) => R(w, i).act && ctxv(w, i) === 'RUN' && umfok(w, cfg, i),
    apply: (w, [i]) => {
      if (A) w = must(w, finId(i, R(w, i).done), E.signal);
      return must(w, ringId(i), E.complete);
    },
    touches: ([i], cfg) => [ringId(i), ...umfs(cfg, i), ...ctxs(i), ...fins(cfg, i)],
    doc: A ? 'the job ends and its finished fence signals' : 'the job ends (its UMF is met)',
  };
  const preemptDone: StepDef<RwUmfConfig, One> = {
    name: 'preemptDone',
    role: 'gpu',
    actor: ([i]) => `gpu${i}`,
    params: one,
    enabled: (w, [i]) => !A && ctxv(w, i) === 'PPEND',
    apply: (w, [i]) => must(w, ctxId(i), E.preemptDone),
    touches: ([i]) => (A ? [] : [ctxId(i), pfId(i)]),
    doc: 'B: the preemption lands; the preempt fence signals; the job keeps its progress',
  };
  const steps = stepTable<RwUmfConfig>(
    submit,
    writeUmf,
    takeFree,
    evict,
    finishEvict,
    start,
    resume,
    complete,
    preemptDone,
  );
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
  // the largest scope the bench runs: (5, 3) is past Spin's published row, for the random engine
  large: { P: 5, J: 3 },
};
