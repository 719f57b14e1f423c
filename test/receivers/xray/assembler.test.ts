import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { u64ToHex } from '../../../src/model/ids.js';
import { XrayAssembler } from '../../../src/receivers/xray/assembler.js';

const TRACE = '1-6b04f619-82611d11b09e7b58d0c50d26';
const W3C = '6b04f61982611d11b09e7b58d0c50d26';
const seg = (over: object = {}) => JSON.stringify({ trace_id: TRACE, id: 'a000000000000001', name: 'backend-flask', start_time: 1795487257.1, end_time: 1795487257.2, ...over });
const sub = (id: string, parent: string) => JSON.stringify({ type: 'subsegment', trace_id: TRACE, id, parent_id: parent, name: 'db-query', start_time: 1795487257.12, end_time: 1795487257.13 });
const datasets = (b: ReturnType<XrayAssembler['assemble']>['batch']) => Object.fromEntries(Array.from({ length: b.length }, (_, r) => [u64ToHex(b.spanId[r]!), b.dataset[r]]));

describe('XrayAssembler', () => {
  it('names subsegments streamed before their segment once it arrives (stored ones by assignDatasets)', () => {
    const a = new XrayAssembler();
    const first = a.assemble([sub('b000000000000001', 'a000000000000001'), sub('b000000000000002', 'b000000000000001')]);
    assert.deepEqual(datasets(first.batch), { b000000000000001: '', b000000000000002: '' });
    const second = a.assemble([seg()]);
    assert.deepEqual(second.append.assignDatasets, [{ traceId: W3C, spanIds: ['b000000000000001', 'b000000000000002'], dataset: 'backend-flask' }]);
  });
  it('names subsegments streamed in the same batch as their segment, or after it', () => {
    const a = new XrayAssembler();
    const same = a.assemble([sub('b000000000000001', 'a000000000000001'), seg()]);
    assert.equal(datasets(same.batch).b000000000000001, 'backend-flask');
    assert.deepEqual(same.append.assignDatasets, []);
    const later = a.assemble([sub('b000000000000003', 'a000000000000001')]);
    assert.equal(datasets(later.batch).b000000000000003, 'backend-flask');
  });
  it('replaces an in-progress segment by its complete version, and drops an in-progress one that comes late', () => {
    const a = new XrayAssembler();
    const open = a.assemble([seg({ end_time: undefined, in_progress: true })]);
    assert.equal(open.batch.length, 1);
    const done = a.assemble([seg()]);
    assert.deepEqual(done.append.replaceDocuments, [`${W3C}:a000000000000001`]);
    const late = a.assemble([seg({ end_time: undefined, in_progress: true })]);
    assert.equal(late.batch.length, 0);
    const both = new XrayAssembler().assemble([seg({ end_time: undefined, in_progress: true }), seg()]);
    assert.equal(both.batch.length, 1);
    assert.deepEqual(both.append.replaceDocuments, []);
  });
  it('reports unparseable and invalid documents, keeps the rest', () => {
    const r = new XrayAssembler().assemble(['{', JSON.stringify({ id: 'zz' }), seg()]);
    assert.equal(r.batch.length, 1);
    assert.equal(r.rejected.length, 2);
    assert.equal(r.rejected[0]!.errorCode, 'InvalidSegment');
  });
});
