/**
 * A decoded batch crossing from the decode worker to the ingest worker (pipeline/batch-transfer.ts): after
 * packing, a real structured clone with the buffers transferred, and unpacking, every field reads as before.
 * Real OTLP bytes through the real decoder, plus a batch with sparse, widened and bool columns.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { packDecoded, unpackDecoded } from '../../src/pipeline/batch-transfer.js';
import type { Decoded } from '../../src/pipeline/payload.js';
import type { SpanBatch } from '../../src/model/span-batch.js';
import { decodeOtlpProto } from '../../src/receivers/otlp/decode-proto.js';
import { makeBatch } from '../store/make-batch.js';

/** Everything a consumer reads, as plain data. */
function view(b: SpanBatch): unknown {
  const rows = [];
  for (let r = 0; r < b.length; r++) {
    rows.push({
      ids: [b.traceHi[r], b.traceLo[r], b.spanId[r], b.parentId[r], b.xrayDocId[r]], t: [b.startNs[r], b.durationNs[r]],
      n: [b.kind[r], b.statusCode[r], b.source[r], b.flags[r], b.droppedAttrs[r], b.droppedEvents[r], b.droppedLinks[r]],
      s: [b.name[r], b.dataset[r], b.traceState[r], b.statusMessage[r], b.scopeName[r], b.scopeVersion[r]],
      e: b.events[r], l: b.links[r], x: b.xrayDoc[r],
    });
  }
  const attrs = [...b.attrs].map(([k, c]) => [k, c.type, Array.from({ length: b.length }, (_, r) => c.values[r])]);
  return { length: b.length, rows, attrs, resourceKeys: [...b.resourceKeys].sort() };
}

function roundTrip(d: Decoded): Decoded {
  const { packed, transfer } = packDecoded(d);
  return unpackDecoded(structuredClone(packed, { transfer }));
}

describe('batch transfer between the decode and ingest workers', () => {
  it('an OTLP request reads the same after the trip', () => {
    const body = new Uint8Array(readFileSync('test/fixtures/wire/otel/payload_512.pb'));
    const expected = view(decodeOtlpProto(body, {}).batch);
    const r = decodeOtlpProto(body, {});
    const back = roundTrip({ batch: r.batch, rejected: 3, message: 'partial' });
    assert.deepEqual(view(back.batch), expected);
    assert.equal(back.rejected, 3);
    assert.equal(back.message, 'partial');
    // The unpacked batch is a SpanBatch: rows can still be added (limits and other steps may edit it).
    const row = back.batch.addRow();
    back.batch.setAttr(row, 'late.key', 'int', 7);
    assert.equal(back.batch.getAttr(row, 'late.key'), 7);
  });

  it('sparse, widened, bool and absent attributes, events and X-Ray documents survive', () => {
    const b = makeBatch([
      { traceId: 'a'.repeat(32), spanId: '1'.repeat(16), name: 'x', dataset: 'd', startNs: 1n, durationNs: 2n, attrs: { flag: true, n: 1, s: 'v' }, resource: { 'service.name': 'd' } },
      { traceId: 'b'.repeat(32), spanId: '2'.repeat(16), name: 'y', dataset: 'd', startNs: 3n, durationNs: 4n, attrs: { flag: false, n: 1.5 }, events: [{ name: 'e', timeUnixNano: 5n, attributes: {} } as never], xrayDoc: '{"id":"2"}', xrayDocId: '2'.repeat(16) },
      { traceId: 'c'.repeat(32), spanId: '3'.repeat(16), name: 'é🙂', dataset: 'd', startNs: 6n, durationNs: 7n, attrs: { only: 'last' } },
    ]);
    const expected = view(b);
    const append = { replaceDocuments: ['k:1'] };
    const back = roundTrip({ batch: b, rejected: 0, append, rejectedDocuments: [{ id: 'z', errorCode: 'E', message: 'm' }] });
    assert.deepEqual(view(back.batch), expected);
    assert.equal(back.batch.attrs.get('n')!.type, 'double');
    assert.deepEqual(back.append, append);
    assert.equal(back.rejectedDocuments![0]!.id, 'z');
  });
});
