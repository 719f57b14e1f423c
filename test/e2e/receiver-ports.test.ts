/**
 * The new receivers under a full write pipeline answer their protocol's "retry later" and lose nothing they
 * acknowledged; and every receiver port can be turned off with 0.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createConnection } from 'node:net';
import { createSocket } from 'node:dgram';
import { createRequire } from 'node:module';
import * as grpc from '@grpc/grpc-js';
import { encodeRequest } from '../../bench/generate-otlp.js';
import { after, before, describe, it } from 'node:test';
import { removeDir, startServer, type RunningServer } from '../helpers/server-process.js';

const zipkinSpans = (traceId: string) => JSON.stringify(Array.from({ length: 20 }, (_, i) => ({
  traceId, id: (i + 1).toString(16).padStart(16, '0'), name: 'op', timestamp: Date.now() * 1000, duration: 10, localEndpoint: { serviceName: 'bp' }, tags: { pad: 'x'.repeat(200) },
})));

/** A Jaeger `Batch` (binary Thrift, what jaeger-client's HTTPSender posts), encoded by thriftrw from jaeger-client's IDL. */
function jaegerBatch(): (traceId: string) => Buffer {
  const require = createRequire(import.meta.url);
  const { Thrift } = require('thriftrw') as { Thrift: new (o: object) => any };
  const thrift = new Thrift({ entryPoint: require.resolve('jaeger-client/dist/src/jaeger-idl/thrift/jaeger.thrift'), allowFilesystemAccess: true, allowOptionalArguments: true });
  return (traceId) => thrift.Batch.rw.toBuffer({
    process: { serviceName: 'bp-jaeger', tags: [] },
    spans: Array.from({ length: 20 }, (_, i) => ({
      traceIdLow: Buffer.from(traceId.slice(16), 'hex'), traceIdHigh: Buffer.from(traceId.slice(0, 16), 'hex'), spanId: Buffer.from((i + 1).toString(16).padStart(16, '0'), 'hex'),
      parentSpanId: Buffer.alloc(8), operationName: 'op', flags: 1, startTime: Buffer.from((BigInt(Date.now()) * 1000n).toString(16).padStart(16, '0'), 'hex'), duration: Buffer.from('000000000000000a', 'hex'),
      tags: [{ key: 'pad', vType: 'STRING', vStr: 'x'.repeat(200) }], logs: [], references: [],
    })),
  }).value as Buffer;
}

/** The collector's Batch wrapped as the agent's binary `emitBatch` message (strict header, seq 0, field 1). */
function emitBatch(batch: Buffer): Buffer {
  const name = Buffer.from('emitBatch');
  const head = Buffer.alloc(4 + 4 + name.length + 4 + 3);
  head.writeUInt32BE(0x80010004, 0); // version 1, ONEWAY
  head.writeInt32BE(name.length, 4);
  name.copy(head, 8);
  head.writeInt32BE(0, 8 + name.length);
  head.writeUInt8(12, 12 + name.length); // field 1: struct
  head.writeInt16BE(1, 13 + name.length);
  return Buffer.concat([head, batch, Buffer.from([0])]);
}

describe('receivers: backpressure and ports', () => {
  let srv: RunningServer;
  before(async () => { srv = await startServer({ args: ['--max-queued-bytes', '4096'] }); });
  after(async () => { await srv.stop(); removeDir(srv.dataDir); });

  it('Zipkin 503 + Retry-After and Events API 429 + Retry-After while full; accepted ones are stored', async () => {
    const sent = Array.from({ length: 40 }, (_, i) => ({ traceId: randomBytes(16).toString('hex'), events: i % 2 === 1 }));
    const results = await Promise.all(sent.map(async (s) => {
      const r = s.events
        ? await fetch(`${srv.otlp}/1/batch/bp`, { method: 'POST', body: JSON.stringify(JSON.parse(zipkinSpans(s.traceId)).map((z: { id: string }) => ({ data: { 'trace.trace_id': s.traceId, 'trace.span_id': z.id, pad: 'x'.repeat(200) } }))) })
        : await fetch(`http://127.0.0.1:${srv.zipkinPort}/api/v2/spans`, { method: 'POST', body: zipkinSpans(s.traceId), headers: { 'content-type': 'application/json' } });
      return { ...s, status: r.status, retryAfter: r.headers.get('retry-after') };
    }));
    const refused = results.filter((r) => r.status === (r.events ? 429 : 503));
    const ok = results.filter((r) => r.status === (r.events ? 200 : 202));
    assert.ok(refused.length > 0, 'some requests are refused');
    assert.ok(ok.length > 0, 'some requests are accepted');
    assert.equal(ok.length + refused.length, results.length, JSON.stringify(results.map((r) => r.status)));
    for (const r of refused) assert.equal(r.retryAfter, '1');
    for (const r of ok) {
      const t = (await (await fetch(`${srv.http}/api/traces/${r.traceId}`)).json()) as { data: { spans: unknown[] }[] };
      assert.equal(t.data[0]!.spans.length, 20);
    }
  });

  it('OTLP/gRPC UNAVAILABLE and Jaeger collector 503 + Retry-After while full, Jaeger UDP drops counted; accepted ones are stored', async () => {
    const client = new grpc.Client(`127.0.0.1:${srv.grpcPort}`, grpc.credentials.createInsecure());
    const grpcExport = (traceId: string) => new Promise<number>((resolve) => {
      const hex = (h: string) => Buffer.from(h, 'hex');
      const body = Buffer.from(encodeRequest([{ resource: [['service.name', 'bp-grpc']], scope: { name: 'bp', version: '1' }, spans: Array.from({ length: 20 }, (_, i) => ({
        traceId: hex(traceId), spanId: hex((i + 1).toString(16).padStart(16, '0')), parentSpanId: null, name: 'op', kind: 1, startNs: BigInt(Date.now()) * 1_000_000n, endNs: BigInt(Date.now()) * 1_000_000n + 10n, attrs: [['pad', 'x'.repeat(200)]], status: 0,
      })) }]));
      client.makeUnaryRequest('/opentelemetry.proto.collector.trace.v1.TraceService/Export', (b: Buffer) => b, (b: Buffer) => b, body, (err) => resolve(err ? err.code : 0));
    });
    const jaegerBody = jaegerBatch();
    const sent = Array.from({ length: 40 }, (_, i) => ({ traceId: randomBytes(16).toString('hex'), grpc: i % 2 === 0 }));
    const results = await Promise.all(sent.map(async (s) => {
      if (s.grpc) return { ...s, status: await grpcExport(s.traceId), retryAfter: '1' };
      const r = await fetch(`http://127.0.0.1:${srv.jaegerPort}/api/traces`, { method: 'POST', body: jaegerBody(s.traceId) as BodyInit, headers: { 'content-type': 'application/x-thrift' } });
      return { ...s, status: r.status, retryAfter: r.headers.get('retry-after') };
    }));
    client.close();
    const refused = results.filter((r) => r.status === (r.grpc ? grpc.status.UNAVAILABLE : 503));
    const ok = results.filter((r) => r.status === (r.grpc ? grpc.status.OK : 202));
    assert.equal(ok.length + refused.length, results.length, JSON.stringify(results.map((r) => [r.grpc, r.status])));
    assert.ok(refused.some((r) => r.grpc) && refused.some((r) => !r.grpc), 'both protocols push back');
    for (const r of refused) assert.equal(r.retryAfter, '1');
    for (const r of ok) {
      const t = (await (await fetch(`${srv.http}/api/traces/${r.traceId}`)).json()) as { data: { spans: unknown[] }[] };
      assert.equal(t.data[0]!.spans.length, 20);
    }
    // The agent's UDP port has no answer: while full, datagrams are dropped and counted in the log.
    const udp = createSocket('udp4');
    const datagram = Buffer.from(jaegerBody(randomBytes(16).toString('hex')));
    const fill = sent.map((s) => fetch(`http://127.0.0.1:${srv.zipkinPort}/api/v2/spans`, { method: 'POST', body: zipkinSpans(s.traceId), headers: { 'content-type': 'application/json' } }));
    for (let i = 0; i < 40; i++) udp.send(emitBatch(datagram), srv.jaegerBinaryPort, '127.0.0.1');
    await Promise.all(fill);
    await new Promise((r) => setTimeout(r, 300));
    udp.close();
    assert.match(srv.logs(), /Jaeger agent[^:]*: datagram dropped, write pipeline full \(\d+ so far\)/);
  });

  it('port 0 turns a receiver off', async () => {
    const off = await startServer({ args: ['--grpc-port', '0', '--zipkin-port', '0', '--jaeger-port', '0', '--jaeger-compact-port', '0', '--jaeger-binary-port', '0'] });
    try {
      assert.doesNotMatch(off.logs(), /Zipkin|gRPC|Jaeger/);
      for (const port of [off.grpcPort, off.zipkinPort, off.jaegerPort]) {
        const refused = await new Promise<boolean>((res) => {
          const c = createConnection(port, '127.0.0.1');
          c.once('connect', () => { c.destroy(); res(false); });
          c.once('error', () => res(true));
        });
        assert.ok(refused, `port ${port} is closed`);
      }
    } finally {
      await off.stop();
      removeDir(off.dataDir);
    }
  });
});
