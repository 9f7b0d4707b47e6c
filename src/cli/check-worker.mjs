// The check's worker thread (src/cli/run-check.ts): tsx's loader is per thread, so register it here too.
import { register } from 'tsx/esm/api';

register();
await import('./check-worker.ts');
