/**
 * Faults in cluster mode (two Honeyray nodes, a two-shard ClickHouse 18.16 cluster): a node killed with
 * SIGKILL in the middle of ingest loses nothing it acknowledged (the other node reads it all); a shard
 * stopped during ingest turns requests into 503 + Retry-After, and once it is back the retried requests
 * are stored: nothing acknowledged is lost.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { clickhouseAvailable, startClickHouseCluster, type RunningCluster } from '../helpers/clickhouse-server.js';
import { removeDir, startServer, type RunningServer } from '../helpers/server-process.js';
import { otlpJson } from './cluster-helpers.js';

const run = clickhouseAvailable();
const SPANS = 20;

/** One exporter: posts traces of SPANS spans one after another, retrying a 503 as OTLP exporters do. */
class Exporter {
  readonly acked: string[] = [];
  readonly statuses = new Map<number, number>();
  private stopped = false;
  readonly done: Promise<void>;

  constructor(private readonly node: () => RunningServer, private readonly service: string, retry: boolean) {
    this.done = this.loop(retry);
  }

  private async loop(retry: boolean): Promise<void> {
    while (!this.stopped) {
      const traceId = randomBytes(16).toString('hex');
      const now = Date.now();
      const body = otlpJson(this.service, Array.from({ length: SPANS }, (_, i) => ({ traceId, spanId: randomBytes(8).toString('hex'), name: `op${i}`, startMs: now + i, durationMs: 1 })));
      for (;;) {
        let status = 0;
        try {
          const r = await fetch(`${this.node().otlp}/v1/traces`, body);
          await r.arrayBuffer();
          status = r.status;
          if (status === 503) assert.ok(Number(r.headers.get('retry-after')) > 0);
        } catch { /* the node is gone */ }
        this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
        if (status === 200) {
          this.acked.push(traceId);
          break;
        }
        if (!retry || this.stopped) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  stop(): Promise<void> {
    this.stopped = true;
    return this.done;
  }
}

/** trace id -> span count of a service, through a node's Jaeger API. */
async function stored(node: RunningServer, service: string): Promise<Map<string, number>> {
  const r = await fetch(`${node.http}/api/traces?service=${service}&limit=1500&lookback=1h`);
  const data = ((await r.json()) as { data: { traceID: string; spans: { spanID: string }[] }[] }).data;
  return new Map(data.map((t) => [t.traceID, new Set(t.spans.map((s) => s.spanID)).size]));
}

async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('cluster mode under faults', { skip: run ? false : 'clickhouse-server is not installed' }, () => {
  let ch: RunningCluster;
  let n1: RunningServer;
  let n2: RunningServer;
  before(async () => {
    ch = await startClickHouseCluster(2);
    n1 = await startServer({ args: ['--store', ch.storeUrl('faults', 0)] });
    n2 = await startServer({ args: ['--store', ch.storeUrl('faults', 1)] });
  });
  after(async () => {
    for (const n of [n1, n2]) {
      await n?.stop();
      removeDir(n?.dataDir);
    }
    await ch?.stop();
  });

  it('loses nothing a node acknowledged when the node is killed with SIGKILL during ingest', async () => {
    const exporters = [0, 1, 2].map(() => new Exporter(() => n1, 'kill-svc', false));
    await waitFor(() => exporters.every((e) => e.acked.length >= 5), 20_000, 'some traces acknowledged');
    await n1.kill();
    await Promise.all(exporters.map((e) => e.stop()));
    const acked = exporters.flatMap((e) => e.acked);
    const got = await stored(n2, 'kill-svc');
    const missing = acked.filter((t) => got.get(t) !== SPANS);
    assert.deepEqual(missing, [], `${missing.length} of ${acked.length} acknowledged traces incomplete after SIGKILL`);
    n1 = await startServer({ dataDir: n1.dataDir, args: ['--store', ch.storeUrl('faults', 0)] });
  });

  it('answers 503 while a shard is down, and stores the retried requests once it is back', async () => {
    const exporters = [0, 1].map(() => new Exporter(() => n1, 'shard-svc', true));
    await waitFor(() => exporters.every((e) => e.acked.length >= 3), 20_000, 'some traces acknowledged');
    await ch.shards[1]!.kill();
    await waitFor(() => exporters.every((e) => (e.statuses.get(503) ?? 0) >= 3), 20_000, '503s while the shard is down');
    const before = exporters.map((e) => e.acked.length);
    await ch.shards[1]!.restart();
    await waitFor(() => exporters.every((e, i) => e.acked.length >= before[i]! + 3), 30_000, 'acknowledged again after recovery');
    await Promise.all(exporters.map((e) => e.stop()));
    const acked = exporters.flatMap((e) => e.acked);
    const got = await stored(n2, 'shard-svc');
    const missing = acked.filter((t) => got.get(t) !== SPANS);
    assert.deepEqual(missing, [], `${missing.length} of ${acked.length} acknowledged traces incomplete after the shard came back`);
    assert.equal(exporters.reduce((n, e) => n + (e.statuses.get(500) ?? 0), 0), 0, 'no 500s');
  });
});
