import { oracleSuite } from './footprint-oracle.ts';

await oracleSuite(0, 3);
