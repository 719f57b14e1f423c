import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Router from 'find-my-way';
import { sendText } from './http-util.js';

type R = Router.Instance<Router.HTTPVersion.V1>;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/** The shell's policy: everything from this origin; inline style attributes position the waterfall bars. */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'";

/** The SPA's client-side routes: each answers with the shell (index.html); the page is chosen in the browser. */
export const UI_ROUTES = ['/', '/search', '/trace/*', '/compare', '/map', '/xray', '/query', '/home'];

interface Cached { mtimeMs: number; size: number; body: Buffer; etag: string }

/**
 * Serves the web UI built into `distDir` (dist/ui: index.html, styles.css, the compiled modules):
 * the shell at the app's routes, files at `/ui/*` with their content type, an ETag and
 * `Cache-Control: no-cache` (names are not content-hashed, so browsers revalidate: 304 when unchanged).
 * Only regular files inside `distDir` with a known extension are served; anything else is a 404.
 */
export function mountUi(router: R, distDir: string | URL): void {
  const root = resolve(typeof distDir === 'string' ? distDir : fileURLToPath(distDir));
  const cache = new Map<string, Cached>();

  const load = async (file: string): Promise<Cached | null> => {
    let st;
    try {
      st = await stat(file);
    } catch {
      return null;
    }
    if (!st.isFile()) return null;
    const hit = cache.get(file);
    if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit;
    const body = await readFile(file);
    const entry = { mtimeMs: st.mtimeMs, size: st.size, body, etag: `"${createHash('sha1').update(body).digest('base64url').slice(0, 22)}"` };
    cache.set(file, entry);
    return entry;
  };

  const send = async (req: IncomingMessage, res: ServerResponse, file: string, extra: Record<string, string> = {}) => {
    const type = TYPES[extname(file).toLowerCase()];
    const f = type ? await load(file) : null;
    if (!type || !f) {
      return sendText(res, 404, file.endsWith('index.html') ? 'The web UI is not built: run `npm run build`.\n' : 'not found\n', { 'cache-control': 'no-cache' });
    }
    const headers: Record<string, string> = {
      'content-type': type,
      'cache-control': 'no-cache',
      etag: f.etag,
      'x-content-type-options': 'nosniff',
      ...extra,
    };
    const inm = req.headers['if-none-match'];
    if (inm && inm.split(',').some((t) => t.trim().replace(/^W\//, '') === f.etag)) {
      res.writeHead(304, headers);
      return res.end();
    }
    res.writeHead(200, { ...headers, 'content-length': String(f.body.length) });
    res.end(req.method === 'HEAD' ? undefined : f.body);
  };

  const shell = (req: IncomingMessage, res: ServerResponse) =>
    send(req, res, resolve(root, 'index.html'), { 'content-security-policy': CSP, 'referrer-policy': 'same-origin' });
  for (const path of UI_ROUTES) router.on(['GET', 'HEAD'], path, shell);

  router.on(['GET', 'HEAD'], '/ui/*', (req, res, params) => {
    const rel = params['*'] ?? '';
    const parts = rel.split('/');
    const bad = rel === '' || rel.includes('\\') || rel.includes('\0') || parts.some((p) => p === '' || p === '.' || p === '..' || p.startsWith('.'));
    const file = resolve(root, rel);
    if (bad || !file.startsWith(root + sep)) return sendText(res, 404, 'not found\n');
    return send(req, res, file);
  });
}
