import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeZipkinJsonV1 } from '../../../src/receivers/zipkin/decode-v1.js';
import { decodeZipkinJsonV2, decodeZipkinProto3 } from '../../../src/receivers/zipkin/decode-v2.js';
import { zipkinSpansToBatch } from '../../../src/receivers/zipkin/zipkin-span.js';
import { u64ToHex } from '../../../src/model/ids.js';
import { zipkinProto3 } from './proto3-writer.js';

const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
const ep = { serviceName: 'frontend', ipv4: '10.0.0.1', port: 8080 };

describe('Zipkin decoders', () => {
  it('v1: a shared span (no timestamp) gets kind, endpoint and times from its core annotations', () => {
    const [s] = decodeZipkinJsonV1(json([{
      traceId: '463ac35c9f6413ad', id: '72485a3953bb6124', parentId: '463ac35c9f6413ad', name: 'get',
      annotations: [{ timestamp: 1000, value: 'sr', endpoint: ep }, { timestamp: 1500, value: 'cache miss', endpoint: ep }, { timestamp: 3000, value: 'ss', endpoint: ep }],
      binaryAnnotations: [{ key: 'http.path', value: '/api', endpoint: ep }, { key: 'ca', value: true, endpoint: { serviceName: 'client', ipv4: '10.0.0.2' } }],
    }]));
    assert.deepEqual(s, {
      traceId: '463ac35c9f6413ad', id: '72485a3953bb6124', parentId: '463ac35c9f6413ad', name: 'get', timestamp: 1000, duration: 2000, debug: undefined,
      kind: 'SERVER', localEndpoint: ep, remoteEndpoint: { serviceName: 'client', ipv4: '10.0.0.2' },
      annotations: [{ timestamp: 1500, value: 'cache miss' }], tags: { 'http.path': '/api' }, shared: true,
    });
  });

  it('v2 -> rows: 64-bit trace ids padded, service from localEndpoint, error tag to status, annotations to events', () => {
    const b = zipkinSpansToBatch(decodeZipkinJsonV2(json([{
      traceId: '463ac35c9f6413ad', id: '72485a3953bb6124', kind: 'CLIENT', name: 'get', timestamp: 1_700_000_000_000_000, duration: 250,
      localEndpoint: ep, remoteEndpoint: { serviceName: 'backend', port: 9000 }, tags: { error: 'timeout', 'otel.scope.name': 'lib' },
      annotations: [{ timestamp: 1_700_000_000_000_100, value: 'ws' }],
    }])));
    assert.equal(u64ToHex(b.traceHi[0]!) + u64ToHex(b.traceLo[0]!), '0000000000000000463ac35c9f6413ad');
    assert.equal(b.parentId[0], 0n);
    assert.deepEqual([b.kind[0], b.statusCode[0], b.statusMessage[0], b.dataset[0], b.scopeName[0]], [3, 2, 'timeout', 'frontend', 'lib']);
    assert.equal(b.startNs[0], 1_700_000_000_000_000_000n);
    assert.equal(b.durationNs[0], 250_000n);
    assert.equal(b.getAttr(0, 'peer.service'), 'backend');
    assert.equal(b.getAttr(0, 'network.peer.port'), 9000);
    assert.equal(b.getAttr(0, 'error'), undefined);
    assert.deepEqual(b.events[0], [{ timeUnixNano: '1700000000000100000', name: 'ws', attributes: {} }]);
    assert.ok(b.resourceKeys.has('service.name'));
  });

  it('proto3 reads the same fields', () => {
    const [s] = decodeZipkinProto3(zipkinProto3([{ traceId: '4f84c7a11234567890abcdef12345678', id: '00000000000000a1', parentId: '00000000000000a0', name: 'op', kind: 1, timestamp: 5, duration: 7, service: 'svc', tags: { a: 'b' }, annotation: 'x' }]));
    assert.deepEqual(s, {
      traceId: '4f84c7a11234567890abcdef12345678', id: '00000000000000a1', parentId: '00000000000000a0', name: 'op', kind: 'CLIENT', timestamp: 5, duration: 7,
      localEndpoint: { serviceName: 'svc', ipv4: '127.0.0.1' }, annotations: [{ timestamp: 5, value: 'x' }], tags: { a: 'b' },
    });
  });

  it('invalid ids refuse the request, as Zipkin does', () => {
    assert.throws(() => zipkinSpansToBatch([{ traceId: '0000', id: 'a' }]), /traceId should be/);
    assert.throws(() => zipkinSpansToBatch([{ traceId: 'abc', id: 'zz' }]), /id should be/);
    assert.throws(() => decodeZipkinJsonV2(json({ not: 'a list' })), /Expected a JSON_V2 encoded list/);
  });
});
