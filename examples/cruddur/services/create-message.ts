import type { Tracer } from '@opentelemetry/api';
import { type Message, type Model, messageErrors, uuid4 } from './model.js';

const MAX_CHARS = 1024;

/** services/create_message.py: `POST /api/messages` from the signed-in user to `user_receiver_handle`. */
export function createMessage(tracer: Tracer, message: string | undefined, userSenderHandle: string, userReceiverHandle: string | undefined): Model<Message> {
  return tracer.startActiveSpan('create-message', (span) => {
    try {
      const now = new Date();
      span.setAttribute('app.now', now.toISOString());
      span.setAttribute('user.handle', userSenderHandle);
      const errors: string[] = [];
      if (userReceiverHandle === undefined || userReceiverHandle.length < 1) errors.push('user_reciever_handle_blank');
      errors.push(...messageErrors(message, MAX_CHARS));
      if (errors.length > 0) {
        span.setAttribute('app.errors', errors.join(','));
        return { errors, data: null };
      }
      span.setAttribute('message.receiver_handle', userReceiverHandle!);
      span.setAttribute('message.length', message!.length);
      return {
        errors: null,
        data: { uuid: uuid4(), display_name: 'Andrew Brown', handle: userSenderHandle, message: message!, created_at: now.toISOString() },
      };
    } finally {
      span.end();
    }
  });
}
