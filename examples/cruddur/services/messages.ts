import type { Tracer } from '@opentelemetry/api';
import { type Message, type Model, at, HOUR } from './model.js';

/** services/messages.py: the conversation between the signed-in user and `@handle`. */
export function messages(tracer: Tracer, userSenderHandle: string, userReceiverHandle: string | undefined): Model<Message[]> {
  return tracer.startActiveSpan('messages', (span) => {
    try {
      const now = new Date();
      span.setAttribute('app.now', now.toISOString());
      if (userReceiverHandle === undefined || userReceiverHandle.length < 1) {
        return { errors: ['blank_user_handle'], data: null };
      }
      span.setAttribute('user.handle', userSenderHandle);
      span.setAttribute('message.receiver_handle', userReceiverHandle);
      const results: Message[] = [
        { uuid: '4e81c06a-db0f-4281-b4cc-98208537772a', display_name: 'Andrew Brown', handle: 'andrewbrown', message: 'Cloud is fun!', created_at: at(now, -4 * HOUR) },
        { uuid: '66e12864-8c26-4c3a-9658-95a10f8fea67', display_name: 'Worf', handle: 'worf', message: 'This is a terrible idea.', created_at: at(now, -3 * HOUR) },
        { uuid: '248959df-3079-4947-b847-9e0892d1bab4', display_name: 'Andrew Brown', handle: 'andrewbrown', message: 'Nonsense. We will win.', created_at: at(now, -2 * HOUR) },
        { uuid: '2c7a1d34-7a5f-46d8-a7e5-0b4ed38e0d0b', display_name: 'Worf', handle: 'worf', message: 'Today is a good day to die.', created_at: at(now, -1 * HOUR) },
      ];
      span.setAttribute('app.result_length', results.length);
      return { errors: null, data: results };
    } finally {
      span.end();
    }
  });
}
