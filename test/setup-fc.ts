// fast-check defaults for the suite: a fixed seed unless FC_SEED is set, so `npm test` is deterministic.
import fc from 'fast-check';

fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 42), numRuns: Number(process.env.FC_NUM_RUNS ?? 100) });
