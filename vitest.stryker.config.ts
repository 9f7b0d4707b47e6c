import { defineConfig } from 'vitest/config';

// The suite Stryker runs against each mutant (stryker.config.mjs): the tests that exercise models/ and
// properties/ in-process. Left out: tests that spawn the CLI (test/cli, test/engine/cli.test.ts),
// read the docs or the tree (test/report, test/architecture) or time the explorers (test/perf); they
// kill no model mutant the included ones miss and would dominate the run. Stryker's vitest runner
// forces one worker per Stryker process (pool 'threads'); `concurrency` in stryker.config.mjs sets the
// processes.
export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 60_000,
    include: [
      'test/kernel/**/*.test.ts',
      'test/syncobj/**/*.test.ts',
      'test/sched/**/*.test.ts',
      'test/mm/**/*.test.ts',
      'test/display/**/*.test.ts',
      'test/monitors/**/*.test.ts',
      'test/engine/**/*.test.ts',
      'test/mutation/**/*.test.ts',
      'test/replay.test.ts',
    ],
    exclude: ['test/engine/cli.test.ts'],
    // Each test file imports its modules afresh, with the mutant already on (test/mutation/stryker-activate.mjs).
    isolate: true,
    setupFiles: ['./test/mutation/stryker-activate.mjs', './test/setup-fc.ts'],
  },
});
