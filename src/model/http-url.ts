import type { AttrScalar } from './span.js';

/**
 * The full URL of an HTTP server span, as X-Ray's `http.request.url` holds it. OTel server spans rarely
 * carry `url.full` (the semantic conventions make it opt-in for servers); they carry the path
 * (`url.path` + `url.query`, older `http.target`), the host and the scheme. The URL is rebuilt from
 * those, in ONE place, so that the trace summaries' `Http.HttpURL`, the segments synthesized from
 * OTel spans and the `http.url` filter keyword (its SQL twin is `Fields.httpUrl`) agree.
 */
export const URL_PARTS = {
  full: ['url.full', 'http.url'],
  path: ['url.path', 'http.target'],
  query: ['url.query'],
  scheme: ['url.scheme', 'http.scheme'],
  host: ['server.address', 'http.host', 'net.host.name'],
  port: ['server.port', 'net.host.port'],
} as const;

/** Host used when a span names a path but no host (X-Ray needs an absolute URL). */
export const DEFAULT_HOST = 'localhost';

/**
 * The URL from the attributes `get` returns (undefined when there is neither a full URL nor a path).
 * Every candidate key is read, so a caller that records reads (AttrView) sees all of them as used.
 */
export function httpUrl(get: (key: string) => AttrScalar | undefined): string | undefined {
  const first = (keys: readonly string[]): string | undefined => {
    let out: string | undefined;
    for (const k of keys) {
      const v = get(k);
      if (out === undefined && v !== undefined && v !== '') out = String(v);
    }
    return out;
  };
  const full = first(URL_PARTS.full);
  const path = first(URL_PARTS.path);
  const query = first(URL_PARTS.query);
  const scheme = first(URL_PARTS.scheme) ?? 'http';
  const host = first(URL_PARTS.host);
  const port = first(URL_PARTS.port);
  if (full !== undefined) return full;
  if (path === undefined) return undefined;
  const h = host ?? DEFAULT_HOST;
  return `${scheme}://${h}${port !== undefined && !h.includes(':') ? ':' + port : ''}${path}${query ? '?' + query : ''}`;
}

/** The path of a URL (absolute or a bare path), without query or fragment; undefined if unparsable. */
export function urlPath(url: string): string | undefined {
  if (url.startsWith('/')) return url.replace(/[?#].*$/s, '');
  try {
    return new URL(url).pathname;
  } catch {
    return undefined;
  }
}
