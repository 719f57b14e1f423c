import type { IncomingMessage } from 'node:http';

/**
 * True for a state-changing request a browser sends on behalf of another site's page. Such a page can
 * POST `text/plain` (a "simple" request, no CORS preflight), and the X-Ray API reads any body as JSON,
 * so without this check any web page could change sampling rules or groups. Browsers always send
 * `Origin` (and `Sec-Fetch-Site`) on cross-origin POSTs; CLIs and SDKs send neither, so they pass.
 * OTLP from browsers is not affected: its receiver answers CORS on its own (`--cors-origins`).
 */
export function isCrossSiteWrite(req: IncomingMessage): boolean {
  if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return false;
  const site = req.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') return true;
  const origin = req.headers.origin;
  if (!origin || origin === 'null') return origin === 'null';
  try {
    return new URL(origin).host !== req.headers.host;
  } catch {
    return true;
  }
}
