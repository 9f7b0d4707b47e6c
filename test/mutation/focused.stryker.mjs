// StrykerJS against a focused suite (STRYKER_TESTS: space-separated test globs), for per-file runs
// whose full-suite run does not fit a session (each mutant of a machine config is covered by every design
// test, ~30 s apiece on a loaded machine). Fewer tests can only kill fewer mutants: a focused score is a
// lower bound of the full-suite one. Example:
//   STRYKER_TESTS='test/mutation/ttm-bo.test.ts test/mm/machines.test.ts' npx stryker run \
//     test/mutation/focused.stryker.mjs --mutate models/ttm/ttm-bo.ts --concurrency 1
import base from '../../stryker.config.mjs';

export default {
  ...base,
  vitest: { ...base.vitest, configFile: 'test/mutation/focused.vitest.mjs' },
  incrementalFile: 'reports/stryker-focused-incremental.json',
};
