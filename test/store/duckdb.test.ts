import { join } from 'node:path';
import { DuckDBStore } from '../../src/store/duckdb/duckdb-store.js';
import { storeConformance } from './conformance.js';

storeConformance('duckdb', (dir) => DuckDBStore.open({ path: join(dir, 'spans.duckdb'), maxColumns: 20 }));
