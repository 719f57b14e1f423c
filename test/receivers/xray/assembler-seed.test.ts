/** XrayAssembler.seed: state restored after a restart (in-progress documents, subsegments without a dataset). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { XrayAssembler } from '../../../src/receivers/xray/assembler.js';

const TRACE = '1-6b04f5ef-07ca17f08b2bc5660e4ecb2d';
const HEX = '6b04f5ef07ca17f08b2bc5660e4ecb2d';
const SEG = 'f169a273ff681648';
const SUB = 'aaba567fd2449b14';

test('without a seed, a complete document replaces nothing it did not see', () => {
  const a = new XrayAssembler();
  const r = a.assemble([JSON.stringify({ name: 'svc', id: SEG, trace_id: TRACE, start_time: 1, end_time: 2 })]);
  assert.deepEqual(r.append.replaceDocuments, []);
});

test('a seeded in-progress document is replaced by its complete version', () => {
  const a = new XrayAssembler();
  a.seed({ inProgress: [{ traceId: HEX, docId: SEG }], orphans: [] });
  const r = a.assemble([JSON.stringify({ name: 'svc', id: SEG, trace_id: TRACE, start_time: 1, end_time: 2 })]);
  assert.deepEqual(r.append.replaceDocuments, [`${HEX}:${SEG}`]);
  // Only once.
  const again = a.assemble([JSON.stringify({ name: 'svc', id: SEG, trace_id: TRACE, start_time: 1, end_time: 2 })]);
  assert.deepEqual(again.append.replaceDocuments, []);
});

test('a seeded orphan gets the dataset of its segment when the segment arrives', () => {
  const a = new XrayAssembler();
  a.seed({ inProgress: [], orphans: [{ traceId: HEX, spanId: SUB, parentId: SEG }] });
  const r = a.assemble([JSON.stringify({ name: 'backend-flask', id: SEG, trace_id: TRACE, start_time: 1, end_time: 2 })]);
  assert.deepEqual(r.append.assignDatasets, [{ traceId: HEX, spanIds: [SUB], dataset: 'backend-flask' }]);
});
