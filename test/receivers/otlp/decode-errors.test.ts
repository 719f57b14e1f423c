import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeOtlpJson } from '../../../src/receivers/otlp/decode-json.js';
import { decodeOtlpProto } from '../../../src/receivers/otlp/decode-proto.js';
import { OtlpParseError } from '../../../src/receivers/otlp/errors.js';
import { columnTypes, fixture, rows } from './helpers.js';

import { TRACE, both, req, span, type J } from './requests.js';

describe('invalid ids', () => {
  it('spans with bad trace, span or parent ids are rejected and counted; the others are stored', () => {
    const spans = [
      span({ spanId: '0000000000000001' }),
      span({ traceId: '635284f42170524f0c18ca9cf2854b', spanId: '0000000000000002' }), // 15 bytes
      span({ traceId: '0'.repeat(32), spanId: '0000000000000003' }),
      span({ traceId: undefined, spanId: '0000000000000004' }),
      span({ spanId: '0000000000000000' }),
      span({ spanId: '00000000000005' }), // 7 bytes
      span({ spanId: undefined }),
      span({ spanId: '0000000000000008', parentSpanId: '00000000000000000001' }), // 10 bytes
      span({ spanId: '0000000000000009', parentSpanId: '0000000000000000' }), // all-zero parent: a root
      span({ spanId: '000000000000000a', parentSpanId: '' }),
    ];
    const { p, j } = both(req(spans));
    assert.equal(p.rejected, 7);
    assert.equal(j.rejected, 7);
    assert.deepEqual(rows(p.batch).map((r) => [r.spanId, r.parentId]), [
      ['0000000000000001', '7c99826165d12d60'],
      ['0000000000000009', ''],
      ['000000000000000a', ''],
    ]);
    assert.equal(
      p.rejectMessage,
      'span 1: invalid trace_id (want 16 bytes); span 2: invalid trace_id (all zero); span 3: invalid trace_id (want 16 bytes); ' +
        'span 4: invalid span_id (all zero); span 5: invalid span_id (want 8 bytes); and 2 more',
    );
    assert.match(j.rejectMessage!, /^span 1: invalid trace_id \(want 32 hex chars\); span 2: invalid trace_id \(all zero\);/);
    // A rejected span leaves nothing behind: no attribute values, no widened columns.
    assert.equal(p.batch.length, 3);
  });

  it('JSON: non-hex ids are rejected', () => {
    const spans = [
      span({ traceId: 'g35284f42170524f0c18ca9cf2854bbf' }),
      span({ spanId: '216d7bbf051809az' }),
      span({ parentSpanId: '7c99826165d12d6-' }),
      span({ traceId: 'AQIDBAUGBwgJCgsMDQ4PEA==' }), // base64, as a generic protojson encoder would write
      span({ spanId: '216d7bbf051809ad', attributes: [{ key: 'ok', value: { boolValue: true } }] }),
    ];
    const { rejected, rejectMessage, batch } = decodeOtlpJson(JSON.stringify(req(spans)), {});
    assert.equal(rejected, 4);
    assert.equal(batch.length, 1);
    assert.equal(rows(batch)[0]!.attrs['ok'], true);
    assert.match(rejectMessage!, /span 0: invalid trace_id \(not hex\); span 1: invalid span_id \(not hex\); span 2: invalid parent_span_id/);
  });

  it('a rejected span does not widen attribute columns', () => {
    const spans = [span({ attributes: [{ key: 'n', value: { intValue: 1 } }] }), span({ spanId: '0000000000000000', attributes: [{ key: 'n', value: { stringValue: 'x' } }] })];
    const { p } = both(req(spans));
    assert.equal(columnTypes(p.batch)['n'], 'int');
  });

  it('links with ids of impossible lengths are dropped and counted in dropped_links_count', () => {
    const s = span({ droppedLinksCount: 1, links: [{ traceId: 'abcd', spanId: '216d7bbf051809ad' }, { traceId: TRACE, spanId: '216d7bbf051809ad' }] });
    const { p } = both(req([s]));
    const [r] = rows(p.batch);
    assert.equal(r!.droppedLinks, 2);
    assert.deepEqual(r!.links, [{ traceId: TRACE, spanId: '216d7bbf051809ad', attributes: {} }]);
    const bad = decodeOtlpJson(JSON.stringify(req([span({ links: [{ traceId: 'z'.repeat(32), spanId: '216d7bbf051809ad' }] })])), {});
    assert.equal(rows(bad.batch)[0]!.droppedLinks, 1);
  });
});

describe('dataset', () => {
  const withService = (v: J) => req([span()], v === undefined ? [] : [{ key: 'service.name', value: v }]);
  const ds = (r: J, opts: { dataset?: string } = {}) => rows(both(r, opts).p.batch)[0]!.dataset;

  it('is the trimmed service.name', () => {
    assert.equal(ds(withService({ stringValue: '  backend-flask \t' })), 'backend-flask');
  });
  it('missing, blank, not a string or unknown_service* gives unknown_service', () => {
    assert.equal(ds(withService(undefined)), 'unknown_service');
    assert.equal(ds(withService({ stringValue: '   ' })), 'unknown_service');
    assert.equal(ds(withService({ intValue: 5 })), 'unknown_service');
    assert.equal(ds(withService({ stringValue: 'unknown_service:node' })), 'unknown_service');
    assert.equal(ds(withService({ stringValue: ' unknown_service' })), 'unknown_service');
    assert.equal(ds({ resourceSpans: [{ scopeSpans: [{ spans: [span()] }] }] }), 'unknown_service');
  });
  it('the x-honeycomb-dataset header wins; a blank header is ignored', () => {
    assert.equal(ds(withService({ stringValue: 'svc' }), { dataset: 'classic' }), 'classic');
    assert.equal(ds(withService(undefined), { dataset: ' classic ' }), 'classic');
    assert.equal(ds(withService({ stringValue: 'svc' }), { dataset: '  ' }), 'svc');
  });
});

describe('valid empty requests', () => {
  it('empty bodies and {} give an empty batch', () => {
    for (const r of [decodeOtlpProto(new Uint8Array(0), {}), decodeOtlpJson('{}', {}), decodeOtlpJson('{"resourceSpans":[]}', {}), decodeOtlpJson('{"resourceSpans":null}', {})]) {
      assert.equal(r.batch.length, 0);
      assert.equal(r.rejected, 0);
      assert.equal(r.rejectMessage, undefined);
    }
  });
  it('a resource without spans adds no resource keys', () => {
    const { p } = both({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'x' } }] } }] });
    assert.equal(p.batch.resourceKeys.size, 0);
  });
  it('JSON bodies as bytes with a BOM', () => {
    const text = JSON.stringify(req([span()]));
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(text)]);
    assert.equal(decodeOtlpJson(bytes, {}).batch.length, 1);
  });
});

describe('malformed JSON', () => {
  const bad: [string, string][] = [
    ['not json', 'not json at all'],
    ['truncated', '{"resourceSpans":['],
    ['top-level array', '[]'],
    ['top-level null', 'null'],
    ['top-level number', '5'],
    ['resourceSpans a number', '{"resourceSpans":5}'],
    ['resourceSpans an object', '{"resourceSpans":{}}'],
    ['resourceSpans item a string', '{"resourceSpans":["x"]}'],
    ['scopeSpans a string', '{"resourceSpans":[{"scopeSpans":"x"}]}'],
    ['spans not an array', '{"resourceSpans":[{"scopeSpans":[{"spans":{}}]}]}'],
    ['span a number', '{"resourceSpans":[{"scopeSpans":[{"spans":[1]}]}]}'],
    ['resource an array', '{"resourceSpans":[{"resource":[]}]}'],
    ['attributes not an array', '{"resourceSpans":[{"resource":{"attributes":{}}}]}'],
  ];
  const spanWith = (over: J) => JSON.stringify(req([span(over)]));
  const badSpans: [string, J][] = [
    ['name a number', { name: 12 }],
    ['traceId a number', { traceId: 5 }],
    ['kind an unknown name', { kind: 'SPAN_KIND_BOGUS' }],
    ['kind a bool', { kind: true }],
    ['start time not a number', { startTimeUnixNano: 'soon' }],
    ['start time negative', { startTimeUnixNano: '-5' }],
    ['start time fractional', { startTimeUnixNano: 1.5 }],
    ['start time past 2^64', { startTimeUnixNano: '18446744073709551616' }],
    ['flags negative', { flags: -1 }],
    ['status a string', { status: 'ok' }],
    ['status message a number', { status: { message: 1 } }],
    ['events an object', { events: {} }],
    ['event a string', { events: ['x'] }],
    ['links a number', { links: 1 }],
    ['attribute a string', { attributes: ['x'] }],
    ['attribute key a number', { attributes: [{ key: 1, value: { stringValue: 'x' } }] }],
    ['attribute value a string', { attributes: [{ key: 'k', value: 'x' }] }],
    ['stringValue a number', { attributes: [{ key: 'k', value: { stringValue: 1 } }] }],
    ['intValue fractional', { attributes: [{ key: 'k', value: { intValue: 1.5 } }] }],
    ['intValue not a number', { attributes: [{ key: 'k', value: { intValue: 'x' } }] }],
    ['boolValue a string', { attributes: [{ key: 'k', value: { boolValue: 'true' } }] }],
    ['doubleValue a word', { attributes: [{ key: 'k', value: { doubleValue: 'many' } }] }],
    ['arrayValue.values an object', { attributes: [{ key: 'k', value: { arrayValue: { values: {} } } }] }],
    ['kvlistValue a string', { attributes: [{ key: 'k', value: { kvlistValue: 'x' } }] }],
    ['bytesValue a number', { attributes: [{ key: 'k', value: { bytesValue: 1 } }] }],
  ];
  for (const [what, text] of bad) {
    it(`throws OtlpParseError: ${what}`, () => {
      assert.throws(() => decodeOtlpJson(text, {}), OtlpParseError);
    });
  }
  for (const [what, over] of badSpans) {
    it(`throws OtlpParseError: ${what}`, () => {
      assert.throws(() => decodeOtlpJson(spanWith(over), {}), OtlpParseError);
    });
  }
  it('names where the problem is', () => {
    assert.throws(() => decodeOtlpJson(spanWith({ name: 12 }), {}), {
      name: 'OtlpParseError',
      message: 'json: resourceSpans[0].scopeSpans[0].spans[0].name: want a string, got number 12',
    });
    assert.throws(() => decodeOtlpJson('{"resourceSpans": 5}', {}), { message: 'json: resourceSpans: want an array, got number 5' });
  });
  it('accepts doubles as NaN / Infinity strings and numeric strings', () => {
    const { batch } = decodeOtlpJson(spanWith({ attributes: [{ key: 'n', value: { doubleValue: 'NaN' } }, { key: 'i', value: { doubleValue: '-Infinity' } }, { key: 's', value: { doubleValue: '2.5' } }] }), {});
    const a = rows(batch)[0]!.attrs;
    assert.ok(Number.isNaN(a['n']));
    assert.equal(a['i'], -Infinity);
    assert.equal(a['s'], 2.5);
  });
  it('deeply nested values are refused, not a stack overflow', () => {
    let v: J = { stringValue: 'x' };
    for (let i = 0; i < 1000; i++) v = { arrayValue: { values: [v] } };
    assert.throws(() => decodeOtlpJson(spanWith({ events: [{ name: 'e', attributes: [{ key: 'k', value: v }] }] }), {}), OtlpParseError);
  });
});

describe('bench/otlp-decode', () => {
  it('measureDecode reports a rate for protobuf and JSON payloads', async () => {
    const { measureDecode } = await import('../../../bench/otlp-decode.js');
    assert.ok(measureDecode(fixture('001_proto.pb'), 0.05).spansPerSec > 0);
    assert.ok(measureDecode(fixture('002_json.json'), 0.05).spansPerSec > 0);
  });
});
