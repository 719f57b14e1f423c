/**
 * Zipkin v1 Thrift bodies made by a real encoder of Zipkin's IDL: `zipkin-encoder-thrift` (zipkin-js's
 * encoder, Apache Thrift's generated `zipkinCore` types), one span at a time, wrapped in the TBinaryProtocol
 * list header Zipkin's `/api/v1/spans` reads. zipkin-transport-http posts JSON only, so this logger stands in
 * for its transport: the spans themselves come from zipkin-js's real `Tracer`.
 */
import { createRequire } from 'node:module';

const encoder = createRequire(import.meta.url)('zipkin-encoder-thrift') as { encode(span: object): Buffer };

/** A list<Span> body: element type 12 (struct), big-endian count, then each span. */
export function thriftList(spans: readonly object[]): Buffer {
  const head = Buffer.alloc(5);
  head[0] = 12;
  head.writeInt32BE(spans.length, 1);
  return Buffer.concat([head, ...spans.map((s) => Buffer.from(encoder.encode(s)))]);
}

/** A zipkin-js `Logger` that collects spans; `flush` posts them as one Thrift list. */
export class ThriftLogger {
  private spans: object[] = [];
  constructor(private readonly endpoint: string) {}
  logSpan(span: object): void {
    this.spans.push(span);
  }
  async flush(): Promise<Response> {
    const body = thriftList(this.spans);
    this.spans = [];
    return fetch(this.endpoint, { method: 'POST', body: body as unknown as BodyInit, headers: { 'content-type': 'application/x-thrift' } });
  }
}
