import * as grpc from '@grpc/grpc-js';

/**
 * A RESOURCE_EXHAUSTED answer that exporters may retry: the OTLP spec makes RESOURCE_EXHAUSTED retryable
 * only when the status carries a `google.rpc.RetryInfo` (in the `grpc-status-details-bin` trailer), whose
 * `retry_delay` the client waits. Three tiny messages are encoded by hand here rather than pulling in a
 * protobuf runtime for them: google.rpc.Status { code, message, details: [Any { type_url, value:
 * RetryInfo { retry_delay: Duration { seconds } } }] }.
 */
export function resourceExhausted(message: string, retryAfterSeconds: number): grpc.ServiceError {
  const duration = field(1, varint(retryAfterSeconds), 0);
  const retryInfo = field(1, duration);
  const any = concat(field(1, Buffer.from('type.googleapis.com/google.rpc.RetryInfo')), field(2, retryInfo));
  const status = concat(field(1, varint(grpc.status.RESOURCE_EXHAUSTED), 0), field(2, Buffer.from(message)), field(3, any));
  const metadata = new grpc.Metadata();
  metadata.set('grpc-status-details-bin', status);
  return Object.assign(new Error(message), { code: grpc.status.RESOURCE_EXHAUSTED, details: message, metadata });
}

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}

/** A field: wire type 0 (varint, `value` already encoded) or 2 (length-delimited). */
function field(no: number, value: Buffer, wireType: 0 | 2 = 2): Buffer {
  const tag = varint((no << 3) | wireType);
  return wireType === 0 ? concat(tag, value) : concat(tag, varint(value.length), value);
}

function concat(...parts: Buffer[]): Buffer {
  return Buffer.concat(parts);
}
