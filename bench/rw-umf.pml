/*
 * RW-UMF(P, J) in Promela, exactly shared/design/reference-world-rw-umf.md: the same state variables,
 * one d_step per atomic action (one action = one transition), the choice of process and victim part
 * of which d_step runs. Build: spin -DP=3 -DJ=2 [-DDESIGN_B] -a rw-umf.pml; gcc -O2 -DNOREDUCE -o pan pan.c.
 *
 * Encoding notes (bijective, so the state count is the spec's):
 *  - evf[i] stores 0 for NONE and v+1 for victim v (globals start at 0);
 *  - bo[i] stores placement XOR (i == P-1), so that BO_{P-1} starts NONRES with every global zero
 *    (an init process would add states);
 *  - the actors' loops sit at their `end` labels between d_steps, so program counters add no states;
 *  - deadlock: the watcher's d_step fires only on `timeout` (no other statement executable) and
 *    asserts all-done; at an all-done end state it is a self-loop (no new state).
 */
#ifndef P
#define P 2
#endif
#ifndef J
#define J 2
#endif

#define RES 0
#define NONRES 1
#define EVICTING 2
#define RUN 0
#define PPEND 1
#define PREEMPTED 2

byte sub[P]; byte done[P]; bool act[P]; byte bo[P]; bool pin[P]; byte evf[P]; byte ctx[P]; bool u[P];

#define FLIP(i)     ((i) == P - 1)
#define BO(i)       (bo[i] ^ FLIP(i))
#define SETBO(i, x) bo[i] = ((x) ^ FLIP(i))
#define NRES        ((BO(0) != NONRES) + (P > 1 && BO(1) != NONRES) + (P > 2 && BO(2) != NONRES) + (P > 3 && BO(3) != NONRES) + (P > 4 && BO(4) != NONRES))
#define UMFOK(i)    ((i) == P - 1 || done[i] > 0 || u[i])
#define HEADQ(i)    (done[i] < sub[i] && !act[i])
#ifdef DESIGN_B
#define WANTBO(i)   (HEADQ(i) || ctx[i] == PREEMPTED)
#define BUSY(v)     (act[v] && ctx[v] == RUN && UMFOK(v))
#define EVDONE(v)   (ctx[v] != PPEND)
#else
#define WANTBO(i)   (HEADQ(i) && UMFOK(i))
#define BUSY(v)     (act[v])
#define EVDONE(v)   (done[v] == sub[v])
#endif
#define NEEDBO(i)   (WANTBO(i) && BO(i) == NONRES && evf[i] == 0)
#define VICTIMOK(i, v) ((v) < P && (v) != (i) && BO(v) == RES && !pin[v] && !BUSY(v))
#define ALLDONE     (done[0] == J && (P < 2 || done[1] == J) && (P < 3 || done[2] == J) && (P < 4 || done[3] == J) && (P < 5 || done[4] == J))

active [P] proctype user() {
  byte i = _pid;
end:
  do
#ifdef DESIGN_B
  :: d_step { sub[i] < J -> sub[i]++ }
#else
  :: d_step { sub[i] < J && BO(i) != EVICTING -> sub[i]++ }
#endif
  :: d_step { i > 0 && done[i] > 0 && !u[i - 1] -> u[i - 1] = 1 }
  od
}

#ifdef DESIGN_B
#define PREEMPT(v) if :: act[v] -> ctx[v] = PPEND :: else -> skip fi
#else
#define PREEMPT(v) skip
#endif
#define EVICT(i, v) :: d_step { NEEDBO(i) && NRES >= P - 1 && VICTIMOK(i, v) -> SETBO(v, EVICTING); evf[i] = (v) + 1; PREEMPT(v) }

active [P] proctype kern() {
  byte i = _pid - P;
  byte e;
end:
  do
  :: d_step { NEEDBO(i) && NRES < P - 1 -> SETBO(i, RES); pin[i] = 1 }
  EVICT(i, 0)
  EVICT(i, 1)
  EVICT(i, 2)
  EVICT(i, 3)
  EVICT(i, 4)
  :: d_step { evf[i] != 0 && EVDONE(evf[i] - 1) -> e = evf[i] - 1; SETBO(e, NONRES); SETBO(i, RES); pin[i] = 1; evf[i] = 0; e = 0 }
#ifdef DESIGN_B
  :: d_step { HEADQ(i) && BO(i) == RES && ctx[i] == RUN -> act[i] = 1; pin[i] = 0 }
  :: d_step { ctx[i] == PREEMPTED && BO(i) == RES -> ctx[i] = RUN; pin[i] = 0 }
#else
  :: d_step { HEADQ(i) && UMFOK(i) && BO(i) != NONRES -> act[i] = 1; pin[i] = 0 }
#endif
  od
}

active [P] proctype gpu() {
  byte i = _pid - 2 * P;
end:
  do
#ifdef DESIGN_B
  :: d_step { act[i] && ctx[i] == RUN && UMFOK(i) -> act[i] = 0; done[i]++ }
  :: d_step { ctx[i] == PPEND -> ctx[i] = PREEMPTED }
#else
  :: d_step { act[i] && UMFOK(i) -> act[i] = 0; done[i]++ }
#endif
  od
}

active proctype watch() {
end:
  do
  :: d_step { timeout -> assert(ALLDONE) }
  od
}
