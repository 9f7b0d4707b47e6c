/**
 * "Did you mean": a mistyped design or property name is answered with the closest known names
 * (Damerau-Levenshtein distance, as commander does for commands and flags), found from the file names
 * alone so the answer comes before any design is loaded (issue 15.5).
 */
import { InputError } from '../errors.ts';

/** Optimal-string-alignment distance: insertions, deletions, substitutions and adjacent swaps. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.length][b.length];
}

/** The known names closest to `name`: within a third of its length, or those it is a part of. */
export function suggest(name: string, known: readonly string[]): string[] {
  const scored = known
    .map((k) => ({ k, d: editDistance(name, k) }))
    .filter(({ k, d }) => d <= Math.max(2, Math.floor(name.length / 3)) || (name.length >= 3 && k.includes(name)));
  const best = Math.min(...scored.map((s) => s.d));
  return scored
    .filter((s) => s.d <= best + 1)
    .sort((x, y) => x.d - y.d || (x.k < y.k ? -1 : 1))
    .slice(0, 3)
    .map((s) => s.k);
}

/** Throw an InputError for the first of `names` not in `known`, with a suggestion when one is close. */
export function checkNames(kind: 'design' | 'property', names: readonly string[] | undefined, known: string[]) {
  for (const n of names ?? []) {
    if (known.includes(n)) continue;
    const s = suggest(n, known);
    const hint = s.length ? `did you mean ${s.map((x) => `'${x}'`).join(' or ')}?` : `known: ${known.join(', ')}`;
    throw new InputError(`unknown ${kind} '${n}'; ${hint} ('fencecheck list' shows them all)`);
  }
}
