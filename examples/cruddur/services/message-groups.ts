import type { Tracer } from '@opentelemetry/api';
import { type MessageGroup, type Model, DAY, at } from './model.js';

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
