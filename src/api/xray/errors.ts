import type { ServerResponse } from 'node:http';

/** An X-Ray API error: `X-Amzn-ErrorType` header plus `{__type, message, Message}` (spec section 4). */
export class XrayApiError extends Error {
  constructor(readonly status: number, readonly type: string, message: string) {
    super(message);
    this.name = type;
  }
}

export const invalid = (message: string) => new XrayApiError(400, 'InvalidRequestException', message);
export const notFound = (message: string) => new XrayApiError(404, 'ResourceNotFoundException', message);

export function sendXrayError(res: ServerResponse, err: XrayApiError): void {
  const body = JSON.stringify({ __type: err.type, message: err.message, Message: err.message });
  res.writeHead(err.status, {
    'content-type': 'application/x-amz-json-1.1',
    'x-amzn-errortype': err.type,
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}
