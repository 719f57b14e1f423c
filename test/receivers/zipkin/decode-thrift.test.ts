import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeZipkinThriftV1 } from '../../../src/receivers/zipkin/decode-v1-thrift.js';
import { thriftList } from '../../helpers/zipkin-thrift.js';

const ep = { serviceName: 'frontend', ipv4: '10.0.0.1', port: 8080 };
const span = (o: object) => ({ annotations: [], tags: {}, debug: false, shared: false, ...o });

describe('Zipkin v1 Thrift decoder (bytes from zipkin-encoder-thrift)', () => {
  it('a client span with a 128-bit trace id, tags, annotations and a server address', () => {
    const [s] = decodeZipkinThriftV1(thriftList([span({
      traceId: '5f84c7a11234567890abcdef12345678', id: '1234567890abcdef', parentId: '00000000000000aa', name: 'get', kind: 'CLIENT',
      timestamp: 1_764_683_714_000_000, duration: 1500, localEndpoint: ep, remoteEndpoint: { serviceName: 'backend', ipv4: '192.168.1.2', port: 40000 },
      annotations: [{ timestamp: 1_764_683_714_000_100, value: 'retry' }], tags: { 'http.method': 'GET' },
    })]));
    assert.deepEqual(s, {
      traceId: '5f84c7a11234567890abcdef12345678', id: '1234567890abcdef', parentId: '00000000000000aa', name: 'get', timestamp: 1_764_683_714_000_000, duration: 1500,
      debug: false, kind: 'CLIENT', localEndpoint: { serviceName: 'frontend', ipv4: '10.0.0.1', port: 8080 },
      remoteEndpoint: { serviceName: 'backend', ipv4: '192.168.1.2', port: 40000 },
      annotations: [{ timestamp: 1_764_683_714_000_100, value: 'retry' }], tags: { 'http.method': 'GET' },
    });
  });

  it('a shared server half (no span timestamp) is marked shared, times from sr/ss', () => {
    const [s] = decodeZipkinThriftV1(thriftList([span({ traceId: '463ac35c9f6413ad', id: '72485a3953bb6124', name: 'get', kind: 'SERVER', timestamp: 1000, duration: 2000, localEndpoint: ep, shared: true })]));
    assert.deepEqual([s!.kind, s!.timestamp, s!.duration, s!.shared, s!.traceId], ['SERVER', 1000, 2000, true, '463ac35c9f6413ad']);
  });

  it('refuses what is not a Thrift list of spans, without crashing', () => {
    assert.throws(() => decodeZipkinThriftV1(Buffer.from('[{"traceId":"1"}]')), /Expected a THRIFT encoded list/);
    assert.throws(() => decodeZipkinThriftV1(Buffer.from([])), /Expected a THRIFT encoded list/);
    assert.throws(() => decodeZipkinThriftV1(Buffer.from([12, 0x7f, 0xff, 0xff, 0xff, 0])), /Expected a THRIFT encoded list/);
    assert.throws(() => decodeZipkinThriftV1(Buffer.from([12, 0, 0, 0, 1, 11, 0, 4, 0, 0, 0, 1, 65, 0])), /field "id"/);
    const one = thriftList([span({ traceId: '463ac35c9f6413ad', id: '72485a3953bb6124', name: 'x', timestamp: 1, duration: 1, localEndpoint: ep })]);
    assert.throws(() => decodeZipkinThriftV1(Buffer.concat([one, Buffer.from([1, 2, 3])])), /3 bytes after the list/);
    // An unknown struct field nested 200,000 deep: thriftrw recurses into it.
    const deep = Buffer.concat([Buffer.from([12, 0, 0, 0, 1]), Buffer.alloc(600_000, Buffer.from([12, 0, 99]))]);
    assert.throws(() => decodeZipkinThriftV1(deep), /nested too deep/);
  });
});
