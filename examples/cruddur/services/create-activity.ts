import type { Tracer } from '@opentelemetry/api';
import { type Activity, type Model, DAY, HOUR, at, messageErrors, uuid4 } from './model.js';

const MAX_CHARS = 280;

/** How long a post lives: the seed's `ttl` choices. */
const TTL_MS: Record<string, number> = {
  '30-days': 30 * DAY, '7-days': 7 * DAY, '3-days': 3 * DAY, '1-day': DAY,
  '12-hours': 12 * HOUR, '3-hours': 3 * HOUR, '1-hour': HOUR,
};

/** services/create_activity.py: `POST /api/activities` with `message` and `ttl`. */
export function createActivity(tracer: Tracer, userHandle: string, message: string | undefined, ttl: string | undefined): Model<Activity> {
  return tracer.startActiveSpan('create-activity', (span) => {
    try {
      const now = new Date();
      span.setAttribute('app.now', now.toISOString());
      span.setAttribute('user.handle', userHandle);
      const errors: string[] = [];
      const ttlMs = ttl === undefined ? undefined : TTL_MS[ttl];
      if (ttlMs === undefined) errors.push('ttl_blank');
      errors.push(...messageErrors(message, MAX_CHARS));
      if (errors.length > 0) {
        span.setAttribute('app.errors', errors.join(','));
        return { errors, data: null };
      }
      span.setAttribute('activity.ttl', ttl!);
      span.setAttribute('message.length', message!.length);
      return {
        errors: null,
        data: { uuid: uuid4(), handle: userHandle, message: message!, created_at: now.toISOString(), expires_at: at(now, ttlMs!) },
      };
    } finally {
      span.end();
    }
  });
}
