/**
 * (e) FingerprintSet compares only one of its two 32-bit hashes: two states colliding in one lane
 * would be merged and the second never explored. A fast-check model test against a Set of pairs, with
 * generated collisions in either lane, catches a one-lane comparison; the real set agrees.
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { FingerprintSet } from '../../src/explore/exhaustive.ts';

interface FpSet {
  add(h1: number, h2: number): boolean;
  has(h1: number, h2: number): boolean;
}

/** The seeded bug: probing compares the first hash only (same probe sequence, same growth). */
class OneLaneSet extends FingerprintSet {
  private seen = new Set<number>();
  override add(h1: number, h2: number): boolean {
    super.add(h1, h2);
    if (this.seen.has(h1)) return false;
    this.seen.add(h1);
    return true;
  }
  override has(h1: number, _h2: number): boolean {
    return this.seen.has(h1);
  }
}

const i32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
/** Fingerprint pairs with forced collisions: each one may reuse an earlier pair's h1 or h2. */
const pairs = fc
  .array(fc.tuple(i32, i32, fc.constantFrom('fresh', 'same-h1', 'same-h2'), fc.nat()), { minLength: 2, maxLength: 300 })
  .map((xs) => {
    const out: [number, number][] = [];
    for (const [a, b, how, k] of xs) {
      const p = out.length ? out[k % out.length] : undefined;
      out.push(how === 'same-h1' && p ? [p[0], b] : how === 'same-h2' && p ? [a, p[1]] : [a, b]);
    }
    return out;
  });

function agreesWithModel(make: () => FpSet): boolean {
  try {
    fc.assert(
      fc.property(pairs, (ps) => {
        const s = make();
        const model = new Set<string>();
        for (const [a, b] of ps) {
          const k = a === 0 && b === 0 ? '0,1' : `${a},${b}`; // (0,0) is stored as (0,1)
          if (s.add(a, b) !== !model.has(k)) return false;
          model.add(k);
        }
        // every pair is found; a neighbour in the second lane only where the model has it (a != 0: no (0,0) mark)
        const absent = ps.filter(([a]) => a !== 0).map(([a, b]): [number, number] => [a, b ^ 1]);
        return ps.every(([a, b]) => s.has(a, b)) && absent.every(([a, b]) => s.has(a, b) === model.has(`${a},${b}`));
      }),
      { numRuns: 200, seed: 14 },
    );
    return true;
  } catch {
    return false;
  }
}

describe('seeded bug (e): the fingerprint set compares one lane only', () => {
  test('the real FingerprintSet agrees with a Set of pairs under forced one-lane collisions', () => {
    expect(agreesWithModel(() => new FingerprintSet(16))).toBe(true);
  });
  test('a one-lane comparison is caught', () => {
    expect(agreesWithModel(() => new OneLaneSet(16))).toBe(false);
  });
  test('a collision in either lane alone keeps both states', () => {
    const s = new FingerprintSet(16);
    expect([s.add(7, 1), s.add(7, 2), s.add(8, 2), s.has(7, 3), s.size]).toEqual([true, true, true, false, 3]);
  });
});
