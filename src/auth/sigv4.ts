import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';

/**
 * SHA-256 for the signer, from node:crypto (the signer takes a hash constructor; this is what
 * @smithy/hash-node does, without one more dependency).
 */
class NodeSha256 {
  private readonly h;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.h = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.h.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
}

function bytes(d: string | ArrayBuffer | ArrayBufferView): Buffer {
  if (typeof d === 'string') return Buffer.from(d, 'utf8');
  if (ArrayBuffer.isView(d)) return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
  return Buffer.from(d);
}

export interface SigV4Header {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

/** `AWS4-HMAC-SHA256 Credential=AKID/20261202/us-east-1/xray/aws4_request, SignedHeaders=a;b, Signature=hex`. */
export function parseSigV4(authorization: string | undefined): SigV4Header | null {
  if (!authorization?.startsWith('AWS4-HMAC-SHA256 ')) return null;
  const parts = new Map<string, string>();
  for (const p of authorization.slice('AWS4-HMAC-SHA256 '.length).split(',')) {
    const eq = p.indexOf('=');
    if (eq > 0) parts.set(p.slice(0, eq).trim(), p.slice(eq + 1).trim());
  }
  const cred = (parts.get('Credential') ?? '').split('/');
  const signedHeaders = (parts.get('SignedHeaders') ?? '').split(';').filter(Boolean);
  const signature = parts.get('Signature') ?? '';
  if (cred.length !== 5 || cred[4] !== 'aws4_request' || signedHeaders.length === 0 || !/^[0-9a-f]{64}$/.test(signature)) return null;
  return { accessKeyId: cred[0]!, date: cred[1]!, region: cred[2]!, service: cred[3]!, signedHeaders, signature };
}

export type SigV4Failure = { type: 'InvalidSignatureException' | 'IncompleteSignatureException'; message: string };

/** AWS refuses signatures older or newer than this. */
const MAX_SKEW_MS = 15 * 60_000;

/**
 * Recomputes a request's SigV4 signature with the secret of its access key (with the AWS SDK's own signer,
 * so canonicalisation is exactly the clients') and compares it in constant time. The body is needed:
 * the AWS CLI and SDKs sign its SHA-256 for the X-Ray API.
 */
export async function verifySigV4(
  req: { method: string; url: string; headers: Record<string, string | string[] | undefined> },
  body: Uint8Array, sig: SigV4Header, secretAccessKey: string, now = Date.now(),
): Promise<SigV4Failure | null> {
  const amzDate = one(req.headers['x-amz-date']);
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate ?? '');
  if (!m || !sig.signedHeaders.includes('x-amz-date')) return { type: 'IncompleteSignatureException', message: 'the request must carry a signed X-Amz-Date header' };
  const signingDate = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
  if (amzDate!.slice(0, 8) !== sig.date) return { type: 'InvalidSignatureException', message: 'the credential scope date does not match X-Amz-Date' };
  if (Math.abs(now - signingDate.getTime()) > MAX_SKEW_MS) return { type: 'InvalidSignatureException', message: 'Signature expired: the request time is more than 15 minutes from the server time' };
  if (!sig.signedHeaders.includes('host')) return { type: 'IncompleteSignatureException', message: 'the Host header must be signed' };

  const headers: Record<string, string> = {};
  for (const h of sig.signedHeaders) {
    const v = req.headers[h];
    if (v === undefined) return { type: 'IncompleteSignatureException', message: `signed header ${h} is missing` };
    headers[h] = Array.isArray(v) ? v.join(',') : v;
  }
  // A signed payload hash stands in for the body in the signature: it must be the body's.
  const declared = headers['x-amz-content-sha256'];
  if (declared !== undefined && declared !== createHash('sha256').update(body).digest('hex')) {
    return { type: 'InvalidSignatureException', message: 'X-Amz-Content-SHA256 does not match the body' };
  }
  const q = req.url.indexOf('?');
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of new URLSearchParams(q < 0 ? '' : req.url.slice(q + 1))) {
    const prev = query[k];
    query[k] = prev === undefined ? v : [...(Array.isArray(prev) ? prev : [prev]), v];
  }
  const signer = new SignatureV4({
    credentials: { accessKeyId: sig.accessKeyId, secretAccessKey },
    region: sig.region, service: sig.service, sha256: NodeSha256, uriEscapePath: sig.service !== 's3',
    // The JS SDK signs X-Amz-Content-SHA256, botocore (the AWS CLI) does not: sign it only when the client did.
    applyChecksum: sig.signedHeaders.includes('x-amz-content-sha256'),
  });
  const signed = await signer.sign({
    method: req.method, protocol: 'http:', hostname: headers.host!.replace(/:\d+$/, ''), path: q < 0 ? req.url : req.url.slice(0, q),
    query, headers, body,
  }, { signingDate, signingRegion: sig.region, signingService: sig.service, signableHeaders: new Set(sig.signedHeaders) });
  const expected = /Signature=([0-9a-f]{64})/.exec(String(signed.headers.authorization ?? signed.headers.Authorization ?? ''))?.[1] ?? '';
  const ok = expected.length === 64 && timingSafeEqual(Buffer.from(expected), Buffer.from(sig.signature));
  return ok ? null : { type: 'InvalidSignatureException', message: 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.' };
}

function one(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
