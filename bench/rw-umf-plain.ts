/**
 * RW-UMF(P, J) in plain TypeScript, straight from shared/design/reference-world-rw-umf.md: one
 * Uint8Array per state, one function per atomic action. No xstate. It is the oracle the xstate designs
 * (models/designs/rw-umf-*.ts) are tested against (same distinct states, same transitions, same
 * shortest deadlock), and the "plain TS" row of the bench.
 *
 * Layout per ring i, 8 bytes at 8*i: sub, done, act, bo, pin, evf (255 = NONE), ctx, u.
 */
export const RES = 0,
  NONRES = 1,
  EVICTING = 2;
export const RUN = 0,
  PPEND = 1,
  PREEMPTED = 2;
export const NONE = 255;
const SUB = 0,
  DONE = 1,
  ACT = 2,
  BO = 3,
  PIN = 4,
  EVF = 5,
  CTX = 6,
  U = 7;

export type Design = 'A' | 'B';
export interface PlainAction {
  name: string;
  args: number[];
  next: Uint8Array;
}

export function plainInit(P: number): Uint8Array {
  const s = new Uint8Array(8 * P);
  for (let i = 0; i < P; i++) {
    s[8 * i + BO] = i === P - 1 ? NONRES : RES;
    s[8 * i + EVF] = NONE;
  }
  return s;
}

export function plainActions(d: Design, P: number, J: number, s: Uint8Array): PlainAction[] {
  const out: PlainAction[] = [];
  const g = (i: number, f: number) => s[8 * i + f];
  const umfok = (i: number) => i === P - 1 || g(i, DONE) > 0 || g(i, U) === 1;
  const headq = (i: number) => g(i, DONE) < g(i, SUB) && !g(i, ACT);
  const wantbo = (i: number) => (d === 'A' ? headq(i) && umfok(i) : headq(i) || g(i, CTX) === PREEMPTED);
  const needbo = (i: number) => wantbo(i) && g(i, BO) === NONRES && g(i, EVF) === NONE;
  const busy = (v: number) => (d === 'A' ? !!g(v, ACT) : !!g(v, ACT) && g(v, CTX) === RUN && umfok(v));
  const victimok = (i: number, v: number) => v !== i && g(v, BO) === RES && !g(v, PIN) && !busy(v);
  const evdone = (v: number) => (d === 'A' ? g(v, DONE) === g(v, SUB) : g(v, CTX) !== PPEND);
  let nres = 0;
  for (let i = 0; i < P; i++) if (g(i, BO) !== NONRES) nres++;
  const mk = (name: string, args: number[], f: (n: Uint8Array) => void) => {
    const n = s.slice();
    f(n);
    out.push({ name, args, next: n });
  };
  const set = (n: Uint8Array, i: number, f: number, v: number) => {
    n[8 * i + f] = v;
  };
  for (let i = 0; i < P; i++) {
    if (g(i, SUB) < J && (d === 'B' || g(i, BO) !== EVICTING)) mk('submit', [i], (n) => set(n, i, SUB, g(i, SUB) + 1));
    if (i > 0 && g(i, DONE) > 0 && !g(i - 1, U)) mk('writeUmf', [i], (n) => set(n, i - 1, U, 1));
    if (needbo(i) && nres < P - 1)
      mk('takeFree', [i], (n) => {
        set(n, i, BO, RES);
        set(n, i, PIN, 1);
      });
    if (needbo(i) && nres >= P - 1)
      for (let v = 0; v < P; v++)
        if (victimok(i, v))
          mk('evict', [i, v], (n) => {
            set(n, v, BO, EVICTING);
            set(n, i, EVF, v);
            if (d === 'B' && g(v, ACT)) set(n, v, CTX, PPEND);
          });
    const e = g(i, EVF);
    if (e !== NONE && evdone(e))
      mk('finishEvict', [i], (n) => {
        set(n, e, BO, NONRES);
        set(n, i, BO, RES);
        set(n, i, PIN, 1);
        set(n, i, EVF, NONE);
      });
    if (headq(i) && (d === 'A' ? umfok(i) && g(i, BO) !== NONRES : g(i, BO) === RES && g(i, CTX) === RUN))
      mk('start', [i], (n) => {
        set(n, i, ACT, 1);
        set(n, i, PIN, 0);
      });
    if (d === 'B' && g(i, CTX) === PREEMPTED && g(i, BO) === RES)
      mk('resume', [i], (n) => {
        set(n, i, CTX, RUN);
        set(n, i, PIN, 0);
      });
    if (g(i, ACT) && (d === 'A' || g(i, CTX) === RUN) && umfok(i))
      mk('complete', [i], (n) => {
        set(n, i, ACT, 0);
        set(n, i, DONE, g(i, DONE) + 1);
      });
    if (d === 'B' && g(i, CTX) === PPEND) mk('preemptDone', [i], (n) => set(n, i, CTX, PREEMPTED));
  }
  return out;
}

export function plainAllDone(P: number, J: number, s: Uint8Array): boolean {
  for (let i = 0; i < P; i++) if (s[8 * i + DONE] < J) return false;
  return true;
}

export interface PlainBfsResult {
  states: number;
  transitions: number;
  deadlocks: number;
  firstDeadlockDepth: number;
  firstDeadlockStates: number;
  ms: number;
}

/** BFS with a string-keyed Set (the "plain TS" reference). Counts everything; notes the first deadlock. */
export function plainBfs(d: Design, P: number, J: number): PlainBfsResult {
  const t0 = performance.now();
  const key = (s: Uint8Array) => String.fromCharCode(...s);
  const seen = new Set<string>();
  let level: Uint8Array[] = [plainInit(P)];
  seen.add(key(level[0]));
  let transitions = 0,
    deadlocks = 0,
    firstDeadlockDepth = -1,
    firstDeadlockStates = 0,
    depth = 0;
  while (level.length) {
    const next: Uint8Array[] = [];
    for (const s of level) {
      const acts = plainActions(d, P, J, s);
      if (!acts.length && !plainAllDone(P, J, s)) {
        deadlocks++;
        if (firstDeadlockDepth < 0) {
          firstDeadlockDepth = depth;
          firstDeadlockStates = seen.size;
        }
      }
      for (const a of acts) {
        transitions++;
        const k = key(a.next);
        if (!seen.has(k)) {
          seen.add(k);
          next.push(a.next);
        }
      }
    }
    level = next;
    depth++;
  }
  return {
    states: seen.size,
    transitions,
    deadlocks,
    firstDeadlockDepth,
    firstDeadlockStates,
    ms: performance.now() - t0,
  };
}
