/**
 * TTM memory management as atomic world operations (ttm_bo.c ttm_bo_validate / ttm_bo_evict /
 * ttm_bo_handle_move_mem; xe_bo.c, amdgpu_ttm.c), shared by the memory-management designs.
 *
 * - R53, I19 a move's fence goes into the BO's resv as KERNEL; the move waits on every fence of the resv
 *   up to BOOKKEEP (ttm_bo_wait_ctx), through callbacks, which enable lazy preempt/eviction fences (R8,
 *   R108, R114): that is how eviction kicks long-running contexts off the hardware (R111).
 * - H5 validating a BO for X makes X wait on the move (`neededBy`); if VRAM is full the victim's
 *   eviction goes first and the move in waits on it.
 * - finite-time counts a lazy fence from the moment someone waits on it (R9: a fence nobody waits on
 *   need not make progress; I20 bounds a preempt fence from enable_signaling), so the eviction publishes
 *   the fences it waits on, and installing a preempt fence does not.
 *
 * Ids: BO `b`, its resv `b.resv`, its n-th move fence `b.move<n>`.
 */
import type { World } from '../world.ts';
import { ctx, must, spawn, idsOf, setG, tell, stateOf, send, accepts } from '../world.ts';
import type { Expectation, Role, StepDef } from '../design.ts';
import { dmaFenceMachine, isSignaled, type DmaFenceContext } from '../dma-buf/dma-fence.ts';
import { dmaResvMachine, dma_resv_fences, type DmaResvContext, type DmaResvUsage } from '../dma-buf/dma-resv.ts';
import { ttmBoMachine, inVram, type TtmBoContext, type TtmPlacement } from './ttm-buffer-object.ts';

export function ttm_bo_create(w: World, bo: string, placement: TtmPlacement): World {
  w = spawn(w, `${bo}.resv`, dmaResvMachine, {});
  return spawn(w, bo, ttmBoMachine, { resv: `${bo}.resv`, placement });
}

/** Lock, reserve, add, unlock (R55, R56) without publishing: the caller decides (lazy fences are not). */
export function dma_resv_add(w: World, bo: string, fence: string, usage: DmaResvUsage, owner: string): World {
  const resv = `${bo}.resv`;
  const f = ctx<DmaFenceContext>(w, fence);
  const signaled = ctx<DmaResvContext>(w, resv)
    .fences.map((e) => e.fence)
    .filter((id) => isSignaled(w, id));
  w = must(w, resv, { type: 'DMA_RESV_LOCK', owner });
  w = must(w, resv, { type: 'DMA_RESV_RESERVE_FENCES', n: 1 });
  w = must(w, resv, { type: 'DMA_RESV_ADD_FENCE', fence, usage, context: f.context, seqno: f.seqno, signaled });
  return must(w, resv, { type: 'DMA_RESV_UNLOCK' });
}

export const bo = (w: World, id: string): TtmBoContext => ctx<TtmBoContext>(w, id);
export const boIdle = (w: World, id: string): boolean => stateOf(w, id) === 'idle';
export const vramUsed = (w: World): number =>
  idsOf(w, 'ttm_buffer_object').filter((b) => stateOf(w, b) !== 'freed' && inVram(bo(w, b))).length;
/** Resident in VRAM and not being moved: usable by the GPU (I19). */
export const resident = (w: World, id: string): boolean => boIdle(w, id) && bo(w, id).placement === 'VRAM';

/** Moves of `b` so far (the design global `moves:<b>`, which numbers its move fences). */
export function ttmMoveCount(w: World, b: string): number {
  const n = w.g[`moves:${b}`];
  return typeof n === 'number' ? n : 0;
}

/**
 * ttm_bo_handle_move_mem: the move fence enters the resv as KERNEL, the move waits on every other
 * unsignaled fence of the resv up to BOOKKEEP plus `extraDeps` (I19), and `neededBy` waits on it (H5).
 */
export function ttm_bo_move(
  w: World,
  b: string,
  to: TtmPlacement,
  extraDeps: string[],
  neededBy: string[],
  skip: string[] = [],
): World {
  const n = ttmMoveCount(w, b) + 1;
  w = setG(w, { [`moves:${b}`]: n });
  const fence = `${b}.move${n}`;
  const deps = [
    ...dma_resv_fences(w, `${b}.resv`, 'BOOKKEEP').filter((f) => !isSignaled(w, f) && !skip.includes(f)),
    ...extraDeps.filter((f) => !isSignaled(w, f)),
  ];
  w = spawn(w, fence, dmaFenceMachine, {
    context: 500 + idsOf(w, 'ttm_buffer_object').indexOf(b),
    seqno: n,
    ops: 'move',
    owner: b,
    published: true,
  });
  w = dma_resv_add(w, b, fence, 'KERNEL', 'ttm');
  w = must(w, b, { type: 'TTM_BO_MOVE', to, fence, deps, neededBy });
  for (const d of deps) {
    w = tell(w, d, { type: 'DMA_FENCE_PUBLISH', via: `${b} move` });
    w =
      send(w, d, { type: 'DMA_FENCE_ADD_CALLBACK', cb: { to: b, ev: { type: 'TTM_BO_DEP_SIGNALED', fence: d } } }) ?? w;
  }
  return w;
}

/** The move fence of a BO that is waiting or moving ('' if idle). */
const moveFenceOf = (w: World, b: string): string => bo(w, b).moveFence;

/** Can `v` be evicted to make room for `forBo`? In VRAM, idle, not pinned for someone who has not run. */
function evictable(w: World, v: string, forBo: string, stillPinned: (who: string) => boolean): boolean {
  if (v === forBo || !boIdle(w, v)) return false;
  const c = bo(w, v);
  return c.placement === 'VRAM' && !(c.pinnedFor && stillPinned(c.pinnedFor));
}

/** Is `b` a BO ttm_bo_validate(b, VRAM) has work for: idle (no move queued) and not in VRAM? */
const needsValidate = (w: World, b: string): boolean => boIdle(w, b) && bo(w, b).placement !== 'VRAM';

/**
 * The enabling condition of ttm_bo_validate(b, VRAM) with `victim` ('' = there is room): `b` needs the
 * move, the victim is given exactly when VRAM is full (ttm_bo.c ttm_bo_alloc_resource evicts, through
 * ttm_bo_evict_alloc, only after ttm_resource_alloc failed with -ENOSPC), and the victim is an idle
 * VRAM BO other than `b` (its move out can start at once).
 */
export function can_ttm_bo_validate(w: World, b: string, victim: string, capacity: number): boolean {
  if (!needsValidate(w, b)) return false;
  if (vramUsed(w) >= capacity !== (victim !== '')) return false;
  return victim === '' || (victim !== b && boIdle(w, victim) && bo(w, victim).placement === 'VRAM');
}

/**
 * ttm_bo_move_buffer: the effect of ttm_bo_validate once `can_ttm_bo_validate` holds. With a victim
 * (VRAM full), evict it to GTT first (its move waits on its resv, I19) and make the move in wait on
 * that eviction. The move in skips the needing job's own fences (`skip`): that job has not run, its
 * fence is a future access, and waiting on it would be H5's cycle (amdgpu_sync_resv filters its own
 * fences the same way).
 */
export function ttm_bo_move_buffer(
  w: World,
  b: string,
  victim: string,
  neededBy: string[],
  skip: string[] = [],
): World {
  let after: string[] = [];
  if (victim) {
    w = ttm_bo_move(w, victim, 'GTT', [], []);
    after = [moveFenceOf(w, victim)];
  }
  return ttm_bo_move(w, b, 'VRAM', after, neededBy, skip);
}

/** Candidate victims for validating `b` ('' when there is room): the explorer tries each (LRU order abstracted). */
export function validateChoices(
  w: World,
  b: string,
  capacity: number,
  stillPinned: (who: string) => boolean,
): string[] {
  if (vramUsed(w) < capacity) return [''];
  return idsOf(w, 'ttm_buffer_object').filter((v) => evictable(w, v, b, stillPinned));
}

/** A validate step's arguments: who needs the BO, the BO, and the choice ('evict <victim>' or 'free slot'). */
export type TtmValidateArgs = [who: string, bo: string, choice: string];
const choiceOf = (victim: string): string => (victim ? `evict ${victim}` : 'free slot');
const victimOf = (choice: string): string => (choice.startsWith('evict ') ? choice.slice('evict '.length) : '');

/** What a design says about one ttm_bo_validate caller (the path that needs BOs resident). */
export interface TtmValidateOpts<C> {
  /** The step's key (a trace key): the kernel path that validates. */
  name: string;
  role: Role;
  actor: string;
  /** Who needs which BO in VRAM now, in enumeration order: the caller's trigger. */
  requests: (w: World, cfg: C) => readonly (readonly [who: string, bo: string])[];
  capacity: (cfg: C) => number;
  /**
   * The victim policy: a BO validated for `who` (TTM_BO_PIN) is not a victim while this holds
   * (R112; reference-world-rw-umf.md `pin`). Default: pins never hold.
   */
  stillPinned?: (w: World, who: string) => boolean;
  /** The nodes that wait on the move in (H5). Default: `[who]`. */
  neededBy?: (who: string) => string[];
  /** Fences of the resv the move in does not wait on (the needing job's own). Default: none. */
  skip?: (who: string) => string[];
  /**
   * The eviction policy: the design's own move of `b` in over `victim` ('' = a free slot) in place of
   * TTM's `ttm_bo_move_buffer` (seed 002's halt-everything eviction). Same choices, same guard.
   */
  move?: (w: World, b: string, victim: string, who: string) => World;
  /** The rest of the caller's atomic step, after the validation (e.g. the allocating process moves on). */
  after?: (w: World, who: string) => World;
  doc: string;
}

/**
 * ttm_bo_validate as a step: one (who, bo, victim) per choice; the guard is `can_ttm_bo_validate` plus
 * the design's trigger and victim policy, the effect `ttm_bo_move_buffer`.
 */
export function ttmBoValidateStep<C>(o: TtmValidateOpts<C>): StepDef<C, TtmValidateArgs> {
  const pinned = (w: World) => (who: string) => (o.stillPinned ? o.stillPinned(w, who) : false);
  const wanted = (w: World, cfg: C, who: string, b: string) =>
    o.requests(w, cfg).some(([x, y]) => x === who && y === b);
  return {
    name: o.name,
    role: o.role,
    actor: () => o.actor,
    params: (w, cfg) =>
      o
        .requests(w, cfg)
        .filter(([, b]) => needsValidate(w, b))
        .flatMap(([who, b]) =>
          validateChoices(w, b, o.capacity(cfg), pinned(w)).map((v): TtmValidateArgs => [who, b, choiceOf(v)]),
        ),
    enabled: (w, [who, b, choice], cfg) => {
      const v = victimOf(choice);
      return (
        wanted(w, cfg, who, b) &&
        can_ttm_bo_validate(w, b, v, o.capacity(cfg)) &&
        (v === '' || evictable(w, v, b, pinned(w)))
      );
    },
    apply: (w, [who, b, choice]) => {
      const v = victimOf(choice);
      if (o.move) w = o.move(w, b, v, who);
      else w = ttm_bo_move_buffer(w, b, v, o.neededBy ? o.neededBy(who) : [who], o.skip ? o.skip(who) : []);
      return o.after ? o.after(w, who) : w;
    },
    doc: o.doc,
  };
}

const MOVE_DONE = { type: 'TTM_BO_MOVE_DONE' } as const;

/** The copy engine finishes a move (R53); the machine accepts it only while `moving` (every dep signaled). */
export const ttm_bo_move_copy: StepDef<unknown, [bo: string]> = {
  name: 'ttm_bo_move_copy',
  role: 'gpu',
  actor: () => 'copy-engine',
  params: (w) =>
    idsOf(w, 'ttm_buffer_object')
      .filter((b) => stateOf(w, b) === 'moving')
      .map((b): [string] => [b]),
  enabled: (w, [b]) => accepts(w, b, MOVE_DONE),
  apply: (w, [b]) => must(w, b, MOVE_DONE),
  doc: 'R53: the copy completes, the BO is at its new placement, the KERNEL move fence signals',
};

/**
 * What a design built on these TTM paths may expect of TTM itself, one home for the hypotheses the TTM
 * designs share; the explorer still decides each cell per design, and a design that breaks one (no
 * BO fences: no-bo-fences) states its own entry after these.
 */
export const TTM_EXPECTATIONS: Record<
  'vram-within-capacity' | 'no-eviction-with-free-slot' | 'hw-access-resident',
  Expectation
> = {
  'vram-within-capacity': {
    verdict: 'holds',
    why: 'a move in over a victim waits on the eviction fence, so VRAM holds at most vramSlots copies (R53)',
  },
  'no-eviction-with-free-slot': {
    verdict: 'holds',
    why: 'ttm_bo_validate evicts only when VRAM is full (can_ttm_bo_validate, ttm_bo_alloc_resource)',
  },
  'hw-access-resident': {
    verdict: 'holds',
    why: 'work reaches the hardware only once its BOs are resident (prepare_job / rebind / restore, H5)',
  },
};

/**
 * A BO whose release was asked (the last GEM handle closed, or seed 002 §3.3's destroy with a fence list)
 * and not done yet: ttm_bo_release puts a busy BO on the delayed-destroy list, and ttm_bo_delayed_delete
 * frees it once its fences signal. The pending release is the design global `destroy:<bo>`.
 */
export const ttmBoReleaseKey = (b: string): string => `destroy:${b}`;
export const ttmBoReleasePending = (w: World, b: string): boolean => !!w.g[ttmBoReleaseKey(b)];
