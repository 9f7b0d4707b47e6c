/**
 * One BFS level of a parallel shard's frontier (src/explore/parallel-shard.ts), packed in one typed array
 * as the one-worker queue packs its states (VecQueue in exhaustive.ts): uint16 words until some value
 * needs more, 32-bit fields as two halves, and no object or typed array per state. (A level of 10^5
 * states as objects, each with its vector and two small masks, cost the garbage collector a tenth of a
 * worker's time.) Indexable, not a queue: a level's successors are adopted once the whole level is
 * expanded, each from its parent's entry. Two of these alternate, the level expanded and the next.
 *
 * Entry i, at off[i]: len; idx, rank, h1, h2, p1, p2 (two words each); din; `mw` words of the need mask
 * (FastEngine.needMask); `mw` words of the enabled mask (set once expanded); the vector (len words).
 */
const LEN = 0,
  IDX = 1,
  RANK = 3,
  H1 = 5,
  H2 = 7,
  P1 = 9,
  P2 = 11,
  DIN = 13,
  NEED = 14;

export class LevelStore {
  private data: Uint16Array | Int32Array = new Uint16Array(1 << 12);
  private off = new Int32Array(1 << 10);
  private tail = 0;
  /** Entries stored. */
  n = 0;
  private readonly vecAt: number;
  private buf: Int32Array[] = [];

  constructor(readonly mw: number) {
    this.vecAt = NEED + 2 * mw;
  }

  clear(): void {
    this.n = 0;
    this.tail = 0;
  }

  get bytes(): number {
    return this.data.byteLength + this.off.byteLength;
  }

  /**
   * Append a state: vector `v` with the changed slots `pairs` applied (they may name slots past v's end);
   * `need` null means every candidate (all bits set). Returns its index.
   */
  push(
    v: Int32Array,
    pairs: Int32Array | null,
    idx: number,
    h1: number,
    h2: number,
    p1: number,
    p2: number,
    din: boolean,
    need: Uint16Array | null,
  ): number {
    const len = patchedLength(v, pairs);
    if (this.data instanceof Uint16Array && !fitsUint16(v, pairs)) this.data = Int32Array.from(this.data);
    const o = this.vecAt,
      t = this.tail;
    if (t + o + len > this.data.length) {
      const b = new (this.data.constructor as typeof Int32Array)(
        Math.max(Math.ceil(this.data.length * 1.5), t + o + len),
      );
      b.set(this.data.subarray(0, t));
      this.data = b;
    }
    const d = this.data,
      i = this.n++;
    if (i >= this.off.length) {
      const b = new Int32Array(Math.ceil(this.off.length * 1.5));
      b.set(this.off);
      this.off = b;
    }
    this.off[i] = t;
    d[t + LEN] = len;
    put(d, t + IDX, idx);
    put(d, t + RANK, 0);
    put(d, t + H1, h1);
    put(d, t + H2, h2);
    put(d, t + P1, p1);
    put(d, t + P2, p2);
    d[t + DIN] = din ? 1 : 0;
    const mw = this.mw;
    for (let q = 0; q < mw; q++) {
      d[t + NEED + q] = need ? need[q] : 0xffff;
      d[t + NEED + mw + q] = 0;
    }
    d.set(v, t + o);
    for (let q = v.length; q < len; q++) d[t + o + q] = 0;
    if (pairs) for (let q = 0; q < pairs.length; q += 2) d[t + o + pairs[q]] = pairs[q + 1];
    this.tail = t + o + len;
    return i;
  }

  /** Entry i's vector, in a scratch array reused for the next vector of the same length (valid until then). */
  vec(i: number): Int32Array {
    const d = this.data,
      t = this.off[i],
      len = d[t + LEN],
      o = t + this.vecAt;
    let out = this.buf[len];
    if (!out) out = this.buf[len] = new Int32Array(len);
    for (let q = 0; q < len; q++) out[q] = d[o + q];
    return out;
  }
  idx(i: number): number {
    return get(this.data, this.off[i] + IDX);
  }
  rank(i: number): number {
    return get(this.data, this.off[i] + RANK);
  }
  setRank(i: number, r: number): void {
    put(this.data, this.off[i] + RANK, r);
  }
  h1(i: number): number {
    return get(this.data, this.off[i] + H1);
  }
  h2(i: number): number {
    return get(this.data, this.off[i] + H2);
  }
  p1(i: number): number {
    return get(this.data, this.off[i] + P1);
  }
  p2(i: number): number {
    return get(this.data, this.off[i] + P2);
  }
  din(i: number): boolean {
    return this.data[this.off[i] + DIN] !== 0;
  }
  /** Entry i's need mask into `out` (mw words). */
  needOf(i: number, out: Uint16Array): void {
    const t = this.off[i] + NEED;
    for (let q = 0; q < this.mw; q++) out[q] = this.data[t + q];
  }
  /** Record entry i's enabled mask (mw words). */
  setEnabled(i: number, en: Uint16Array): void {
    const t = this.off[i] + NEED + this.mw;
    for (let q = 0; q < this.mw; q++) this.data[t + q] = en[q];
  }
  /** OR entry i's enabled mask into `out` (mw words). */
  orEnabled(i: number, out: Uint16Array): void {
    const t = this.off[i] + NEED + this.mw;
    for (let q = 0; q < this.mw; q++) out[q] |= this.data[t + q];
  }
}

/** The length of `v` with the changed slots `pairs` ([slot, value, ...]) applied (they may name slots past its end). */
export function patchedLength(v: Int32Array, pairs: Int32Array | null | undefined): number {
  let len = v.length;
  if (pairs) for (let i = 0; i < pairs.length; i += 2) if (pairs[i] + 1 > len) len = pairs[i] + 1;
  return len;
}
/** Every value of `v` and of `pairs` fits a uint16 word. */
export function fitsUint16(v: Int32Array, pairs: Int32Array | null | undefined): boolean {
  for (let i = 0; i < v.length; i++) if (v[i] > 0xffff || v[i] < 0) return false;
  if (pairs) for (let i = 1; i < pairs.length; i += 2) if (pairs[i] > 0xffff || pairs[i] < 0) return false;
  return true;
}

function put(d: Uint16Array | Int32Array, at: number, x: number): void {
  d[at] = x & 0xffff;
  d[at + 1] = x >>> 16;
}
function get(d: Uint16Array | Int32Array, at: number): number {
  return d[at] | (d[at + 1] << 16) | 0;
}
