import { bodyOf, type Codec } from '../codec.js';
import { decodeZipkinJsonV1 } from './decode-v1.js';
import { decodeZipkinThriftV1 } from './decode-v1-thrift.js';
import { decodeZipkinJsonV2, decodeZipkinProto3 } from './decode-v2.js';
import { zipkinSpansToBatch, type ZipkinSpan } from './zipkin-span.js';

export const ZIPKIN_KINDS = { v1Json: 'zipkin-v1-json', v1Thrift: 'zipkin-v1-thrift', v2Json: 'zipkin-v2-json', v2Proto: 'zipkin-v2-proto' } as const;

const READERS: Record<string, (b: Uint8Array) => ZipkinSpan[]> = {
  [ZIPKIN_KINDS.v1Json]: decodeZipkinJsonV1,
  [ZIPKIN_KINDS.v1Thrift]: decodeZipkinThriftV1,
  [ZIPKIN_KINDS.v2Json]: decodeZipkinJsonV2,
  [ZIPKIN_KINDS.v2Proto]: decodeZipkinProto3,
};

/** Zipkin span lists: v1 JSON, v1 Thrift, v2 JSON, v2 proto3. */
export const zipkinCodec: Codec = {
  kinds: Object.values(ZIPKIN_KINDS),
  create: () => (p) => ({ batch: zipkinSpansToBatch(READERS[p.kind]!(bodyOf(p))), rejected: 0 }),
};
