/**
 * The terminal commands' HTTP client: JSON in and out of a running Honeyray (Jaeger API and X-Ray API
 * on its HTTP port), with errors turned into one clear line and an exit code.
 */

export const DEFAULT_URL = 'http://127.0.0.1:16686';
const TIMEOUT_MS = 30_000;

/** A failure to report on stderr: exit 1 (not found, server or network error) or 2 (usage error). */
export class CliError extends Error {
  constructor(message: string, readonly exitCode: 1 | 2 = 1) {
    super(message);
    this.name = 'CliError';
  }
}

/** Honeyray answered with an error status. 400 is the caller's mistake (exit 2), anything else exit 1. */
export class ApiError extends CliError {
  constructor(readonly status: number, readonly detail: string, url: string) {
    super(status === 400 ? `bad request: ${detail}` : `Honeyray at ${url} answered HTTP ${status}: ${detail}`, status === 400 ? 2 : 1);
    this.name = 'ApiError';
  }
}

/** `--url`, else `HONEYRAY_URL`, else the default; must be an http(s) URL. Trailing slashes dropped. */
export function resolveBaseUrl(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const raw = flag ?? (env.HONEYRAY_URL || DEFAULT_URL);
  const from = flag !== undefined ? '--url' : env.HONEYRAY_URL ? 'HONEYRAY_URL' : 'default URL';
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new CliError(`${from}: not a URL: ${JSON.stringify(raw)} (want e.g. ${DEFAULT_URL})`, 2);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new CliError(`${from}: want an http:// or https:// URL, got ${JSON.stringify(raw)}`, 2);
  return raw.replace(/\/+$/, '');
}

export class HoneyrayClient {
  constructor(readonly baseUrl: string, private readonly timeoutMs = TIMEOUT_MS) {}

  getJson(path: string): Promise<unknown> {
    return this.request('GET', path);
  }

  postJson(path: string, body: unknown): Promise<unknown> {
    return this.request('POST', path, JSON.stringify(body));
  }

  private async request(method: string, path: string, body?: string): Promise<unknown> {
    const url = this.baseUrl + path;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: {
          accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          // A Honeyray started with --api-keys or --auth-file wants a key with read permission.
          ...(process.env.HONEYRAY_API_KEY ? { authorization: `Bearer ${process.env.HONEYRAY_API_KEY}` } : {}),
        },
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new CliError(`cannot reach Honeyray at ${this.baseUrl}: ${networkReason(err, this.timeoutMs)}`);
    }
    let text: string;
    try {
      text = await res.text();
    } catch (err) {
      throw new CliError(`cannot read the answer of Honeyray at ${this.baseUrl}: ${networkReason(err, this.timeoutMs)}`);
    }
    let json: unknown;
    try {
      json = text === '' ? null : JSON.parse(text);
    } catch {
      const hint = res.ok ? '' : `HTTP ${res.status} `;
      throw new CliError(`unexpected answer from ${url}: ${hint}not JSON (${JSON.stringify(text.slice(0, 80))}) — is this Honeyray's HTTP port (16686 by default)?`);
    }
    if (!res.ok) throw new ApiError(res.status, errorDetail(json) ?? res.statusText ?? 'error', this.baseUrl);
    return json;
  }
}

/** The message of a Jaeger envelope (`errors[0].msg`) or an X-Ray error (`message`). */
function errorDetail(json: unknown): string | undefined {
  if (json === null || typeof json !== 'object') return undefined;
  const o = json as { errors?: { msg?: unknown }[] | null; message?: unknown; __type?: unknown };
  const msg = Array.isArray(o.errors) && o.errors[0] && typeof o.errors[0].msg === 'string' ? o.errors[0].msg : undefined;
  if (msg) return msg;
  // Honeycomb's problem JSON (/1/... and /api/honeyray/query).
  if (typeof (o as { error?: unknown }).error === 'string') return (o as { error: string }).error;
  if (typeof o.message === 'string') return typeof o.__type === 'string' ? `${o.__type}: ${o.message}` : o.message;
  return undefined;
}

function networkReason(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no answer in ${timeoutMs / 1000} s`;
  const code = e?.cause?.code;
  switch (code) {
    case 'ECONNREFUSED': return 'connection refused — is it running? (npm start)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN': return 'host not found';
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET': return 'connection closed by the server';
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT': return 'connection timed out';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH': return 'host unreachable';
    default: return e?.cause?.message ?? e?.message ?? String(err);
  }
}
