import { join } from 'node:path';
import { ChdbClient } from '../../src/store/clickhouse/client.js';
import { ClickHouseStore } from '../../src/store/clickhouse/clickhouse-store.js';
import { storeConformance } from './conformance.js';

// The same suite on ClickHouse 26.x in-process (npm chdb): the same SQL proven on a current release
// (with a retention, so the TTL clause 26.x gets is created too).
storeConformance('clickhouse 26.x (chdb)', async (dir) => ClickHouseStore.open(await ChdbClient.open(join(dir, 'chdb')), { maxColumns: 20, retentionDays: 100_000 }));
