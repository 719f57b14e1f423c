/**
 * The seed's backend (`backend-flask`) written with express and the X-Ray SDK, as the X-Ray half of the
 * seed instruments its Flask app: the route `/api/activities/@:handle` with the seed's subsegments
 * (`activities_users` around `user_activity_<handle>`), an outgoing HTTP call captured as a remote
 * subsegment, annotations and metadata, and a route that throws. Used by the xray-sdk*.test.ts files
 * (each runs in its own process: aws-xray-sdk-core is a singleton).
 */
import http from 'node:http';
import AWSXRay from 'aws-xray-sdk-core';
import xrayExpress from 'aws-xray-sdk-express';
import express from 'express';
import { exposeTraceId } from './xray.js';

/**
 * The seed's backend, instrumented with the X-Ray SDK (written as the seed's Flask app would be in express).
 * `respondDelayMs`: how long the activities route waits between closing its subsegments and answering.
 */
export function seedApp(downstreamUrl: string, opts: { respondDelayMs?: number } = {}) {
  const xhttp = AWSXRay.captureHTTPs(http, true);
  const app = express();
  app.use(xrayExpress.openSegment('backend-flask'));
  app.use(exposeTraceId(() => AWSXRay.getSegment()));

  app.get('/api/activities/@:handle', (req, res) => {
    const handle = req.params.handle!;
    const seg = AWSXRay.getSegment() as AWSXRay.Segment;
    seg.addAnnotation('user_id', 'u-123');
    seg.addMetadata('request', { handle, page: 1 });
    // @xray_recorder.capture('activities_users') around the route, and in user_activities.run():
    // xray_recorder.begin_subsegment('user_activity_' + user_handle) ... end_subsegment().
    AWSXRay.captureAsyncFunc('activities_users', (outer) => {
      AWSXRay.captureAsyncFunc('user_activity_' + handle, (sub) => {
        setTimeout(() => {
          sub!.addAnnotation('result_length', 3);
          sub!.addMetadata('results', [{ uuid: '1', handle }]);
          sub!.close();
          outer!.close();
          // With streaming on, the closed subsegments are sent now and the segment when the response ends.
          setTimeout(() => res.json([{ uuid: '1', handle, message: 'Cloud is fun!' }]), opts.respondDelayMs ?? 0);
        }, 5);
      });
    });
  });

  app.get('/api/remote', (_req, res) => {
    AWSXRay.captureAsyncFunc('call_downstream', (sub) => {
      xhttp.get(`${downstreamUrl}/downstream?x=1`, (r) => {
        let body = '';
        r.on('data', (d) => (body += d));
        r.on('end', () => {
          sub!.close();
          res.json({ downstream: body });
        });
      });
    });
  });

  app.get('/api/boom', () => {
    throw new Error('boom: the database is on fire');
  });

  app.use(xrayExpress.closeSegment());
  app.use((err: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(500).json({ error: err.message });
  });
  return app;
}

