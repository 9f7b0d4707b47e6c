/**
 * Stryker setup (vitest.stryker.config.ts, after Stryker's own setup file): switch the mutant on before
 * the test file imports anything. Stryker's vitest runner activates a mutant with test coverage only in
 * beforeAll ('runtime' activation), after the imports ran; a mutant in code that also runs at module load
 * (machine configs built by setup().createMachine at import, constants, transitions memoized while the
 * designs load) then runs un-mutated there, and survives although a covering test would kill it. Measured
 * on models/dma-buf/dma-fence.ts: the mutants of its machine config that a full-suite 'static' run
 * killed survived 'runtime' activation. Purely static mutants (no test coverage) stay under Stryker's
 * `ignoreStatic`.
 * Plain JavaScript (.mjs): it is no part of the typed test tree, only of Stryker's vitest run.
 */
import { inject } from 'vitest';

if (inject('mode') === 'mutant') {
  const name = inject('globalNamespace');
  globalThis[name] ??= {};
  globalThis[name].activeMutant = inject('activeMutant');
}
