/**
 * How model time passes for timeouts: the one time model (issue 11.4). A timeout is a guess: the kernel
 * cannot tell "has deadlocked" from "is still doing useful computations" (seed 002), and a compute job
 * may legitimately run for days (seed 001 "Why shouldn't a kernel run on the GPU for 3 days?"). So a
 * timer guarding some work may fire
 * - when the work is stuck (it cannot progress without the timer: hung, or every kernel and GPU step
 *   is done): a right timeout, always possible once the timer is armed;
 * - while the work is still progressing (a long but healthy job): a wrong timeout. Each one spends one
 *   unit of the config's timeout budget (the design global `timeouts`, shared by every timer of the
 *   design), so the spaces stay finite; a budget of 0 is the assumption "every timeout is longer than
 *   the work it guards".
 * What the timer does when it fires (whom it kills) is the subsystem's recovery path, never the timer's:
 * drm_sched's guilty logic and the driver's reset (models/drm-sched/sched-main.ts), a user queue's hang
 * detection (models/userq/), a wrapper's or a destroy's deadline.
 *
 * Adopting it: a timer is `defineTimeout({ name, actor, params, armed, progressing, budget, expire })`:
 * `armed` is when the kernel has the timer running (R98: a job in pending_list), `progressing` when the
 * guarded work could still finish without it (a GPU or kernel step for it is enabled; use
 * `kernelAndGpuQuiet` for "nothing else can happen"), `expire` the recovery. The step's role is 'timer'.
 */
import type { Json, World } from '../world.ts';
import { setG } from '../world.ts';
import { defineStep, type Args, type StepDef, type StepTable } from '../design.ts';

/** No kernel or GPU step of `steps` is enabled in `w`: nothing but a timer can make progress. */
export function kernelAndGpuQuiet<C>(w: World, cfg: C, steps: StepTable<C>): boolean {
  for (const st of Object.values(steps)) {
    if (st.role !== 'kernel' && st.role !== 'gpu') continue;
    for (const args of st.params ? st.params(w, cfg) : [[]]) {
      if (st.enabled(w, args, cfg)) return false;
    }
  }
  return true;
}

/** The design global counting wrong timeouts (fired while the guarded work was progressing). */
const SPENT = 'timeouts';

/** Wrong timeouts spent so far in this run. */
export function wrongTimeouts(w: World): number {
  const v: Json | undefined = w.g[SPENT];
  return typeof v === 'number' ? v : 0;
}

/**
 * May a timer fire now? Armed, and either the work is stuck (a right timeout) or a wrong timeout is
 * left in `budget`.
 */
function timerMayFire(w: World, armed: boolean, progressing: boolean, budget: number): boolean {
  return armed && (!progressing || wrongTimeouts(w) < budget);
}

/** The timer fired: a wrong timeout (the work was progressing) spends one unit of the budget. */
function timerFired(w: World, progressing: boolean): World {
  return progressing ? setG(w, { [SPENT]: wrongTimeouts(w) + 1 }) : w;
}

export interface TimeoutDef<C, A extends Args> {
  /** The kernel function the timer runs (`drm_sched_job_timedout`): the step key. */
  name: string;
  actor: (args: A, cfg: C) => string;
  params?: (w: World, cfg: C) => readonly A[];
  /** The timer is running (pure). */
  armed: (w: World, args: A, cfg: C) => boolean;
  /** The guarded work could still finish without the timer (pure): firing now is a wrong timeout. */
  progressing: (w: World, args: A, cfg: C) => boolean;
  /** Wrong timeouts this config allows per run (0: timeouts are always longer than the work). */
  budget: (cfg: C) => number;
  /** The recovery the timer runs: the subsystem's, which picks the victims. */
  expire: (w: World, args: A, cfg: C) => World;
  doc?: string;
  touches?: (args: A, cfg: C) => string[];
}

/** A timer as a step of role 'timer', under the one time model above. */
export function defineTimeout<C, A extends Args = []>(t: TimeoutDef<C, A>): StepDef<C, A> {
  const touches = t.touches;
  return defineStep<C, A>({
    name: t.name,
    role: 'timer',
    actor: t.actor,
    ...(t.params ? { params: t.params } : {}),
    enabled: (w, a, cfg) => timerMayFire(w, t.armed(w, a, cfg), t.progressing(w, a, cfg), t.budget(cfg)),
    apply: (w, a, cfg) => {
      const wrong = t.progressing(w, a, cfg);
      return timerFired(t.expire(w, a, cfg), wrong);
    },
    ...(t.doc ? { doc: t.doc } : {}),
    ...(touches ? { touches: (a: A, cfg: C) => [...touches(a, cfg), '$g'] } : {}),
  });
}
