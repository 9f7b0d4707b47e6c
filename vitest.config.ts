import { defineConfig } from 'vitest/config';

// vitest 4: pool options are top level. Forks so V8 flags apply; two workers for the two cores.
export default defineConfig({
  test: {
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 60_000,
    include: ['test/**/*.test.ts'],
    setupFiles: ['./test/setup-fc.ts'],
  },
});
