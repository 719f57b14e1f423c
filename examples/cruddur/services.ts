/**
 * The seed's backend-flask services (`services/*.py`), ported: static mock data, one custom OTel span
 * per service as the seed adds them (`with tracer.start_as_current_span(...)` + `span.set_attribute`).
 *
 * Spans are started with `startActiveSpan` on the tracer of the app that calls the service, so they
 * are children of the request's SERVER span (the active context, see tracing.ts). With OTel off the
 * tracer is the API's no-op tracer and nothing is recorded.
 */
import type { Tracer } from '@opentelemetry/api';

export interface Model<T> {
  errors: string[] | null;
  data: T | null;
}

export interface Activity {
  uuid: string;
  handle: string;
  message: string;
  created_at: string;
  expires_at?: string;
  likes_count?: number;
  replies_count?: number;
  reposts_count?: number;
  reply_to_activity_uuid?: string;
  replies?: Activity[];
}

export interface MessageGroup {
  uuid: string;
  display_name: string;
  handle: string;
  message: string;
  created_at: string;
}

const HOUR = 3600_000;
const DAY = 24 * HOUR;

/** `datetime.now(timezone.utc).astimezone()` plus an offset, as ISO text. */
function at(now: Date, offsetMs: number): string {
  return new Date(now.getTime() + offsetMs).toISOString();
}

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

/** services/search_activities.py */
export function searchActivities(tracer: Tracer, searchTerm: string | undefined): Model<Activity[]> {
  return tracer.startActiveSpan('search-activities', (span) => {
    try {
      const model: Model<Activity[]> = { errors: null, data: null };
      const now = new Date();
      span.setAttribute('app.now', now.toISOString());
      if (searchTerm === undefined || searchTerm.length < 1) {
        model.errors = ['search_term_blank'];
      } else {
        span.setAttribute('search.term', searchTerm);
        const results: Activity[] = [{
          uuid: '248959df-3079-4947-b847-9e0892d1bab4',
          handle: 'Andrew Brown',
          message: 'Cloud is fun!',
          created_at: now.toISOString(),
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

/** services/message_groups.py */
export function messageGroups(tracer: Tracer, userHandle: string): Model<MessageGroup[]> {
  return tracer.startActiveSpan('message-groups', (span) => {
    try {
      const now = new Date();
      span.setAttribute('app.now', now.toISOString());
      span.setAttribute('user.handle', userHandle);
      const results: MessageGroup[] = [
        {
          uuid: '24b95582-9e7b-4e0a-9ad1-639773ab7552',
          display_name: 'Andrew Brown',
          handle: 'andrewbrown',
          message: 'Cloud is fun!',
          created_at: at(now, -1 * DAY),
        },
        {
          uuid: '417c360e-c4e6-4fce-873b-d2d71469b4ac',
          display_name: 'Worf',
          handle: 'worf',
          message: 'This is a terrible idea.',
          created_at: at(now, -2 * DAY),
        },
      ];
      span.setAttribute('app.result_length', results.length);
      return { errors: null, data: results };
    } finally {
      span.end();
    }
  });
}
