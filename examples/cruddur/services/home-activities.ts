import type { Tracer } from '@opentelemetry/api';
import { type Activity, HOUR, DAY, at } from './model.js';

/** services/home_activities.py */
export function homeActivities(tracer: Tracer): Activity[] {
  return tracer.startActiveSpan('http-home-activities', (span) => {
    try {
      const now = new Date();
      span.setAttribute('app.now', now.toISOString());
      const results: Activity[] = [
        {
          uuid: '68f126b0-1ceb-4a33-88be-d90fa7109eee',
          handle: 'Andrew Brown',
          message: 'Cloud is fun!',
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
        {
          uuid: '66e12864-8c26-4c3a-9658-95a10f8fea67',
          handle: 'Worf',
          message: 'I am out of prune juice',
          created_at: at(now, -7 * DAY),
          expires_at: at(now, 9 * DAY),
          likes_count: 0,
          replies: [],
        },
        {
          uuid: '248959df-3079-4947-b847-9e0892d1bab4',
          handle: 'Garek',
          message: 'My dear doctor, I am just simple tailor. Are you sure that it is not sand?',
          created_at: at(now, -1 * HOUR),
          expires_at: at(now, 12 * HOUR),
          likes_count: 0,
          replies: [],
        },
      ];
      span.setAttribute('app.result_length', results.length);
      return results;
    } finally {
      span.end();
    }
  });
}
