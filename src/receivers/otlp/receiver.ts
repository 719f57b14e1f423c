import type { Receiver } from '../receiver.js';
import { createOtlpHandler } from './http-receiver.js';

/** OTLP/HTTP `POST /v1/traces` (and CORS preflight) on Honeycomb's API host. */
export const otlpHttpReceiver: Receiver = {
  name: 'OTLP/HTTP',
  routes(router, d) {
    const handle = createOtlpHandler({
      submit: d.submit, full: d.full, apiKeys: d.apiKeys, maxBodyBytes: d.maxBodyBytes, corsOrigins: d.corsOrigins,
      onError: (err) => d.log.error(`OTLP request failed: ${(err as Error)?.stack ?? err}`),
    });
    router.all('/v1/traces', (req, res) => { handle(req, res); });
  },
};
