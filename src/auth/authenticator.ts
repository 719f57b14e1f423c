import type { AuthConfig, Permission } from './auth-config.js';
import { parseSigV4, verifySigV4, type SigV4Header } from './sigv4.js';

/** Who a request is: the environment its key belongs to and what the key may do. */
export interface Identity {
  environment: string;
  permissions: ReadonlySet<Permission>;
}

/**
 * Why a request is refused. `status` 401 = no or unknown credentials, 403 = a valid key without the
 * permission. `awsType` is the exception name AWS answers with (the X-Ray API reports it).
 */
export interface Denial {
  status: 401 | 403;
  message: string;
  awsType: string;
}

type HeaderMap = Record<string, string | string[] | undefined>;

/** The credential a request carries, in the places clients put it. */
export type Credential =
  | { kind: 'none' }
  | { kind: 'key'; key: string }
  | { kind: 'sigv4'; sig: SigV4Header }
  | { kind: 'malformed'; message: string };

/**
 * `X-Honeycomb-Team` (OTel exporters, libhoney, the Honeycomb API), `Authorization: Bearer KEY` (curl,
 * Grafana), `Authorization: Basic` with the key as password or user (browsers: the UI), or an AWS SigV4
 * `Authorization` (the AWS CLI and SDKs).
 */
export function credentialOf(headers: HeaderMap): Credential {
  const team = first(headers['x-honeycomb-team']);
  if (team) return { kind: 'key', key: team };
  const auth = first(headers.authorization);
  if (!auth) return { kind: 'none' };
  if (auth.startsWith('AWS4-HMAC-SHA256 ')) {
    const sig = parseSigV4(auth);
    return sig ? { kind: 'sigv4', sig } : { kind: 'malformed', message: 'the Authorization header is not a valid AWS Signature Version 4' };
  }
  const [scheme, value = ''] = auth.split(/\s+/, 2);
  if (/^bearer$/i.test(scheme!) && value) return { kind: 'key', key: value };
  if (/^basic$/i.test(scheme!) && value) {
    const text = Buffer.from(value, 'base64').toString('utf8');
    const colon = text.indexOf(':');
    const user = colon < 0 ? text : text.slice(0, colon);
    const pass = colon < 0 ? '' : text.slice(colon + 1);
    const key = pass || user;
    return key ? { kind: 'key', key } : { kind: 'none' };
  }
  return { kind: 'malformed', message: `unsupported Authorization scheme ${JSON.stringify(scheme)}: use Bearer, Basic or AWS SigV4` };
}

/** Resolves credentials to an environment; one per server, built from the auth configuration. */
export class Authenticator {
  private readonly keys = new Map<string, Identity>();
  private readonly aws = new Map<string, Identity & { secret: string }>();

  constructor(readonly config: AuthConfig) {
    for (const e of config.environments) {
      for (const k of e.keys) this.keys.set(k.key, { environment: e.name, permissions: k.permissions });
      for (const a of e.aws) this.aws.set(a.accessKeyId, { environment: e.name, permissions: a.permissions, secret: a.secretAccessKey });
    }
  }

  get enabled(): boolean {
    return this.config.enabled;
  }

  /** An API key's identity (gRPC metadata and other places that only carry a key). */
  byKey(key: string | undefined): Identity | undefined {
    return key === undefined ? undefined : this.keys.get(key);
  }

  /**
   * The identity of a request, or why not. `body` is read only for SigV4, whose signature covers the body's
   * hash; the caller hands the body it read on to the route.
   */
  async identify(req: { method: string; url: string; headers: HeaderMap }, body: () => Promise<Uint8Array>): Promise<Identity | Denial> {
    const c = credentialOf(req.headers);
    switch (c.kind) {
      case 'none':
        // Honeycomb's own words (spec 1.1); the key may also come as 'Authorization: Bearer KEY' (docs/security.md).
        return { status: 401, message: "missing 'x-honeycomb-team' header", awsType: 'MissingAuthenticationTokenException' };
      case 'malformed':
        return { status: 401, message: c.message, awsType: 'IncompleteSignatureException' };
      case 'key':
        return this.keys.get(c.key) ?? { status: 401, message: 'unknown API key - check your credentials', awsType: 'UnrecognizedClientException' };
      case 'sigv4': {
        const who = this.aws.get(c.sig.accessKeyId);
        if (!who) return { status: 401, message: 'The security token included in the request is invalid.', awsType: 'UnrecognizedClientException' };
        const failed = await verifySigV4(req, await body(), c.sig, who.secret);
        if (failed) return { status: 401, message: failed.message, awsType: failed.type };
        return { environment: who.environment, permissions: who.permissions };
      }
    }
  }
}

export function isDenial(x: Identity | Denial): x is Denial {
  return 'status' in x;
}

function first(v: string | string[] | undefined): string | undefined {
  const s = Array.isArray(v) ? v[0] : v;
  return s && s.trim() !== '' ? s.trim() : undefined;
}
