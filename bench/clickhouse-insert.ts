/**
 * npm run bench:clickhouse-insert — Native (what the store sends) against TabSeparated and RowBinary for the same
 * rows into a real ClickHouse 18.16: encode in JS plus the insert acknowledged by the server, one
 * insert at a time as the store does (a group commit of 8 requests of the 512-span OTLP payload, 4,096
 * rows). The formats alternate round by round so that load from other processes hits them alike; TSV
 * is the baseline and the ratios are RowBinary / TSV and Native / TSV. Also prints the encode-only
 * rates and the server's CPU per row (/proc/PID/stat; merges running meanwhile are included, alike).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { cpuSeconds } from './bench-process.js';
import { resolve } from 'node:path';
import { decodeOtlpProto } from '../src/receivers/otlp/decode-proto.js';
import { HttpClient } from '../src/store/clickhouse/client.js';
import { ClickHouseStore } from '../src/store/clickhouse/clickhouse-store.js';
import { encodeRowBinary } from './clickhouse-rowbinary.js';
import { encodeTsv } from '../src/store/clickhouse/encode-tsv.js';
import { encodeNative } from '../src/store/clickhouse/encode-native.js';
import { FIXED_NAMES, quoteIdent } from '../src/store/clickhouse/schema.js';
import { startClickHouse } from '../test/helpers/clickhouse-server.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
/** Requests of 512 spans per insert (BENCH_GROUP): rows per part decide the server's CPU per row. */
const GROUP = Number(process.env.BENCH_GROUP ?? 8);

async function main(): Promise<void> {
  const payload = readFileSync(resolve('test/fixtures/wire/otel/payload_512.pb'));
  const batches = Array.from({ length: GROUP }, () => decodeOtlpProto(payload, {}).batch);
  const rows = batches.reduce((n, b) => n + b.length, 0);
  // Under BENCH_DIR (default ./data/bench), not /tmp: see bench/clickhouse.ts for why.
  const dir = resolve(process.env.BENCH_DIR ?? 'data/bench');
  mkdirSync(dir, { recursive: true });
  const ch = await startClickHouse(undefined, undefined, dir);
  try {
    const store = await ClickHouseStore.open(new HttpClient({ url: ch.url, database: 'default' }));
    await store.append([batches[0]!]); // creates the attribute columns
    const cols = await store.columns();
    await store.close();
    const names = [...FIXED_NAMES, ...cols.map((c) => quoteIdent(c.column))].join(', ');
    const none = batches.map(() => [] as string[]);
    const post = async (format: string, body: string | Uint8Array) => {
      const r = await fetch(`${ch.url}/?query=${encodeURIComponent(`INSERT INTO spans_data (${names}) FORMAT ${format}`)}`, { method: 'POST', body: body as string });
      if (!r.ok) throw new Error(`${format}: ${await r.text()}`);
    };
    const formats = {
      TabSeparated: () => encodeTsv(batches, cols, none, 1n).tsv,
      RowBinary: () => encodeRowBinary(batches, cols, none, 1n).body,
      Native: () => encodeNative(batches, cols, none, 1n).body,
    };
    const total: Record<string, { ms: number; rows: number; encodeMs: number; bytes: number; serverCpu: number }> = {};
    for (const f of Object.keys(formats)) total[f] = { ms: 0, rows: 0, encodeMs: 0, bytes: 0, serverCpu: 0 };
    const until = Date.now() + SECONDS * 1000;
    console.log(`bench:clickhouse-insert: ${SECONDS}s, inserts of ${rows} rows (${GROUP} x 512-span OTLP requests), ${cols.length} attribute columns, ClickHouse 18.16`);
    while (Date.now() < until) {
      for (const [f, encode] of Object.entries(formats)) {
        for (let i = 0; i < 5; i++) {
          const t0 = performance.now();
          const body = encode();
          const t1 = performance.now();
          const cpu0 = cpuSeconds(ch.pid);
          await post(f, body);
          const t = total[f]!;
          t.serverCpu += cpuSeconds(ch.pid) - cpu0;
          t.encodeMs += t1 - t0;
          t.ms += performance.now() - t0;
          t.rows += rows;
          t.bytes = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
        }
      }
    }
    const tsv = total.TabSeparated!;
    const rate = (t: typeof tsv) => t.rows / (t.ms / 1000);
    const enc = (t: typeof tsv) => t.rows / (t.encodeMs / 1000);
    console.log('results');
    console.log(`  ${''.padEnd(40)} ${'TabSeparated'.padStart(14)} ${'RowBinary'.padStart(12)} ${'ratio'.padStart(7)} ${'Native'.padStart(12)} ${'ratio'.padStart(7)}`);
    const serverCpu = (t: typeof tsv) => (t.serverCpu / t.rows) * 1e6;
    for (const [k, f] of [['rows/s, encode + insert acknowledged', rate], ['rows/s, encode only (one core)', enc],
      ['ClickHouse CPU us per row (parse + part)', serverCpu], ['bytes per insert body', (t: typeof tsv) => t.bytes]] as const) {
      const a = f(tsv);
      const b = f(total.RowBinary!);
      const c = f(total.Native!);
      console.log(`  ${k.padEnd(40)} ${a.toFixed(0).padStart(14)} ${b.toFixed(0).padStart(12)} ${(b / a).toFixed(2).padStart(7)} ${c.toFixed(0).padStart(12)} ${(c / a).toFixed(2).padStart(7)}`);
    }
  } finally {
    await ch.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
