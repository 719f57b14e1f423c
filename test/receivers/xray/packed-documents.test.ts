/** packed-documents.ts: the UDP socket thread's batches as one transferable buffer. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitDatagramBytes } from '../../../src/receivers/xray/datagram.js';
import { packDocuments, unpackDocuments } from '../../../src/receivers/xray/packed-documents.js';

test('documents come back as the same texts, multi-byte characters and an empty batch included', () => {
  const docs = ['{"name":"a","id":"1"}', '{"name":"caf\u00e9 \u2603 \ud83d\ude00","id":"2"}', '{\n  "pretty": true\n}'];
  const parts = docs.map((d) => Buffer.from(d, 'utf8'));
  const bytes = parts.reduce((n, p) => n + p.length, 0);
  const packed = packDocuments(parts, bytes);
  assert.equal(packed.byteLength, 4 * (docs.length + 1) + bytes);
  assert.deepEqual(unpackDocuments(packed), docs);
  assert.deepEqual(unpackDocuments(packDocuments([], 0)), []);
});

test('datagram bodies are packed from views of the datagrams, header left out', () => {
  const dgrams = ['{"format":"json","version":1}\n{"id":"x"}', '{"format": "json", "version": 1}\n{"id":"y"}'].map((s) => Buffer.from(s));
  const bodies = dgrams.map((d) => {
    const r = splitDatagramBytes(d);
    assert.ok(r.ok);
    return r.body;
  });
  assert.deepEqual(unpackDocuments(packDocuments(bodies, bodies.reduce((n, b) => n + b.length, 0))), ['{"id":"x"}', '{"id":"y"}']);
});

test('a buffer that is not a packed batch is refused, not read out of bounds', () => {
  assert.throws(() => unpackDocuments(new Uint8Array(2)), /truncated/);
  const claimsTen = new Uint8Array(8);
  new DataView(claimsTen.buffer).setUint32(0, 10, true);
  assert.throws(() => unpackDocuments(claimsTen), /truncated/);
  const badOffset = packDocuments([Buffer.from('abc')], 3);
  new DataView(badOffset.buffer).setUint32(4, 99, true);
  assert.throws(() => unpackDocuments(badOffset), /bad offset/);
});
