// A parallel search worker (src/explore/parallel.ts): tsx's loader is per thread, so register it here too.
import { register } from 'tsx/esm/api';

register();
await import('./parallel-worker.ts');
