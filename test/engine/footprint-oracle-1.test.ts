import { oracleSuite } from './footprint-oracle.ts';

await oracleSuite(1, 3);
