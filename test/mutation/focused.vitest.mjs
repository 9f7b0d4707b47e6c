// The suite test/mutation/focused.stryker.mjs runs against each mutant: the test files STRYKER_TESTS
// names, set up as vitest.stryker.config.ts sets up the full one (mutant on before imports, isolated).
import { defineConfig } from 'vitest/config';

const include = (process.env.STRYKER_TESTS ?? '').split(/\s+/).filter(Boolean);
if (!include.length) throw new Error('focused.vitest.mjs: set STRYKER_TESTS to the test files to run');

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 60_000,
    include,
    isolate: true,
    setupFiles: ['./test/mutation/stryker-activate.mjs', './test/setup-fc.ts'],
  },
});
