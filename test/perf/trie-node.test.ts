/**
 * The derived-footprint trie's nodes (src/world/traced.ts) keep the first child in fields and the rest in
 * an open-addressing table of int keys that grows: every child set is found again, and a value never set
 * finds none, whatever the values (snapshot ids, tags, negative or colliding ones) and however many.
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { TrieNode } from '../../src/world/traced.ts';

describe('TrieNode children', () => {
  test('agree with a Map over random values, through every growth', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { minLength: 1, maxLength: 400 }),
        fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { maxLength: 50 }),
        (vals, probes) => {
          const n = new TrieNode<number>();
          const model = new Map<number, TrieNode<number>>();
          for (const v of vals) {
            const c = new TrieNode<number>();
            c.leaf = true;
            c.result = v;
            n.setKid(v, c);
            model.set(v, c);
            // every child set so far is still found after each insert (growth rehashes the table)
            for (const [k, kid] of model) if (n.kid(k) !== kid) return false;
          }
          for (const p of probes) if (!model.has(p) && n.kid(p) !== null) return false;
          return true;
        },
      ),
      { numRuns: 200, seed: 13 },
    );
  });

  test('values that share a probe slot (multiples of the table size) are kept apart', () => {
    const n = new TrieNode<number>();
    const vals = Array.from({ length: 300 }, (_, i) => i * 1024);
    for (const v of vals) {
      const c = new TrieNode<number>();
      c.result = v;
      n.setKid(v, c);
    }
    expect(vals.every((v) => n.kid(v)?.result === v)).toBe(true);
    expect(n.kid(1)).toBeNull();
  });
});
