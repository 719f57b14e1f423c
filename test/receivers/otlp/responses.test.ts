import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exportResponse, statusBody } from '../../../src/receivers/otlp/responses.js';
import { OtlpParseError, PARSE_ERROR_PREFIX } from '../../../src/receivers/otlp/errors.js';
import { WireReader } from '../../../src/receivers/otlp/wire-reader.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('ExportTraceServiceResponse', () => {
  it('is empty on full success', () => {
    assert.equal(exportResponse('proto', 0).length, 0);
    assert.equal(exportResponse('json', 0), '{}');
  });

  it('carries partial_success {rejected_spans, error_message}', () => {
    const b = exportResponse('proto', 3, 'span 1: invalid trace_id (want 16 bytes)');
    // 0a <len> { 08 03  12 <len> "span 1: ..." }
    const r = new WireReader(b);
    assert.equal(r.tag(), 0x0a);
    const outer = r.enter();
    assert.equal(r.tag(), 0x08);
    assert.equal(r.int64(), 3);
    assert.equal(r.tag(), 0x12);
    assert.equal(r.string(), 'span 1: invalid trace_id (want 16 bytes)');
    assert.equal(r.more(), false);
    r.leave(outer);
    assert.equal(r.more(), false);
    assert.equal(hex(exportResponse('proto', 3)), '0a020803');
    assert.equal(hex(exportResponse('proto', 300)), '0a0308ac02');
  });

  it('JSON uses protojson names and int64 as a string', () => {
    assert.deepEqual(JSON.parse(exportResponse('json', 3, 'bad "ids"')), { partialSuccess: { rejectedSpans: '3', errorMessage: 'bad "ids"' } });
    assert.equal(exportResponse('json', 2), '{"partialSuccess":{"rejectedSpans":"2"}}');
    assert.equal(exportResponse('json', 0, 'warning'), '{"partialSuccess":{"errorMessage":"warning"}}');
    assert.equal(hex(exportResponse('proto', 0, 'w')), '0a03120177');
  });
});

describe('google.rpc.Status', () => {
  it('proto: code (int32) then message', () => {
    assert.equal(hex(statusBody('proto', 'oops', 3)), '0803' + '12046f6f7073');
    assert.equal(hex(statusBody('proto', 'oops')), '12046f6f7073');
    // A negative int32 is a 10-byte varint.
    const r = new WireReader(statusBody('proto', '', -2));
    assert.equal(r.tag(), 0x08);
    assert.equal(r.int32(), -2);
    assert.equal(r.more(), false);
  });

  it('proto: UTF-8 message', () => {
    const r = new WireReader(statusBody('proto', 'ünïcödé ✓'));
    assert.equal(r.tag(), 0x12);
    assert.equal(r.string(), 'ünïcödé ✓');
  });

  it('JSON', () => {
    assert.deepEqual(JSON.parse(statusBody('json', 'failed to parse OTLP request body: x', 13)), { code: 13, message: 'failed to parse OTLP request body: x' });
    assert.equal(statusBody('json', 'missing'), '{"message":"missing"}');
  });

  it('OtlpParseError carries Honeycomb\'s full message', () => {
    const e = new OtlpParseError('proto: cannot parse invalid wire-format data');
    assert.equal(e.fullMessage, `${PARSE_ERROR_PREFIX}: proto: cannot parse invalid wire-format data`);
    assert.equal(e.name, 'OtlpParseError');
    assert.ok(e instanceof Error);
  });
});
