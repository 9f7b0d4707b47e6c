// StrykerJS over models/ and properties/ (issue 14.7). `npm run mutation` runs the whole tree,
// incrementally; one file: `npm run mutation -- --mutate models/dma-buf/dma-resv.ts`.
export default {
  packageManager: 'npm',
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.stryker.config.ts', related: true },
  mutate: ['models/**/*.ts', 'properties/**/*.ts'],
  // Only the mutants a test reaches run, and only against the tests that reach them.
  coverageAnalysis: 'perTest',
  // Two cores: two Stryker workers, each with one vitest worker.
  concurrency: 2,
  // Results are reused for mutants whose file and tests did not change (reports/ is gitignored).
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  // Stryker's tsconfig rewrite calls ts.parseConfigFileTextToJson, which TypeScript 7's package does
  // not export; naming a file that does not exist skips the step (no tsconfig here has references or
  // an `extends` outside the tree, so nothing needs rewriting in the sandbox).
  tsconfigFile: 'tsconfig.stryker-none.json',
  tempDirName: '.stryker-tmp',
  ignorePatterns: ['reports', 'coverage', 'docs', 'bench', '.ci'],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  thresholds: { high: 85, low: 75, break: null },
  timeoutMS: 10000,
  // A mutant is switched on before each test file's imports (test/mutation/stryker-activate.mjs), so
  // mutants in code that runs at module load and in tests ('hybrid': machine configs built by
  // setup().createMachine at import) count. Mutants run only at module load (no test covers them) would
  // each need the whole suite, about a minute apiece: they are 'Ignored' so the run fits its budget;
  // STRYKER_STATIC=1 runs them too (per file).
  ignoreStatic: process.env.STRYKER_STATIC !== '1',
};
