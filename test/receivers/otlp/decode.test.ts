import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { decodeOtlpJson } from '../../../src/receivers/otlp/decode-json.js';
import { decodeOtlpProto } from '../../../src/receivers/otlp/decode-proto.js';
import { SpanKind, SpanSource, StatusCode } from '../../../src/model/span.js';
import { assertSameBatch, columnTypes, fixture, rows } from './helpers.js';
import { encodeSpan, PbWriter } from './pb-writer.js';

import { TRACE, both, req, span, type J } from './requests.js';

describe('OTLP fixtures from the real OTel JS exporters', () => {
  it('001_proto.pb and 002_json.json give the same batch, field by field', () => {
    const p = decodeOtlpProto(fixture('001_proto.pb'), {});
    const j = decodeOtlpJson(fixture('002_json.json'), {});
    assert.equal(p.rejected, 0);
    assert.equal(j.rejected, 0);
    assert.equal(p.rejectMessage, undefined);
    assert.equal(p.batch.length, 4);
    assertSameBatch(p.batch, j.batch);

    const r = rows(p.batch);
    for (const row of r) {
      assert.equal(row.traceId, TRACE);
      assert.equal(row.dataset, 'backend-flask');
      assert.equal(row.source, SpanSource.OTLP);
      assert.equal(row.scopeName, 'probe-tracer');
      assert.equal(row.scopeVersion, '0.1.0');
      assert.equal(row.flags, 257);
      assert.equal(row.attrs['service.name'], 'backend-flask');
      assert.equal(row.attrs['service.version'], '1.2.3');
      assert.equal(row.attrs['host.name'], 'probe');
    }
    assert.deepEqual(
      r.map((x) => [x.spanId, x.parentId, x.name, x.kind]),
      [
        ['216d7bbf051809ad', '7c99826165d12d60', 'SELECT activities', SpanKind.CLIENT],
        ['4b79bedee5bd3d57', '7c99826165d12d60', 'call payments', SpanKind.CLIENT],
        ['be89b420d812af06', '7c99826165d12d60', 'publish activity', SpanKind.PRODUCER],
        ['7c99826165d12d60', '', 'GET /api/activities/home', SpanKind.SERVER],
      ],
    );
    assert.equal(r[0]!.startNs, 1795487297358000000n);
    assert.equal(r[0]!.durationNs, 93940n);
    assert.equal(r[0]!.attrs['db.statement'], 'SELECT * FROM activities LIMIT 10');
    // Status and the exception event of "call payments".
    assert.equal(r[1]!.statusCode, StatusCode.ERROR);
    assert.equal(r[1]!.statusMessage, 'timeout');
    const ev = (r[1]!.events as J[])[0];
    assert.equal(ev.name, 'exception');
    assert.equal(ev.timeUnixNano, '1795487297359633462');
    assert.equal(ev.attributes['exception.message'], 'payment timeout');
    assert.match(ev.attributes['exception.stacktrace'], /^Error: payment timeout\n/);
    assert.deepEqual(r[1]!.links, [{ traceId: TRACE, spanId: '216d7bbf051809ad', attributes: { 'link.kind': 'follows' }, flags: 257 }]);
    // Scalar kinds and arrays on the root span.
    const root = r[3]!;
    assert.equal(root.attrs['http.response.status_code'], 200);
    assert.equal(root.attrs['sampled.ratio'], 0.25);
    assert.equal(root.attrs['feature.enabled'], true);
    assert.equal(root.attrs['tags'], '["a","b"]');
    assert.equal(root.attrs['ids'], '[1,2,3]');
    assert.deepEqual(root.events, [{ timeUnixNano: '1795487297358062551', name: 'cache.miss', attributes: { key: 'home:u-123' } }]);
    const types = columnTypes(p.batch);
    assert.equal(types['http.response.status_code'], 'int');
    assert.equal(types['sampled.ratio'], 'double');
    assert.equal(types['feature.enabled'], 'bool');
    assert.equal(types['tags'], 'string');
    assert.deepEqual([...p.batch.resourceKeys].sort(), ['deployment.environment', 'host.name', 'service.name', 'service.version']);
  });

  it('gzip bodies (003, 004) decode to the same spans', () => {
    const p = decodeOtlpProto(gunzipSync(fixture('003_proto-gzip.pb')), {});
    const j = decodeOtlpJson(gunzipSync(fixture('004_json-gzip.json')), {});
    assert.equal(p.batch.length, 4);
    assertSameBatch(p.batch, j.batch);
    const r = rows(p.batch);
    assert.ok(r.every((x) => x.dataset === 'backend-flask'));
  });

  it('payload_512.pb and payload_512.json decode to the same 512 spans', () => {
    const p = decodeOtlpProto(fixture('payload_512.pb'), {});
    const j = decodeOtlpJson(fixture('payload_512.json'), {});
    assert.equal(p.batch.length, 512);
    assert.equal(p.rejected, 0);
    assertSameBatch(p.batch, j.batch);
    const r = rows(p.batch);
    assert.ok(r.every((x) => x.dataset === 'checkout' && x.attrs['process.pid'] === 4242));
    assert.equal(r.filter((x) => x.events !== null).length > 0, true);
  });

  it('the Go protoc-gen-go request decodes', () => {
    const { batch, rejected } = decodeOtlpProto(fixture('go_otlpprobe_request.pb'), {});
    assert.equal(rejected, 0);
    const r = rows(batch);
    assert.deepEqual(r.map((x) => [x.name, x.kind, x.dataset, x.parentId === '']), [
      ['db', SpanKind.INTERNAL, 'go-otlp-probe', false],
      ['GET /go', SpanKind.SERVER, 'go-otlp-probe', true],
    ]);
    assert.equal(r[1]!.attrs['http.status_code'], 200);
    assert.equal(r[1]!.attrs['http.method'], 'GET');
    assert.equal(r[0]!.parentId, r[1]!.spanId);
  });
});

describe('every field of the trace proto', () => {
  it('maps all span fields, events, links, status, flags, trace_state and dropped counts', () => {
    const s = span({
      traceState: 'ot=th:8;rv:abc,vendor=x',
      flags: 0x301,
      droppedAttributesCount: 3,
      droppedEventsCount: 4,
      droppedLinksCount: 5,
      status: { code: 1, message: 'fine' },
      attributes: [{ key: 'a', value: { stringValue: 'x' } }],
      events: [
        { timeUnixNano: '1795487297358000001', name: 'e1', attributes: [{ key: 'k', value: { intValue: '-7' } }], droppedAttributesCount: 2 },
        { timeUnixNano: '1795487297358000002', name: 'e2' },
      ],
      links: [
        { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceState: 'k=v', attributes: [{ key: 'why', value: { boolValue: true } }], droppedAttributesCount: 1, flags: 1 },
        { traceId: '', spanId: '', attributes: [{ key: 'orphan', value: { stringValue: 'y' } }] },
      ],
    });
    const { p } = both(req([s], [{ key: 'service.name', value: { stringValue: 'svc' } }], { name: 'lib', version: '1.0', attributes: [{ key: 'scope.attr', value: { intValue: 1 } }] }));
    const [r] = rows(p.batch);
    assert.ok(r);
    assert.equal(r.traceState, 'ot=th:8;rv:abc,vendor=x');
    assert.equal(r.flags, 0x301);
    assert.equal(r.droppedAttrs, 3);
    assert.equal(r.droppedEvents, 4);
    assert.equal(r.droppedLinks, 5);
    assert.equal(r.statusCode, StatusCode.OK);
    assert.equal(r.statusMessage, 'fine');
    assert.equal(r.scopeName, 'lib');
    assert.equal(r.scopeVersion, '1.0');
    assert.equal(r.attrs['scope.attr'], 1);
    assert.ok(!p.batch.resourceKeys.has('scope.attr'));
    assert.deepEqual(r.events, [
      { timeUnixNano: '1795487297358000001', name: 'e1', attributes: { k: -7 }, droppedAttributesCount: 2 },
      { timeUnixNano: '1795487297358000002', name: 'e2', attributes: {} },
    ]);
    assert.deepEqual(r.links, [
      { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceState: 'k=v', attributes: { why: true }, droppedAttributesCount: 1, flags: 1 },
      { traceId: '0'.repeat(32), spanId: '0'.repeat(16), attributes: { orphan: 'y' } },
    ]);
  });

  it('every AnyValue kind: scalars, arrays as JSON, kvlists flattened 5 levels deep, bytes as base64', () => {
    const deep = (levels: number, leaf: J): J => (levels === 0 ? leaf : { kvlistValue: { values: [{ key: `l${levels}`, value: deep(levels - 1, leaf) }] } });
    const attributes = [
      { key: 's', value: { stringValue: 'héllo wörld ✓ 𝄞' } },
      { key: 'b', value: { boolValue: false } },
      { key: 'i', value: { intValue: '-42' } },
      { key: 'big', value: { intValue: '9007199254740993' } },
      { key: 'neg', value: { intValue: '-9223372036854775808' } },
      { key: 'd', value: { doubleValue: -1.5e-7 } },
      { key: 'arr', value: { arrayValue: { values: [{ stringValue: 'x' }, { intValue: 1 }, { boolValue: true }, { doubleValue: 2.5 }, { arrayValue: { values: [] } }, { kvlistValue: { values: [{ key: 'q', value: { stringValue: 'r' } }] } }, {}, { bytesValue: 'AAEC' }] } } },
      { key: 'kv', value: { kvlistValue: { values: [{ key: 'a', value: { stringValue: 'A' } }, { key: 'n', value: { intValue: 5 } }, { key: 'in', value: { kvlistValue: { values: [{ key: 'x', value: { boolValue: true } }] } } }] } } },
      { key: 'deep', value: deep(7, { stringValue: 'bottom' }) },
      { key: 'bytes', value: { bytesValue: Buffer.from([0, 1, 2, 250, 251, 255]).toString('base64') } },
      { key: 'empty', value: {} },
      { key: '', value: { stringValue: 'no key' } },
      { key: 'novalue' },
    ];
    const s = span({ attributes, events: [{ timeUnixNano: '1', name: 'ev', attributes }] });
    const { p } = both(req([s]));
    const [r] = rows(p.batch);
    assert.ok(r);
    const a = r.attrs;
    assert.equal(a['s'], 'héllo wörld ✓ 𝄞');
    assert.equal(a['b'], false);
    assert.equal(a['i'], -42);
    assert.equal(a['big'], 9007199254740993);
    assert.equal(a['neg'], -9223372036854775808);
    assert.equal(a['d'], -1.5e-7);
    assert.equal(a['arr'], JSON.stringify(['x', 1, true, 2.5, [], { q: 'r' }, null, 'AAEC']));
    assert.equal(a['kv.a'], 'A');
    assert.equal(a['kv.n'], 5);
    assert.equal(a['kv.in.x'], true);
    // 5 levels flattened; the 6th level's value is JSON text.
    assert.equal(a['deep.l7.l6.l5.l4.l3.l2'], JSON.stringify({ l1: 'bottom' }));
    assert.equal(a['bytes'], 'AAEC+vv/');
    assert.ok(!('empty' in a) && !('' in a) && !('novalue' in a) && !('kv' in a));
    const t = columnTypes(p.batch);
    assert.deepEqual([t['s'], t['b'], t['i'], t['d'], t['arr'], t['kv.n'], t['bytes']], ['string', 'bool', 'int', 'double', 'string', 'int', 'string']);
    // Events keep the full structure.
    const ea = (r.events as J[])[0].attributes;
    assert.equal(ea.s, 'héllo wörld ✓ 𝄞');
    assert.deepEqual(ea.arr, ['x', 1, true, 2.5, [], { q: 'r' }, null, 'AAEC']);
    assert.deepEqual(ea.kv, { a: 'A', n: 5, in: { x: true } });
    assert.deepEqual(ea.deep, { l7: { l6: { l5: { l4: { l3: { l2: { l1: 'bottom' } } } } } } });
    assert.equal(ea.bytes, 'AAEC+vv/');
    assert.equal(ea.empty, null);
    assert.equal(ea[''], 'no key');
    assert.equal(ea.novalue, null);
  });

  it('span attributes win over scope attributes, which win over resource attributes', () => {
    const s = span({ attributes: [{ key: 'dup', value: { stringValue: 'span' } }, { key: 'host.name', value: { intValue: 7 } }] });
    const { p } = both(
      req(
        [s, span({ spanId: '0000000000000001' })],
        [
          { key: 'service.name', value: { stringValue: 'svc' } },
          { key: 'dup', value: { stringValue: 'resource' } },
          { key: 'host.name', value: { stringValue: 'h1' } },
          { key: 'scoped', value: { stringValue: 'resource' } },
        ],
        { name: 'lib', attributes: [{ key: 'scoped', value: { stringValue: 'scope' } }] },
      ),
    );
    const [r0, r1] = rows(p.batch);
    assert.equal(r0!.attrs['dup'], 'span');
    assert.equal(r0!.attrs['host.name'], '7'); // the column widened to string
    assert.equal(r0!.attrs['scoped'], 'scope');
    assert.equal(r1!.attrs['dup'], 'resource');
    assert.equal(r1!.attrs['host.name'], 'h1');
    assert.deepEqual([...p.batch.resourceKeys].sort(), ['dup', 'host.name', 'scoped', 'service.name']);
  });

  it('several resources and scopes, each with their own dataset and scope', () => {
    const r = {
      resourceSpans: [
        { resource: { attributes: [{ key: 'service.name', value: { stringValue: 'a' } }] }, scopeSpans: [{ scope: { name: 's1' }, spans: [span()] }, { scope: { name: 's2', version: '2' }, spans: [span({ spanId: '0000000000000002' })] }] },
        { resource: { attributes: [{ key: 'service.name', value: { stringValue: 'b' } }, { key: 'only.b', value: { boolValue: true } }] }, scopeSpans: [{ spans: [span({ spanId: '0000000000000003' })] }] },
        { scopeSpans: [{ spans: [span({ spanId: '0000000000000004' })] }] },
      ],
    };
    const { p } = both(r);
    assert.deepEqual(rows(p.batch).map((x) => [x.dataset, x.scopeName, x.scopeVersion, x.attrs['only.b'] ?? null]), [
      ['a', 's1', '', null],
      ['a', 's2', '2', null],
      ['b', '', '', true],
      ['unknown_service', '', '', null],
    ]);
  });

  it('times: duration = end - start, negative clamped to 0; kind and status enum names in JSON', () => {
    const s1 = span({ startTimeUnixNano: '2000', endTimeUnixNano: '1000' });
    const s2 = span({ spanId: '0000000000000002', startTimeUnixNano: 1000, endTimeUnixNano: '1500' });
    both(req([s1]));
    const j = decodeOtlpJson(JSON.stringify(req([s1, s2, span({ spanId: '0000000000000003', kind: 'SPAN_KIND_CONSUMER', status: { code: 'STATUS_CODE_ERROR' } })])), {});
    const r = rows(j.batch);
    assert.equal(r[0]!.durationNs, 0n);
    assert.equal(r[0]!.startNs, 2000n);
    assert.equal(r[1]!.durationNs, 500n);
    assert.equal(r[2]!.kind, SpanKind.CONSUMER);
    assert.equal(r[2]!.statusCode, StatusCode.ERROR);
  });

  it('JSON accepts snake_case keys, upper-case hex ids and string integers', () => {
    const camel = req([span({ flags: 1, droppedAttributesCount: 2, attributes: [{ key: 'n', value: { intValue: 3 } }] })]);
    const snake = {
      resource_spans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { string_value: 'svc' } }] },
          scope_spans: [
            {
              scope: { name: 'lib', version: '1.0' },
              spans: [
                {
                  trace_id: TRACE.toUpperCase(),
                  span_id: '216D7BBF051809AD',
                  parent_span_id: '7c99826165d12d60',
                  name: 'op',
                  kind: 'SPAN_KIND_SERVER',
                  start_time_unix_nano: '1795487297358000000',
                  end_time_unix_nano: '1795487297358093940',
                  flags: '1',
                  dropped_attributes_count: '2',
                  attributes: [{ key: 'n', value: { int_value: '3' } }],
                },
              ],
            },
          ],
        },
      ],
    };
    assertSameBatch(decodeOtlpJson(JSON.stringify(camel), {}).batch, decodeOtlpJson(JSON.stringify(snake), {}).batch);
  });

  it('protobuf fields in any order, repeated, with unknown fields and groups of every wire type', () => {
    const w = new PbWriter();
    w.messageField(1, (rw) => {
      rw.varintField(99, 1); // unknown varint
      rw.messageField(2, (sw) => {
        sw.messageField(2, (spw) => {
          spw.fixed32Field(100, 7); // unknown fixed32
          spw.fixed64Field(101, 7n); // unknown fixed64
          spw.stringField(5, 'first name');
          encodeSpan(spw, span({ name: 'op', status: { code: 2, message: 'boom' } }));
          spw.tag(102, 3).varintField(1, 5).tag(1, 3).tag(1, 4).tag(102, 4); // a group, with a nested group
          spw.stringField(5, 'last name wins');
          spw.varintField(6, 3);
        });
        sw.messageField(1, (scw) => scw.stringField(1, 'scope-after-spans'));
        sw.stringField(3, 'https://schema');
      });
      // The resource after the scope spans, in two parts (repeated messages merge).
      rw.messageField(1, (resw) => resw.messageField(1, (kw) => kw.stringField(1, 'service.name').messageField(2, (vw) => vw.stringField(1, '  late-svc  '))));
      rw.messageField(1, (resw) => {
        resw.messageField(1, (kw) => kw.messageField(2, (vw) => vw.varintField(3, 9)).stringField(1, 'value.before.key'));
        resw.varintField(2, 1); // dropped_attributes_count
        resw.messageField(3, (ew) => ew.stringField(2, 'service')); // entity_refs: skipped
      });
    });
    w.varintField(1000, 123456789); // unknown top-level field
    const { batch, rejected } = decodeOtlpProto(w.finish(), {});
    assert.equal(rejected, 0);
    const [r] = rows(batch);
    assert.ok(r);
    assert.equal(r.name, 'last name wins');
    assert.equal(r.kind, SpanKind.CLIENT);
    assert.equal(r.statusCode, StatusCode.ERROR);
    assert.equal(r.statusMessage, 'boom');
    assert.equal(r.scopeName, 'scope-after-spans');
    assert.equal(r.dataset, 'late-svc');
    assert.equal(r.attrs['value.before.key'], 9);
    assert.equal(r.attrs['service.name'], '  late-svc  ');
  });

  it('unknown enum values are stored as 0', () => {
    const { p } = both(req([span({ kind: 9, status: { code: 7 } })]));
    const [r] = rows(p.batch);
    assert.equal(r!.kind, 0);
    assert.equal(r!.statusCode, 0);
  });
});

