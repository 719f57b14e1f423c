/** Small OTLP/JSON request builders shared by the decoder tests (`both` decodes through both decoders). */
import assert from 'node:assert/strict';
import { decodeOtlpJson } from '../../../src/receivers/otlp/decode-json.js';
import { decodeOtlpProto } from '../../../src/receivers/otlp/decode-proto.js';
import { assertSameBatch } from './helpers.js';
import { encodeRequest } from './pb-writer.js';

export const TRACE = '635284f42170524f0c18ca9cf2854bbf';

/* eslint-disable @typescript-eslint/no-explicit-any */
export type J = any;

/** Decodes one OTLP/JSON request object both ways and checks both decoders agree; returns the proto result. */
export function both(req: J, opts: { dataset?: string } = {}) {
  const p = decodeOtlpProto(encodeRequest(req), opts);
  const j = decodeOtlpJson(JSON.stringify(req), opts);
  assertSameBatch(p.batch, j.batch);
  assert.equal(p.rejected, j.rejected);
  return { p, j };
}

export function req(spans: J[], resourceAttrs: J[] = [{ key: 'service.name', value: { stringValue: 'svc' } }], scope: J = { name: 'lib', version: '1.0' }): J {
  return { resourceSpans: [{ resource: { attributes: resourceAttrs }, scopeSpans: [{ scope, spans }] }] };
}

export function span(over: J = {}): J {
  return {
    traceId: TRACE,
    spanId: '216d7bbf051809ad',
    parentSpanId: '7c99826165d12d60',
    name: 'op',
    kind: 2,
    startTimeUnixNano: '1795487297358000000',
    endTimeUnixNano: '1795487297358093940',
    ...over,
  };
}
