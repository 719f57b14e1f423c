import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendText } from '../../http/http-util.js';
import type { Receiver, ReceiverDeps } from '../receiver.js';

const TRACE_ID = /^(?:[0-9a-f]{16}|[0-9a-f]{32})$/i;

/**
 * The trace links Honeycomb's OpenTelemetry distros print (`localVisualizations`), answered with a redirect
 * to Honeyray's trace view. `@honeycombio/opentelemetry-node` (0.7.2, the newest release) builds them as
 * `https://ui.honeycomb.io/{team}[/environments/{env}]/datasets/{dataset}/trace?trace_id={id}` with fixed
 * hosts (and asks `https://api.honeycomb.io/1/auth` for the slugs, whatever HONEYCOMB_API_ENDPOINT says), so
 * the link cannot name Honeyray; with its host replaced by Honeyray's (this port or the UI port) it opens
 * the trace here. Mounted on Honeycomb's API host, which the UI/API port also routes.
 */
export const honeycombDistroLinks: Receiver = {
  name: 'Honeycomb distro trace links',
  routes(router, d) {
    const redirect = (req: IncomingMessage, res: ServerResponse) => traceRedirect(d, req, res);
    router.on(['GET', 'HEAD'], '/:team/environments/:env/datasets/:dataset/trace', redirect);
    router.on(['GET', 'HEAD'], '/:team/datasets/:dataset/trace', redirect);
  },
};

function traceRedirect(d: ReceiverDeps, req: IncomingMessage, res: ServerResponse): void {
  const id = new URL(req.url ?? '/', 'http://x').searchParams.get('trace_id') ?? '';
  if (!TRACE_ID.test(id)) return sendText(res, 400, 'trace_id should be a 32- or 16-hex trace id (a Honeycomb trace link: /{team}/environments/{env}/datasets/{dataset}/trace?trace_id=...)');
  // The UI's port with the host the client used (Honeyray may listen on 0.0.0.0, which no browser opens).
  const ui = new URL(d.uiUrl);
  const host = (req.headers.host ?? '').replace(/:\d+$/, '');
  if (host) ui.hostname = host.replace(/^\[|\]$/g, '');
  res.writeHead(302, { location: `${ui.origin}/trace/${id.toLowerCase()}`, 'content-length': '0' });
  res.end();
}
