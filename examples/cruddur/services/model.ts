/**
 * The seed's backend-flask services (`services/*.py`), ported one module per route: static mock data,
 * one custom OTel span per service as the seed adds them (`with tracer.start_as_current_span(...)` +
 * `span.set_attribute`). This module holds what they return and the helpers they share.
 *
 * Spans are started with `startActiveSpan` on the tracer of the app that calls the service, so they
 * are children of the request's SERVER span (the active context, see tracing.ts). With OTel off the
 * tracer is the API's no-op tracer and nothing is recorded.
 */

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

export const HOUR = 3600_000;
export const DAY = 24 * HOUR;

/** `datetime.now(timezone.utc).astimezone()` plus an offset, as ISO text. */
export function at(now: Date, offsetMs: number): string {
  return new Date(now.getTime() + offsetMs).toISOString();
}

/** A direct message (services/messages.py), the same shape as a message group's last message. */
export type Message = MessageGroup;

/**
 * The seed's validation of a posted text: blank, or longer than `max` characters (280 for activities,
 * 1024 for messages and replies).
 */
export function messageErrors(message: string | undefined, max: number): string[] {
  if (message === undefined || message.length < 1) return ['message_blank'];
  if (message.length > max) return ['message_exceed_max_chars'];
  return [];
}

/** A new random uuid, as the seed's `uuid.uuid4()`. */
export { randomUUID as uuid4 } from 'node:crypto';
