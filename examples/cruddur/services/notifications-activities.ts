import type { Tracer } from '@opentelemetry/api';
import { type Activity, DAY, at } from './model.js';

/** services/notifications_activities.py */
export function notificationsActivities(tracer: Tracer): Activity[] {
  return tracer.startActiveSpan('notifications-activities', (span) => {
    try {
      const now = new Date();
      span.setAttribute('app.now', now.toISOString());
      const results: Activity[] = [
        {
          uuid: '68f126b0-1ceb-4a33-88be-d90fa7109eee',
          handle: 'coco',
          message: 'I am white unicorn',
          created_at: at(now, -2 * DAY),
          expires_at: at(now, 5 * DAY),
          likes_count: 5,
          replies_count: 1,
          reposts_count: 0,
          replies: [{
            uuid: '26e12864-1c26-5c3a-9658-97a10f8fea67',
            reply_to_activity_uuid: '68f126b0-1ceb-4a33-88be-d90fa7109eee',
            handle: 'Worf',
            message: 'This post has no honor!',
            likes_count: 0,
            replies_count: 0,
            reposts_count: 0,
            created_at: at(now, -2 * DAY),
          }],
        },
      ];
      span.setAttribute('app.result_length', results.length);
      return results;
    } finally {
      span.end();
    }
  });
}
