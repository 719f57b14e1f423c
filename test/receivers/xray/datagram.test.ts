import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseDatagram, parseDocument, unprocessedSegment, validateSegment } from '../../../src/receivers/xray/datagram.js';
import { captureFiles, readCapture, RUNS } from './helpers.js';

const HEADER = '{"format":"json","version":1}';
const GOOD = { trace_id: '1-6b04f5ef-07ca17f08b2bc5660e4ecb2d', id: 'f169a273ff681648', name: 'svc', start_time: 1795487215.165, end_time: 1795487215.184 };
const dg = (s: string) => new TextEncoder().encode(s);
const codes = (doc: unknown) => validateSegment(doc).map((p) => p.errorCode);

describe('parseDatagram on the real captures', () => {
  for (const run of RUNS) {
    for (const f of captureFiles(run)) {
      test(f, () => {
        const buf = readCapture(f);
        const r = parseDatagram(buf);
        assert.ok(r.ok, !r.ok ? r.reason : '');
        const text = buf.toString('utf8');
        assert.equal(r.raw, text.slice(text.indexOf('\n') + 1));
        assert.deepEqual(r.doc, JSON.parse(r.raw));
        assert.deepEqual(validateSegment(r.doc), []);
      });
    }
  }
  test('every run has captures', () => {
    assert.equal(captureFiles('xray_run1').length, 8);
    assert.equal(captureFiles('xray_run2_all_sampled').length, 9);
    assert.equal(captureFiles('xray_run3_streaming').length, 135);
  });
});

describe('parseDatagram headers', () => {
  test('Go SDK header with spaces', () => {
    const r = parseDatagram(dg('{"format": "json", "version": 1}\n' + JSON.stringify(GOOD)));
    assert.ok(r.ok);
    assert.equal(r.doc.id, GOOD.id);
  });
  test('format compared ignoring case, CRLF header line, Uint8Array view with offset', () => {
    const r = parseDatagram(dg('{"format":"JSON","version":1}\r\n' + JSON.stringify(GOOD)));
    assert.ok(r.ok);
    const big = dg('xxxx' + HEADER + '\n' + JSON.stringify(GOOD));
    const r2 = parseDatagram(big.subarray(4));
    assert.ok(r2.ok);
    assert.equal(r2.doc.name, 'svc');
  });
  test('Node header fast path + CRLF', () => {
    const r = parseDatagram(dg(HEADER + '\r\n' + JSON.stringify(GOOD) + '\n'));
    assert.ok(r.ok);
    assert.equal(r.raw, JSON.stringify(GOOD));
  });
});

describe('bad datagrams give {ok:false, reason} and never throw', () => {
  const cases: [string, Uint8Array, RegExp][] = [
    ['empty', new Uint8Array(0), /missing header or segment/],
    ['no newline', dg(HEADER + JSON.stringify(GOOD)), /missing header or segment/],
    ['header only', dg(HEADER + '\n'), /missing header or segment/],
    ['header and blank body', dg(HEADER + '\n  \n'), /missing header or segment/],
    ['bad header JSON', dg('{format:json}\n' + JSON.stringify(GOOD)), /invalid header/],
    ['empty header', dg('\n' + JSON.stringify(GOOD)), /invalid header/],
    ['version 2', dg('{"format":"json","version":2}\n' + JSON.stringify(GOOD)), /invalid header/],
    ['version "1"', dg('{"format":"json","version":"1"}\n' + JSON.stringify(GOOD)), /invalid header/],
    ['format xml', dg('{"format":"xml","version":1}\n' + JSON.stringify(GOOD)), /invalid header/],
    ['header is an array', dg('[1]\n' + JSON.stringify(GOOD)), /invalid header/],
    ['non-JSON body', dg(HEADER + '\n{"id": '), /segment is not valid JSON: /],
    ['array body', dg(HEADER + '\n[' + JSON.stringify(GOOD) + ']'), /segment is not a JSON object/],
    ['number body', dg(HEADER + '\n42'), /segment is not a JSON object/],
    ['null body', dg(HEADER + '\nnull'), /segment is not a JSON object/],
    ['binary garbage', new Uint8Array([0xff, 0xfe, 0x0a, 0x00, 0x01]), /invalid header/],
  ];
  for (const [name, buf, re] of cases) {
    test(name, () => {
      const r = parseDatagram(buf);
      assert.equal(r.ok, false);
      assert.match((r as { reason: string }).reason, re);
    });
  }
  test('parseDocument (PutTraceSegments entries)', () => {
    assert.ok(parseDocument(JSON.stringify(GOOD)).ok);
    assert.equal(parseDocument('').ok, false);
    assert.equal(parseDocument('[]').ok, false);
    assert.equal(parseDocument('{').ok, false);
  });
});

describe('validateSegment', () => {
  test('a good segment, an in-progress one and an independent subsegment pass', () => {
    assert.deepEqual(validateSegment(GOOD), []);
    const { end_time: _e, ...open } = GOOD;
    assert.deepEqual(validateSegment({ ...open, in_progress: true }), []);
    assert.deepEqual(validateSegment({ ...GOOD, type: 'subsegment', parent_id: '2a310ade926b9e0e', name: 'GET {x}' }), []);
    assert.deepEqual(validateSegment({ ...GOOD, name: 'café-service @prod: a/b%c&d#e=f+g\\h.i_j' }), []);
  });
  test('missing id / bad ids', () => {
    const { id: _i, ...noId } = GOOD;
    assert.deepEqual(codes(noId), ['MissingId']);
    assert.deepEqual(codes({ ...GOOD, id: 'F169A273FF681648' }), ['InvalidId']);
    assert.deepEqual(codes({ ...GOOD, id: 123 }), ['InvalidId']);
    assert.deepEqual(codes({ ...GOOD, parent_id: 'abc' }), ['InvalidParentId']);
  });
  test('trace id', () => {
    const { trace_id: _t, ...noTrace } = GOOD;
    assert.deepEqual(codes(noTrace), ['MissingTraceId']);
    for (const bad of ['6b04f5ef07ca17f08b2bc5660e4ecb2d', '1-6b04f5ef-07ca17f08b2bc5660e4ecb2', '2-6b04f5ef-07ca17f08b2bc5660e4ecb2d', '1-6b04f5ef-07ca17f08b2bc5660e4ecb2dz', 7]) {
      assert.deepEqual(codes({ ...GOOD, trace_id: bad }), ['InvalidTraceId'], String(bad));
    }
    // An old epoch part (propagated test ids such as 1-5759e988-...) is accepted.
    assert.deepEqual(codes({ ...GOOD, trace_id: '1-5759e988-bd862e3fe1be46a994272793' }), []);
  });
  test('end_time / in_progress', () => {
    assert.deepEqual(codes({ ...GOOD, in_progress: true }), ['InvalidEndTime']);
    const { end_time: _e, ...open } = GOOD;
    assert.deepEqual(codes(open), ['MissingEndTime']);
    assert.deepEqual(codes({ ...open, in_progress: false }), ['MissingEndTime']);
    assert.deepEqual(codes({ ...GOOD, in_progress: false }), []);
    assert.deepEqual(codes({ ...GOOD, end_time: '1795487215.184' }), ['InvalidEndTime']);
    assert.deepEqual(codes({ ...GOOD, start_time: 'now' }), ['InvalidStartTime']);
    const { start_time: _s, ...noStart } = GOOD;
    assert.deepEqual(codes(noStart), ['MissingStartTime']);
  });
  test('names', () => {
    assert.deepEqual(codes({ ...GOOD, name: 'x'.repeat(200) }), []);
    const huge = validateSegment({ ...GOOD, name: 'x'.repeat(201) });
    assert.deepEqual(huge.map((p) => p.errorCode), ['InvalidName']);
    assert.match(huge[0]!.message, /201 chars/);
    assert.deepEqual(codes({ ...GOOD, name: 'x'.repeat(100_000) }), ['InvalidName']);
    assert.deepEqual(codes({ ...GOOD, name: 'bad<name>' }), ['InvalidName']);
    assert.deepEqual(codes({ ...GOOD, name: '' }), ['MissingName']);
    assert.deepEqual(codes({ ...GOOD, name: 42 }), ['InvalidName']);
  });
  test('independent subsegments need trace_id and parent_id', () => {
    const { trace_id: _t, ...noTrace } = GOOD;
    assert.deepEqual(codes({ ...noTrace, type: 'subsegment' }).sort(), ['MissingParentId', 'MissingTraceId']);
    assert.deepEqual(codes({ ...GOOD, type: 'trace' }), ['InvalidSegment']);
  });
  test('inline subsegments are checked recursively, with paths', () => {
    const doc = {
      ...GOOD,
      subsegments: [
        { id: 'aaba567fd2449b14', name: 'ok', start_time: 1, end_time: 2 },
        { id: 'aaba567fd2449b15', name: 'deep', start_time: 1, end_time: 2, subsegments: [{ name: 'x', start_time: 1, in_progress: true }] },
        'nope',
      ],
    };
    const p = validateSegment(doc);
    assert.deepEqual(p.map((x) => [x.errorCode, x.path]), [
      ['MissingId', 'subsegments[1].subsegments[0]'],
      ['InvalidSegment', 'subsegments[2]'],
    ]);
    assert.deepEqual(codes({ ...GOOD, subsegments: {} }), ['InvalidSegment']);
  });
  test('non-objects never throw', () => {
    for (const v of [null, undefined, 1, 'x', [], [GOOD]]) assert.deepEqual(codes(v), ['InvalidSegment']);
  });
  test('unprocessedSegment builds the PutTraceSegments entry', () => {
    const doc = { ...GOOD, trace_id: 'nope' };
    const u = unprocessedSegment(doc, validateSegment(doc));
    assert.equal(u.Id, GOOD.id);
    assert.equal(u.ErrorCode, 'InvalidTraceId');
    assert.match(u.Message, /^Invalid segment\. ErrorCode: InvalidTraceId/);
    const { id: _i, ...noId } = GOOD;
    assert.deepEqual(unprocessedSegment(noId, validateSegment(noId)).Id, '');
    assert.equal(unprocessedSegment(noId, validateSegment(noId)).ErrorCode, 'MissingId');
  });
});
