/**
 * Exact liveness on the explored graph (issue 13.2), for drain properties that declare a graph form.
 * The drain (drain.ts) follows one fair schedule from each state; here every schedule counts. On the
 * state graph the exhaustive explorer builds, restricted to kernel, GPU and timer edges (DRAIN_ROLES:
 * userspace stopped, no new faults), a drain property is violated
 *  (a) at a reachable state with no such edge where its drain judgment fails (it is where some drain
 *      settles; every state a drain path reaches is reachable, so judging every stuck state is exact), or
 *  (b) on a weakly fair cycle (every drain action enabled in every state of the cycle is taken in it)
 *      along which one of its obligations stays unmet. Found by SCC analysis (iterative Tarjan) on the
 *      drain edges among the states where an obligation is unmet, as TLC and Spin decide liveness under
 *      fairness: weak fairness needs no refinement of an SCC, since the cycle through all its states and
 *      edges is the fairest one. Signalling is monotone, so a fence's status is constant inside an SCC;
 *      the one level of refinement below (per obligation) covers obligations that are not.
 * Counterexamples are lassos: the breadth-first prefix to the SCC's shallowest state and a fair cycle
 * back to it (`Found.loop`). Obligations that depend on where a drain starts (`carried`: a fence pending
 * on a hung context must end signalled with an error) are decided backwards: per obligation, the states
 * from which drain edges reach a stuck state, or a fair SCC, where it is unmet; then every state's drain
 * edges are kept. A property's graph form (`graph` beside `drain`, drain-path.ts): `unmet(w)`, the
 * obligations open at w (ids; a cycle must keep one open throughout), optionally `always(w)`, a part of
 * the drain judgment that looks only at the starting state (judged at every reachable state), and
 * `carried`. Edges are stored compactly while the search runs (a target index and a label id per drain
 * edge, only from states with an open obligation unless some obligation is carried); `bytes` counts them
 * with the indexed fingerprint set.
 */
import type { Design } from '../../models/design.ts';
import type { World } from '../../models/world.ts';
import { worldImage } from '../../models/world.ts';
import type { Property } from '../../properties/property.ts';
import type { Finding } from '../check.ts';
import { enabledActions, type Action } from '../world/steps.ts';
import { cachedLabel, type EngineState, type Succ } from '../world/fast.ts';
import { toTraceStep, type Found, type TraceStep } from './trace.ts';
import { drainPathJudgment, drainRunStart, graphLiveness, isDrainRole, type GraphLiveness } from './drain-path.ts';

/** The drain judgment where nothing drains: the state is where the drain settled. */
function stuckJudgment(p: Property, w: World, cfg: unknown, bound: number): string | null {
  const g = graphLiveness(p);
  return g?.always?.(w, cfg) ?? p.drain!(w, { settled: w, steps: 0, labels: [], bound }, cfg);
}

/**
 * A fingerprint set that also gives the index (insertion order = state index) of a fingerprint seen. An
 * entry's two halves and its index sit side by side (one cache miss a probe).
 */
class IndexedFingerprintSet {
  private t: Int32Array;
  private mask: number;
  size = 0;
  /** After an `add` that found the fingerprint: the index of that state. */
  hit = -1;
  constructor(capacity = 1 << 16) {
    let c = 1 << 4;
    while (c < capacity) c <<= 1;
    this.t = new Int32Array(3 * c);
    this.mask = c - 1;
  }
  get bytes(): number {
    return this.t.byteLength;
  }
  /** The entry of (h1, h2) (h2 already moved off the empty mark): where it is, or the empty one it would take. */
  private slot(h1: number, h2: number): number {
    const t = this.t,
      mask = this.mask;
    for (let i = (h1 ^ (h2 >>> 9)) & mask; ; i = (i + 1) & mask) {
      const a = t[3 * i],
        b = t[3 * i + 1];
      if ((a === 0 && b === 0) || (a === h1 && b === h2)) return i;
    }
  }
  add(h1: number, h2: number): boolean {
    if (this.dead) throw new Error('internal: the fingerprint set was handed to the SCC analysis');
    if (h1 === 0 && h2 === 0) h2 = 1;
    const t = this.t,
      i = this.slot(h1, h2);
    if (t[3 * i] !== 0 || t[3 * i + 1] !== 0) {
      this.hit = t[3 * i + 2];
      return false;
    }
    t[3 * i] = h1;
    t[3 * i + 1] = h2;
    t[3 * i + 2] = this.size;
    if (++this.size * 5 > (this.mask + 1) * 4) this.grow();
    return true;
  }
  has(h1: number, h2: number): boolean {
    return this.find(h1, h2) >= 0;
  }
  /** The index of a fingerprint seen, or -1. */
  find(h1: number, h2: number): number {
    if (h1 === 0 && h2 === 0) h2 = 1;
    const t = this.t,
      i = this.slot(h1, h2);
    return t[3 * i] === 0 && t[3 * i + 1] === 0 ? -1 : t[3 * i + 2];
  }
  /**
   * Once the search is over, the set's memory as the SCC analysis' arrays for `n` states (it holds at
   * least 1.25 n entries of three int32s): `index`, `low`, `on` and, behind `on`, the edge offsets `off`
   * (n + 1 of them) when they fit. The set cannot be used after this.
   */
  scratch(n: number): { index: Int32Array; low: Int32Array; on: Uint8Array; off: Int32Array | null } | null {
    if (this.mask + 1 < n || this.dead) return null;
    this.dead = true;
    const buf = this.t.buffer;
    const at = Math.ceil((9 * n) / 4) * 4; // bytes: index and low (4n each), then on (n)
    return {
      index: new Int32Array(buf, 0, n).fill(-1),
      low: new Int32Array(buf, 4 * n, n),
      on: new Uint8Array(buf, 8 * n, n).fill(0),
      off: at + 4 * (n + 1) <= buf.byteLength ? new Int32Array(buf, at, n + 1) : null,
    };
  }
  private dead = false;
  private grow() {
    const o = this.t;
    const c = (2 * o.length) / 3; // entries: twice the old capacity
    this.t = new Int32Array(3 * c);
    this.mask = c - 1;
    const t = this.t;
    for (let j = 0; j < o.length; j += 3) {
      if (o[j] === 0 && o[j + 1] === 0) continue;
      for (let i = (o[j] ^ (o[j + 1] >>> 9)) & this.mask; ; i = (i + 1) & this.mask)
        if (t[3 * i] === 0 && t[3 * i + 1] === 0) {
          t[3 * i] = o[j];
          t[3 * i + 1] = o[j + 1];
          t[3 * i + 2] = o[j + 2];
          break;
        }
    }
  }
}

type TypedCtor = Int32ArrayConstructor | Uint16ArrayConstructor | Uint8ArrayConstructor;
class Grow<T extends Int32Array | Uint16Array | Uint8Array> {
  a: T;
  constructor(private C: TypedCtor) {
    this.a = new C(1 << 12) as T;
  }
  widen(C: TypedCtor) {
    const b = new C(this.a.length) as T;
    b.set(this.a);
    this.a = b;
    this.C = C;
  }
  set(i: number, x: number) {
    if (i >= this.a.length) {
      const b = new this.C(Math.max(i + 1, Math.ceil(this.a.length * 1.5))) as T;
      b.set(this.a);
      this.a = b;
    }
    this.a[i] = x;
  }
}

interface Tracked {
  p: Property;
  g: GraphLiveness;
  bit: number;
  /** `always` and "some obligation is open" as functions of the world alone (FastEngine.memoOf keys them). */
  always: (w: World) => string | null;
  open: (w: World) => boolean;
  /** Carried obligations: per expanded state, the interned sets `from(w)` and `met(w)` (2 bytes until 65,536 sets). */
  c: { from: Grow<Uint16Array | Int32Array>; met: Grow<Uint16Array | Int32Array> } | null;
}

/** What the graph form judges at one state (`LivenessGraph.judge`). */
export interface StateJudgment {
  /** Findings there: `always`, or a stuck state's drain judgment. */
  out: Finding[];
  /** A bit per tracked property whose obligation is open there (`unmet`, the state not stuck). */
  flags: number;
  /** Some carried obligation is looked for (the state's edges are kept, its stuckness recorded). */
  carry: boolean;
  /** No drain edge leaves the state. */
  stuck: boolean;
  /** Per tracked property with carried obligations, in order: the interned sets `from(w)` and `met(w)`. */
  from: number[];
  met: number[];
}
const NONE: number[] = Object.freeze([]) as unknown as number[];

/** A path in the graph: labels taken, from a state index. */
interface Lasso {
  root: number;
  labels: number[];
}

/**
 * The drain-edge graph of one exhaustive search, and the judgments on it. The explorer calls
 * `expand` for every state in index order, `edge` for every successor after adding it to `fps`, and
 * `cycles` once the search ends.
 */
export class LivenessGraph {
  readonly fps = new IndexedFingerprintSet();
  private tracked: Tracked[];
  /**
   * Drain edges recorded from each state (one byte until some state has more than 255); the edges of
   * state i follow those of states < i in `to`, so their offsets are prefix sums, built once the search
   * is over (`off`), in the fingerprint set's memory when it fits.
   */
  private deg = new Grow<Uint8Array | Uint16Array | Int32Array>(Uint8Array);
  private off: Int32Array = new Int32Array(1);
  private scr: ReturnType<IndexedFingerprintSet['scratch']> = null;
  private to = new Grow<Int32Array>(Int32Array);
  /** Label ids: one byte until a design has more than 256 distinct drain actions. */
  private lab = new Grow<Uint8Array | Uint16Array>(Uint8Array);
  private flags = new Grow<Uint8Array>(Uint8Array);
  private labelIds = new Map<string, number>();
  private labelNames: string[] = [];
  private n = 0;
  private e = 0;
  private cur = 0;
  private rest: { size: number; set: Set<string> } | null = null;
  /** With carried obligations: every state's drain edges are kept, and whether it has none (stuck). */
  private stk = new Grow<Uint8Array>(Uint8Array);
  /** States some drain edge enters, a bit each (a bound's frontier is drained only there: `enteredByDrain`). */
  private drainIn = new Grow<Int32Array>(Int32Array);
  /** Interned id sets of carried obligations (0: the empty set). */
  private sets: string[][] = [[]];
  private setIds = new Map<string, number>([['', 0]]);
  /** Bytes of the SCC analysis' arrays: the edge offsets when not in the set's memory, and the peak of the rest. */
  private sccBytes = 0;
  private sccPeak = 0;
  /** How many of the tracked properties carry obligations (the length of a judgment's `from` and `met`). */
  readonly carriedCount: number;

  constructor(
    private d: Design,
    private cfg: unknown,
    props: Property[],
    private bound: number,
  ) {
    this.tracked = props
      .map((p) => ({ p, g: graphLiveness(p)! }))
      .filter((t) => t.g)
      .slice(0, 8)
      .map((t, i) => ({
        ...t,
        bit: 1 << i,
        always: (w: World) => t.g.always?.(w, cfg) ?? null,
        open: (w: World) => t.g.unmet(w, cfg).length > 0,
        c: t.g.carried
          ? {
              from: new Grow<Uint16Array | Int32Array>(Uint16Array),
              met: new Grow<Uint16Array | Int32Array>(Uint16Array),
            }
          : null,
      }));
    this.carriedCount = this.tracked.filter((t) => t.c).length;
  }

  /**
   * A graph for the drain properties (`drains`) looked for (`props`) that have a graph form, or null when
   * none has one or `liveness` is 'drain'.
   */
  static for(
    d: Design,
    cfg: unknown,
    drains: readonly Property[],
    props: readonly string[],
    liveness?: 'graph' | 'drain',
  ): LivenessGraph | null {
    if (liveness === 'drain') return null;
    const g = new LivenessGraph(
      d,
      cfg,
      drains.filter((p) => props.includes(p.name)),
      d.drainBound ?? 400,
    );
    return g.tracked.length ? g : null;
  }

  /** The names the graph decides. */
  get decides(): string[] {
    return this.tracked.map((t) => t.p.name);
  }

  get bytes(): number {
    return (
      this.fps.bytes +
      this.deg.a.byteLength +
      this.to.a.byteLength +
      this.lab.a.byteLength +
      this.flags.a.byteLength +
      this.drainIn.a.byteLength +
      this.tracked.reduce((b, t) => b + (t.c ? t.c.from.a.byteLength + t.c.met.a.byteLength : 0), 0) +
      (this.tracked.some((t) => t.c) ? this.stk.a.byteLength : 0) +
      this.sccBytes +
      this.sccPeak
    );
  }

  get edges(): number {
    return this.e;
  }

  /** `want` without the properties the graph decides (what the checker's drains still judge). */
  others(want: Set<string>): Set<string> {
    if (this.rest?.size !== want.size) {
      const set = new Set(want);
      for (const t of this.tracked) set.delete(t.p.name);
      this.rest = { size: want.size, set };
    }
    return this.rest.set;
  }

  /** State `i` (the next in index order) is expanded: its judgments, and which obligations are open. */
  expand(i: number, W: () => World, succ: readonly Succ[], want: Set<string>, at?: EngineState): Finding[] {
    const j = this.judge(W, succ, want, at);
    this.addState(i, j);
    return j.out;
  }

  /**
   * The graph form's judgments at one state, recorded nowhere: the findings of `always` and of a stuck
   * state, the open obligations' bits, and the interned carried sets (a parallel shard judges its states
   * with this and the coordinator's graph records them, `addState`). With `at` (the state on the engine),
   * `always` and whether an obligation is open are memoized on what they read (FastEngine.memoOf).
   */
  judge(W: () => World, succ: readonly Succ[], want: Set<string>, at?: EngineState): StateJudgment {
    let f = 0;
    const out: Finding[] = [];
    let stuck: boolean | undefined;
    let carry = false;
    const from: number[] = this.carriedCount ? [] : NONE,
      met: number[] = this.carriedCount ? [] : NONE;
    for (const t of this.tracked) {
      if (!t.c) continue;
      let a = 0,
        b = 0;
      if (want.has(t.p.name)) {
        carry = true;
        a = this.internSet(t.g.carried!.from(W(), this.cfg));
        b = this.internSet(t.g.carried!.met(W(), this.cfg));
      }
      from.push(a);
      met.push(b);
    }
    if (carry) stuck = !succ.some((s) => isDrainRole(s.step.role));
    for (const t of this.tracked) {
      if (!want.has(t.p.name)) continue;
      const a = !t.g.always ? null : at ? at.engine.memoOf(t.always, at.vec, W, t.p.name) : t.always(W());
      if (a) {
        out.push({ property: t.p.name, message: a, drain: [] });
        continue;
      }
      stuck ??= !succ.some((s) => isDrainRole(s.step.role));
      if (stuck) {
        const m = stuckJudgment(t.p, W(), this.cfg, this.bound);
        if (m) out.push({ property: t.p.name, message: m, drain: [] });
      } else if (at ? at.engine.memoOf(t.open, at.vec, W, t.p.name) : t.open(W())) f |= t.bit;
    }
    return { out, flags: f, carry, stuck: stuck === true, from, met };
  }

  /** Record state `i` (the next in index order) with its judgment; `edge` or `addEdge` then add its drain edges. */
  addState(i: number, j: Omit<StateJudgment, 'out'>) {
    if (i !== this.n) throw new Error(`internal: liveness graph expands state ${i}, expected ${this.n}`);
    this.deg.set(i, 0);
    this.n++;
    let k = 0;
    for (const t of this.tracked) {
      if (!t.c) continue;
      t.c.from.set(i, j.from[k]);
      t.c.met.set(i, j.met[k]);
      k++;
    }
    if (j.carry) this.stk.set(i, j.stuck ? 1 : 0);
    this.flags.set(i, j.flags);
    // a carried obligation may be unmet anywhere along a drain path: every state's drain edges are kept
    this.cur = j.flags | (j.carry ? 0x100 : 0);
  }

  /** The interned carried set `id` (the ids it holds), and how many sets are interned. */
  setOf(id: number): readonly string[] {
    return this.sets[id];
  }
  get setCount(): number {
    return this.sets.length;
  }

  /** The id of a carried set, interned (also a shard's sets, once the coordinator's graph records them). */
  internSet(ids: readonly string[]): number {
    if (!ids.length) return 0;
    const k = ids.join('\0');
    let id = this.setIds.get(k);
    if (id === undefined) {
      id = this.sets.length;
      if (id === 0x10000)
        for (const t of this.tracked)
          if (t.c) {
            t.c.from.widen(Int32Array);
            t.c.met.widen(Int32Array);
          }
      this.sets.push([...ids]);
      this.setIds.set(k, id);
    }
    return id;
  }

  /**
   * Is state `j` the target of a drain edge from an expanded state? When a bound stops the search, only
   * those of the states not expanded can lie on a drain path from one that was.
   */
  enteredByDrain(j: number): boolean {
    return ((this.drainIn.a[j >>> 5] ?? 0) & (1 << (j & 31))) !== 0;
  }

  /** States expanded completely (0 .. expanded - 1). */
  get expanded(): number {
    return this.n;
  }

  /** State `i`, the last one expanded, was cut short by a bound: forget it was expanded. */
  cut(i: number) {
    if (i !== this.n - 1) return;
    this.n--;
    this.e -= this.deg.a[i];
    this.deg.a[i] = 0;
  }

  /** Successor `s` of the state being expanded is state `target`. */
  edge(s: Succ, target: number) {
    if (!isDrainRole(s.step.role)) return;
    const w = target >>> 5,
      bit = 1 << (target & 31);
    if (w >= this.drainIn.a.length || !(this.drainIn.a[w] & bit)) this.drainIn.set(w, (this.drainIn.a[w] ?? 0) | bit);
    if (this.cur) this.addEdge(target, s.cand ? s.cand.label : cachedLabel(s.step, s.args));
  }

  /** A drain edge, labelled `label`, from the state recorded last to state `target`. */
  addEdge(target: number, label: string) {
    let id = this.labelIds.get(label);
    if (id === undefined) {
      id = this.labelNames.length;
      if (id > 0xffff) throw new Error('more than 65536 distinct drain actions');
      if (id === 0x100) this.lab.widen(Uint16Array);
      this.labelNames.push(label);
      this.labelIds.set(label, id);
    }
    this.to.set(this.e, target);
    this.lab.set(this.e, id);
    this.e++;
    const u = this.n - 1;
    const d = this.deg.a[u] + 1;
    if (d === 0x100 && this.deg.a instanceof Uint8Array) this.deg.widen(Uint16Array);
    else if (d === 0x10000 && this.deg.a instanceof Uint16Array) this.deg.widen(Int32Array);
    this.deg.a[u] = d;
  }

  /**
   * After the search: a lasso for each property in `want` the graph decides, where a weakly fair drain
   * cycle keeps an obligation open. `pathTo(i)` gives the enabled-action indices from the initial state.
   * Cycles among expanded states are real also when a bound stopped the search (their states' edges are
   * all known), so this runs on partial graphs too.
   */
  cycles(want: Set<string>, pathTo: (i: number) => number[]): Found[] {
    const n = this.n;
    this.scr = this.fps.scratch(n);
    let off = this.scr?.off ?? null;
    if (!off) {
      off = new Int32Array(n + 1);
      this.sccBytes += off.byteLength;
    }
    for (let u = 0, e = 0; u <= n; u++) {
      off[u] = e;
      if (u < n) e += this.deg.a[u];
    }
    this.off = off;
    const out: Found[] = [];
    for (const t of this.tracked) {
      if (!want.has(t.p.name)) continue;
      const inSet = (u: number) => u < this.n && (this.flags.a[u] & t.bit) !== 0;
      let found: Found | null = null;
      this.sccs(inSet, (nodes, inC) => {
        found = this.judgeScc(t, nodes, inC, pathTo);
        return found !== null;
      });
      if (found) out.push(found);
    }
    for (const t of this.tracked) {
      if (!t.c || !want.has(t.p.name) || out.some((f) => f.property === t.p.name)) continue;
      const f = this.carriedFinding(t, pathTo);
      if (f) out.push(f);
    }
    return out;
  }

  /** The expanded states on a cycle of drain edges (a nontrivial SCC, or a self-loop), once. */
  private cyclic: Uint8Array | null = null;
  private onCycles(): Uint8Array {
    if (this.cyclic) return this.cyclic;
    const n = this.n;
    const c = new Uint8Array(n);
    this.sccBytes += c.byteLength;
    this.sccs(
      (u) => u < n,
      (nodes) => {
        for (const v of nodes) c[v] = 1;
        return false;
      },
    );
    this.cyclic = c;
    return c;
  }

  /**
   * Carried obligations (`GraphLiveness.carried`), for each id some state takes on, in id order: the goals
   * are the expanded states where it is not met and no drain edge leaves (a drain settles there), and
   * those of a weakly fair SCC of drain edges among states where it is not met; the states that reach a
   * goal along drain edges are found backwards. The shallowest state taking the id on that reaches a goal
   * gives the counterexample: its breadth-first prefix, then the shortest drain path to a goal (and a
   * fair cycle there, a lasso). Judged again on the rebuilt worlds, as a replay judges it.
   */
  private carriedFinding(t: Tracked, pathTo: (i: number) => number[]): Found | null {
    const n = this.n;
    const from = t.c!.from.a,
      met = t.c!.met.a,
      stk = this.stk.a;
    const used = new Uint8Array(this.sets.length);
    for (let u = 0; u < n; u++) used[from[u]] = 1;
    const ids = [...new Set(this.sets.filter((_, k) => used[k]).flat())].sort();
    if (!ids.length) return null;
    // reverse drain edges among expanded states (CSR)
    const off = this.off,
      to = this.to.a;
    // rOff[v] counts v's in-edges, then (summed) is the end of v's range; placing each edge from that end
    // down leaves it at the start (state u's in-edges in index order)
    const rOff = new Int32Array(n + 1);
    for (let k = 0; k < off[n]; k++) if (to[k] < n) rOff[to[k]]++;
    for (let u = 1; u < n; u++) rOff[u] += rOff[u - 1];
    rOff[n] = n ? rOff[n - 1] : 0;
    const rFrom = new Int32Array(rOff[n]);
    for (let u = n - 1; u >= 0; u--) for (let k = off[u]; k < off[u + 1]; k++) if (to[k] < n) rFrom[--rOff[to[k]]] = u;
    const cyc = this.onCycles();
    const anyCycle = cyc.includes(1);
    const goal = new Uint8Array(n); // 1: stuck, 2: on a fair cycle
    const sub = new Int32Array(anyCycle ? n : 0); // the fair SCC a goal of kind 2 is in (its id + 1)
    const reach = new Uint8Array(n);
    const q = new Int32Array(n);
    this.sccBytes = Math.max(
      this.sccBytes,
      rOff.byteLength + rFrom.byteLength + goal.byteLength + sub.byteLength + 5 * n,
    );
    for (const x of ids) {
      const has = this.sets.map((set) => set.includes(x)); // by interned set id
      const bad = (u: number) => !has[met[u]];
      goal.fill(0);
      sub.fill(0);
      reach.fill(0);
      for (let u = 0; u < n; u++) if (stk[u] && bad(u)) goal[u] = 1;
      if (anyCycle) {
        let sid = 0;
        this.sccs(
          (u) => u < n && cyc[u] === 1 && bad(u),
          (nodes, inS) => {
            if (!this.fair(nodes, inS)) return false;
            sid++;
            for (const v of nodes) {
              goal[v] = 2;
              sub[v] = sid;
            }
            return false;
          },
        );
      }
      let qt = 0;
      for (let u = 0; u < n; u++) if (goal[u]) q[qt++] = u;
      for (const u of q.subarray(0, qt)) reach[u] = 1;
      for (let h = 0; h < qt; h++) {
        const v = q[h];
        for (let k = rOff[v]; k < rOff[v + 1]; k++) {
          const u = rFrom[k];
          if (!reach[u]) {
            reach[u] = 1;
            q[qt++] = u;
          }
        }
      }
      let s = -1;
      for (let u = 0; u < n && s < 0; u++) if (reach[u] && has[from[u]]) s = u;
      if (s < 0) continue;
      const path = must(
        this.pathIn(
          s,
          (u) => u < n && reach[u] === 1,
          (u) => goal[u] !== 0,
        ),
      );
      const end = path.length ? path[path.length - 1][1] : s;
      let labels = path.map(([l]) => l);
      let loop: number | undefined;
      if (goal[end] === 2) {
        const sid = sub[end];
        loop = labels.length;
        labels = [...labels, ...this.fairCycle(end, (v) => v < n && sub[v] === sid).labels];
      }
      const r = lassoWorlds(
        this.d,
        this.cfg,
        pathTo(s),
        labels.map((l) => this.labelNames[l]),
      );
      const acts = r.acts;
      const m =
        loop === undefined
          ? drainPathJudgment(t.p, this.cfg, r.worlds, acts, this.bound)
          : carriedCycleJudgment(t.g, this.cfg, r.worlds, acts, r.prefix.length + loop);
      if (!m) throw new Error(`internal: liveness graph: ${t.p.name}'s carried ${x} is met on the path found`);
      return {
        property: t.p.name,
        message: m,
        actions: [...r.prefix, ...r.cycle],
        ...(loop === undefined ? {} : { loop: r.prefix.length + loop }),
        drain: [],
      };
    }
    return null;
  }

  private outEdges(u: number): [number, number] {
    return [this.off[u], this.off[u + 1]];
  }

  /** Iterative Tarjan over the states `inSet` admits; `onScc` gets each SCC and returns true to stop. */
  private sccs(inSet: (u: number) => boolean, onScc: (nodes: number[], inC: (v: number) => boolean) => boolean) {
    const n = this.n;
    // 9 B a state, in the fingerprint set's memory the first time (the search is over); a popped state's
    // `low` holds -2 - (its SCC's id); the stacks grow as needed
    const reused = this.scr;
    this.scr = null;
    const index = reused?.index ?? new Int32Array(n).fill(-1);
    const low = reused?.low ?? new Int32Array(n);
    const on = reused?.on ?? new Uint8Array(n);
    const own = reused ? 0 : index.byteLength + low.byteLength + on.byteLength;
    const stack = new Grow<Int32Array>(Int32Array);
    const csNode = new Grow<Int32Array>(Int32Array);
    const csEdge = new Grow<Int32Array>(Int32Array);
    const to = this.to.a,
      off = this.off;
    let counter = 0,
      sp = 0,
      csp = 0,
      cid = 0;
    for (let root = 0; root < n; root++) {
      if (index[root] !== -1 || !inSet(root)) continue;
      index[root] = low[root] = counter++;
      stack.set(sp++, root);
      on[root] = 1;
      csNode.set(0, root);
      csEdge.set(0, off[root]);
      csp = 1;
      while (csp > 0) {
        const u = csNode.a[csp - 1];
        const ei = csEdge.a[csp - 1];
        if (ei < off[u + 1]) {
          csEdge.a[csp - 1] = ei + 1;
          const v = to[ei];
          if (!inSet(v)) continue;
          if (index[v] === -1) {
            index[v] = low[v] = counter++;
            stack.set(sp++, v);
            on[v] = 1;
            csNode.set(csp, v);
            csEdge.set(csp, off[v]);
            csp++;
          } else if (on[v] && index[v] < low[u]) low[u] = index[v];
          continue;
        }
        csp--;
        if (csp > 0) {
          const p = csNode.a[csp - 1];
          if (low[u] < low[p]) low[p] = low[u];
        }
        if (low[u] !== index[u]) continue;
        const nodes: number[] = [];
        const id = cid++;
        for (;;) {
          const v = stack.a[--sp];
          on[v] = 0;
          low[v] = -2 - id;
          nodes.push(v);
          if (v === u) break;
        }
        this.sccPeak = Math.max(this.sccPeak, own + stack.a.byteLength + csNode.a.byteLength + csEdge.a.byteLength);
        const inC = (v: number) => v < n && low[v] === -2 - id;
        if (nodes.length === 1) {
          const [a, b] = this.outEdges(u);
          let self = false;
          for (let k = a; k < b; k++) if (to[k] === u) self = true;
          if (!self) continue;
        }
        if (onScc(nodes, inC)) return;
      }
    }
  }

  /** Labels of the drain actions enabled at u (all its drain edges). */
  private enabledAt(u: number): Set<number> {
    const [a, b] = this.outEdges(u);
    const s = new Set<number>();
    for (let k = a; k < b; k++) s.add(this.lab.a[k]);
    return s;
  }

  /** Is some cycle through every state of C weakly fair: is each label enabled throughout C taken in C? */
  private fair(nodes: number[], inC: (v: number) => boolean): boolean {
    let always: Set<number> | null = null;
    const taken = new Set<number>();
    for (const u of nodes) {
      const en = this.enabledAt(u);
      always = always === null ? en : intersect(always, en);
      const [a, b] = this.outEdges(u);
      for (let k = a; k < b; k++) if (inC(this.to.a[k])) taken.add(this.lab.a[k]);
    }
    for (const l of always ?? []) if (!taken.has(l)) return false;
    return true;
  }

  /** Shortest path inside C from `from` to a state satisfying `goal`; edges as [label, to]. */
  private pathIn(from: number, inC: (v: number) => boolean, goal: (u: number) => boolean): [number, number][] | null {
    if (goal(from)) return [];
    const prev = new Map<number, [number, number]>([[from, [-1, -1]]]);
    const q = [from];
    for (let h = 0; h < q.length; h++) {
      const u = q[h];
      const [a, b] = this.outEdges(u);
      for (let k = a; k < b; k++) {
        const v = this.to.a[k];
        if (!inC(v) || prev.has(v)) continue;
        prev.set(v, [u, this.lab.a[k]]);
        if (goal(v)) {
          const path: [number, number][] = [];
          for (let x = v; x !== from; x = prev.get(x)![0]) path.push([prev.get(x)![1], x]);
          return path.reverse();
        }
        q.push(v);
      }
    }
    return null;
  }

  /**
   * A weakly fair cycle through `root` inside C (greedy: each label still enabled at every state visited
   * is then either taken or left behind at a state where it is disabled; C's fairness guarantees one).
   */
  private fairCycle(root: number, inC: (v: number) => boolean): Lasso {
    const labels: number[] = [];
    let always = this.enabledAt(root);
    const taken = new Set<number>();
    let cur = root;
    const visit = (path: [number, number][]) => {
      for (const [l, v] of path) {
        labels.push(l);
        taken.add(l);
        const en = this.enabledAt(v);
        always = intersect(always, en);
        cur = v;
      }
    };
    for (;;) {
      const need = [...always].find((l) => !taken.has(l));
      if (need === undefined) break;
      // to a state with an edge labelled `need` inside C, then along it; else to a state where it is disabled
      const hasEdge = (u: number) => {
        const [a, b] = this.outEdges(u);
        for (let k = a; k < b; k++) if (this.lab.a[k] === need && inC(this.to.a[k])) return k;
        return -1;
      };
      const p = this.pathIn(cur, inC, (u) => hasEdge(u) >= 0);
      if (p) {
        visit(p);
        visit([[need, this.to.a[hasEdge(cur)]]]);
      } else visit(must(this.pathIn(cur, inC, (u) => !this.enabledAt(u).has(need))));
    }
    if (cur !== root || !labels.length) {
      if (!labels.length) {
        // no label must be taken: any edge inside C, then back
        const [a, b] = this.outEdges(root);
        for (let k = a; k < b; k++)
          if (inC(this.to.a[k])) {
            visit([[this.lab.a[k], this.to.a[k]]]);
            break;
          }
      }
      if (cur !== root) visit(must(this.pathIn(cur, inC, (u) => u === root)));
    }
    return { root, labels };
  }

  private judgeScc(t: Tracked, nodes: number[], inC: (v: number) => boolean, pathTo: (i: number) => number[]) {
    if (!this.fair(nodes, inC)) return null;
    const root = Math.min(...nodes);
    const lasso = this.fairCycle(root, inC);
    const ks = pathTo(root);
    const r = lassoWorlds(
      this.d,
      this.cfg,
      ks,
      lasso.labels.map((l) => this.labelNames[l]),
    );
    const open = openAlong(t.g, this.cfg, r.worlds.slice(r.prefix.length));
    if (open.length) {
      return {
        property: t.p.name,
        message: cycleMessage(unmetHead(t.g, open), r.cycle),
        actions: [...r.prefix, ...r.cycle],
        loop: r.prefix.length,
        drain: [],
      };
    }
    return this.refine(t, nodes, inC, pathTo, root, r.worlds[r.prefix.length]);
  }

  /**
   * Obligations not constant on C (not monotone): for each obligation open somewhere in C, the SCCs of
   * the states of C where it is open. The worlds of C's states are rebuilt from `root`'s world.
   */
  private refine(
    t: Tracked,
    nodes: number[],
    inC: (v: number) => boolean,
    pathTo: (i: number) => number[],
    root: number,
    w0: World,
  ): Found | null {
    const worlds = new Map<number, World>([[root, w0]]);
    const q = [root];
    for (let h = 0; h < q.length; h++) {
      const u = q[h];
      const [a, b] = this.outEdges(u);
      for (let k = a; k < b; k++) {
        const v = this.to.a[k];
        if (!inC(v) || worlds.has(v)) continue;
        const act = byLabel(this.d, this.cfg, worlds.get(u)!, this.labelNames[this.lab.a[k]]);
        worlds.set(v, act.next);
        q.push(v);
      }
    }
    const openAt = new Map(nodes.map((u) => [u, new Set(t.g.unmet(worlds.get(u)!, this.cfg))]));
    const items = [...new Set([...openAt.values()].flatMap((s) => [...s]))].sort();
    for (const x of items) {
      let found: Found | null = null;
      const sub = (u: number) => inC(u) && !!openAt.get(u)?.has(x);
      this.sccs(sub, (ns, inS) => {
        if (!this.fair(ns, inS)) return false;
        const r0 = Math.min(...ns);
        const lasso = this.fairCycle(r0, inS);
        const r = lassoWorlds(
          this.d,
          this.cfg,
          pathTo(r0),
          lasso.labels.map((l) => this.labelNames[l]),
        );
        const open = openAlong(t.g, this.cfg, r.worlds.slice(r.prefix.length));
        if (!open.length) return false;
        found = {
          property: t.p.name,
          message: cycleMessage(unmetHead(t.g, open), r.cycle),
          actions: [...r.prefix, ...r.cycle],
          loop: r.prefix.length,
          drain: [],
        };
        return true;
      });
      if (found) return found;
    }
    return null;
  }
}

function intersect<T>(a: Set<T>, b: Set<T>): Set<T> {
  const out = new Set<T>();
  for (const x of a) if (b.has(x)) out.add(x);
  return out;
}

function must<T>(x: T | null): T {
  if (x === null) throw new Error('internal: liveness graph: no path inside an SCC');
  return x;
}

function byLabel(d: Design, cfg: unknown, w: World, label: string): Action {
  const a = enabledActions(d, cfg, w, isDrainRole).find((x) => x.label === label);
  if (!a) throw new Error(`internal: liveness graph: drain action ${label} is not enabled`);
  return a;
}

/** The prefix (by enabled-action index) and the cycle (by label), as trace steps, with every world. */
function lassoWorlds(d: Design, cfg: unknown, ks: number[], labels: string[]) {
  let w: World = d.init(cfg);
  const worlds = [w];
  const acts: Action[] = [];
  const take = (a: Action) => {
    acts.push(a);
    w = a.next;
    worlds.push(w);
  };
  for (const k of ks) take(enabledActions(d, cfg, w)[k]);
  for (const l of labels) take(byLabel(d, cfg, w, l));
  const steps = acts.map(toTraceStep);
  return { prefix: steps.slice(0, ks.length), cycle: steps.slice(ks.length), worlds, acts };
}

/** The obligations open in every one of `worlds`. */
function openAlong(g: GraphLiveness, cfg: unknown, worlds: World[]): string[] {
  let open: string[] | null = null;
  for (const w of worlds) {
    const u = new Set(g.unmet(w, cfg));
    open = open ? open.filter((x) => u.has(x)) : [...u];
    if (!open.length) return [];
  }
  return open ?? [];
}

function unmetHead(g: GraphLiveness, open: string[]): string {
  const shown = `${open.slice(0, 6).join(', ')}${open.length > 6 ? ` and ${open.length - 6} more` : ''}`;
  return g.cycle ? g.cycle(open) : `${shown} stay${open.length > 1 ? '' : 's'} unmet forever`;
}

function cycleMessage(head: string, cycle: TraceStep[]): string {
  const steps =
    `${cycle
      .slice(0, 4)
      .map((a) => a.label)
      .join(', ')}` + `${cycle.length > 4 ? ', ...' : ''}`;
  return (
    `${head}: a weakly fair cycle of ${cycle.length} kernel, GPU and timer step${cycle.length > 1 ? 's' : ''} ` +
    `(${steps}) repeats forever (livelock)`
  );
}

/**
 * Judge a saved lasso: `acts` taken from `w0`, the cycle `acts[loop..]`. It is a violation of `p` when
 * the cycle is made of drain steps, returns to the world it started from, is weakly fair (every drain
 * action enabled at every state of the cycle is taken in it), and one obligation stays open along it.
 * The sentence saying why not, or the violation.
 */
export function judgeLasso(
  d: Design,
  cfg: unknown,
  p: Property,
  w0: World,
  acts: readonly Action[],
  loop: number,
): { ok: true; message: string } | { ok: false; message: string } {
  const g = graphLiveness(p);
  if (!g) return { ok: false, message: `'${p.name}' has no graph form: a lasso cannot violate it` };
  if (loop < 0 || loop >= acts.length) return { ok: false, message: `the loop index ${loop} is outside the trace` };
  const worlds = [w0, ...acts.map((a) => a.next)];
  const cyc = acts.slice(loop);
  const bad = cyc.find((a) => !isDrainRole(a.step.role));
  if (bad) return { ok: false, message: `the cycle takes ${bad.label}, a ${bad.step.role} step, not a drain step` };
  const start = JSON.stringify(worldImage(worlds[loop]));
  if (JSON.stringify(worldImage(worlds.at(-1)!)) !== start)
    return { ok: false, message: `the cycle does not return to the state after step ${loop}` };
  const ws = worlds.slice(loop, -1);
  const taken = new Set(cyc.map((a) => a.label));
  let always: Set<string> | null = null;
  for (const w of ws) {
    const en = new Set(enabledActions(d, cfg, w, isDrainRole).map((a) => a.label));
    always = always === null ? en : intersect(always, en);
  }
  const unfair = [...(always ?? [])].filter((l) => !taken.has(l));
  if (unfair.length)
    return {
      ok: false,
      message: `the cycle is not weakly fair: ${unfair.slice(0, 4).join(', ')} stays enabled, untaken`,
    };
  const open = openAlong(g, cfg, ws);
  if (open.length) return { ok: true, message: cycleMessage(unmetHead(g, open), cyc.map(toTraceStep)) };
  const carried = carriedCycleJudgment(g, cfg, worlds, acts, loop);
  if (carried) return { ok: true, message: carried };
  return { ok: false, message: `every obligation of '${p.name}' is met somewhere along the cycle` };
}

/**
 * Carried obligations on a lasso (`worlds[0]` the initial state, `worlds[i + 1]` after `acts[i]`, the cycle
 * `acts[loop..]`): those taken on at a state of the drain steps leading to the cycle, or at its start,
 * and met nowhere along the cycle. The violation sentence, or null.
 */
function carriedCycleJudgment(
  g: GraphLiveness,
  cfg: unknown,
  worlds: readonly World[],
  acts: readonly Action[],
  loop: number,
): string | null {
  const c = g.carried;
  if (!c) return null;
  const ids = new Set<string>();
  for (let j = drainRunStart(acts, loop); j <= loop; j++) for (const x of c.from(worlds[j], cfg)) ids.add(x);
  const ws = worlds.slice(loop, -1);
  const open = [...ids].sort().filter((x) => ws.every((w) => !c.met(w, cfg).includes(x)));
  return open.length ? cycleMessage(c.cycle(open), acts.slice(loop).map(toTraceStep)) : null;
}
