import { bodyOf, type Codec } from '../codec.js';
import { decodeEvents, type EventsFormat } from './decode-events.js';

export const EVENTS_KINDS: Record<EventsFormat, string> = {
  'batch-json': 'honeycomb-batch-json',
  'batch-msgpack': 'honeycomb-batch-msgpack',
  'event-json': 'honeycomb-event',
};
const FORMAT_OF = new Map(Object.entries(EVENTS_KINDS).map(([f, k]) => [k, f as EventsFormat]));

/** Honeycomb Events API bodies; `params.time` / `params.sampleRate` carry a single event's headers. */
export const honeycombEventsCodec: Codec = {
  kinds: Object.values(EVENTS_KINDS),
  create: () => (p) => {
    const r = decodeEvents(bodyOf(p), FORMAT_OF.get(p.kind)!, {
      dataset: p.dataset ?? '', time: p.params?.time as string | undefined, sampleRate: p.params?.sampleRate,
    });
    return { batch: r.batch, rejected: r.rejected.length, rejectedDocuments: r.rejected };
  },
};
