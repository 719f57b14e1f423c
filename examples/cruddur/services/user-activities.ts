import type { Tracer } from '@opentelemetry/api';
import { type Activity, type Model, DAY, at } from './model.js';

/** services/user_activities.py (the X-Ray subsegment around it is opened by the route, see app.ts). */
export function userActivities(tracer: Tracer, userHandle: string | undefined): Model<Activity[]> {
  return tracer.startActiveSpan('user-activities', (span) => {
    try {
      const model: Model<Activity[]> = { errors: null, data: null };
      const now = new Date();
      span.setAttribute('app.now', now.toISOString());
      if (userHandle === undefined || userHandle.length < 1) {
        model.errors = ['blank_user_handle'];
      } else {
        span.setAttribute('user.handle', userHandle);
        const results: Activity[] = [{
          uuid: '248959df-3079-4947-b847-9e0892d1bab4',
          handle: 'Andrew Brown',
          message: 'Cloud is fun!',
          created_at: at(now, -1 * DAY),
          expires_at: at(now, 31 * DAY),
        }];
        model.data = results;
        span.setAttribute('app.result_length', results.length);
      }
      return model;
    } finally {
      span.end();
    }
  });
}
