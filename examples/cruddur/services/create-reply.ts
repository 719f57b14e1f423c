import type { Tracer } from '@opentelemetry/api';
import { type Activity, type Model, messageErrors, uuid4 } from './model.js';

const MAX_CHARS = 1024;

/** services/create_reply.py: `POST /api/activities/:uuid/reply` with `message`. */
export function createReply(tracer: Tracer, message: string | undefined, userHandle: string, activityUuid: string | undefined): Model<Activity> {
  return tracer.startActiveSpan('create-reply', (span) => {
    try {
      const now = new Date();
      span.setAttribute('app.now', now.toISOString());
      span.setAttribute('user.handle', userHandle);
      const errors: string[] = [];
      if (activityUuid === undefined || activityUuid.length < 1) errors.push('activity_uuid_blank');
      errors.push(...messageErrors(message, MAX_CHARS));
      if (errors.length > 0) {
        span.setAttribute('app.errors', errors.join(','));
        return { errors, data: null };
      }
      span.setAttribute('activity.uuid', activityUuid!);
      span.setAttribute('message.length', message!.length);
      return {
        errors: null,
        data: { uuid: uuid4(), handle: userHandle, message: message!, reply_to_activity_uuid: activityUuid!, created_at: now.toISOString() },
      };
    } finally {
      span.end();
    }
  });
}
