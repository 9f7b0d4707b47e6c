import { oracleSuite } from './footprint-oracle.ts';

await oracleSuite(2, 3);
