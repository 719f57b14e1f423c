/**
 * The traffic `honeyray demo` drives through Cruddur: every route of the seed's app, weighted like a
 * person using it (mostly home refreshes, then profiles, notifications, searches, messages, posts),
 * with some slow requests (`X-Cruddur-Delay-Ms`), some failing ones (`/api/error`, blank posts and
 * searches: 500s and 422s) and a few requests that continue a caller's trace (`X-Amzn-Trace-Id` with
 * `Sampled=1`). `pickRequest` is pure given its random source, so tests can pin it.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';

export interface DemoRequest {
  /** What it stands for, e.g. `home refresh`. */
  kind: string;
  method: 'GET' | 'POST';
  path: string;
  body?: Record<string, string>;
  headers: Record<string, string>;
  /** The X-Ray trace id this request continues (an upstream caller's), if any. */
  continues?: string;
}

const HANDLES = ['andrewbrown', 'worf', 'garek', 'coco', 'bayko'];
const TERMS = ['cloud', 'xray', 'honeycomb', 'otel', 'bootcamp'];
const TTLS = ['7-days', '3-days', '1-day', '12-hours', '1-hour'];
const ACTIVITY = '68f126b0-1ceb-4a33-88be-d90fa7109eee';

type Make = (pick: <T>(xs: readonly T[]) => T, rnd: () => number) => Omit<DemoRequest, 'headers'>;

/** [weight, request]. */
const MIX: [number, Make][] = [
  [30, () => ({ kind: 'home refresh', method: 'GET', path: '/api/activities/home' })],
  [10, () => ({ kind: 'notifications', method: 'GET', path: '/api/activities/notifications' })],
  [12, (pick) => ({ kind: 'profile', method: 'GET', path: `/api/activities/@${pick(HANDLES)}` })],
  [8, (pick, rnd) => (rnd() < 0.15
    ? { kind: 'blank search', method: 'GET', path: '/api/activities/search' }
    : { kind: 'search', method: 'GET', path: `/api/activities/search?term=${pick(TERMS)}` })],
  [8, () => ({ kind: 'message groups', method: 'GET', path: '/api/message_groups' })],
  [6, (pick) => ({ kind: 'messages', method: 'GET', path: `/api/messages/@${pick(HANDLES.slice(1))}` })],
  [4, (pick) => ({ kind: 'send message', method: 'POST', path: '/api/messages', body: { user_receiver_handle: pick(HANDLES.slice(1)), message: 'Qapla!' } })],
  [6, (pick, rnd) => ({ kind: 'post', method: 'POST', path: '/api/activities', body: { message: rnd() < 0.15 ? '' : 'Cloud is fun!', ttl: pick(TTLS) } })],
  [4, () => ({ kind: 'reply', method: 'POST', path: `/api/activities/${ACTIVITY}/reply`, body: { message: 'This post has no honor!' } })],
  [3, () => ({ kind: 'error', method: 'GET', path: '/api/error' })],
];
const TOTAL = MIX.reduce((n, [w]) => n + w, 0);

/** Share of requests made slow, and of requests continuing a caller's X-Ray trace. */
export const SLOW_SHARE = 0.05;
export const CONTINUED_SHARE = 0.03;

/** A new X-Ray trace id (`1-<epoch hex>-<24 hex>`), as an upstream caller would send it. */
export function newXrayTraceId(nowMs = Date.now()): string {
  return `1-${Math.floor(nowMs / 1000).toString(16).padStart(8, '0')}-${randomBytes(12).toString('hex')}`;
}

/** One request of the mix; `rnd` is a uniform [0, 1) source. */
export function pickRequest(rnd: () => number = Math.random): DemoRequest {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  let w = rnd() * TOTAL;
  let make = MIX[0]![1];
  for (const [weight, m] of MIX) {
    if (w < weight) { make = m; break; }
    w -= weight;
  }
  const req: DemoRequest = { ...make(pick, rnd), headers: {} };
  if (req.body) req.headers['content-type'] = 'application/json';
  if (rnd() < SLOW_SHARE) {
    req.headers['x-cruddur-delay-ms'] = String(300 + Math.floor(rnd() * 1200));
    req.kind += ' (slow)';
  }
  if (rnd() < CONTINUED_SHARE) {
    req.continues = newXrayTraceId();
    req.headers['x-amzn-trace-id'] = `Root=${req.continues};Parent=${randomBytes(8).toString('hex')};Sampled=1`;
  }
  return req;
}

export interface TrafficCounts {
  requests: number;
  /** 5xx answers and requests that got no answer. */
  errors: number;
  /** 4xx answers (the seed's 422s). */
  rejected: number;
  /** Continued X-Ray trace ids of requests that were answered. */
  continued: string[];
}

/**
 * Sends the mix to `baseUrl` at about `ratePerSecond`, with `workers` requests at most in flight, until
 * `signal` aborts; resolves with the counts once the requests in flight are done. `counts` is updated
 * live (the progress line reads it).
 */
export async function driveTraffic(baseUrl: string, ratePerSecond: number, workers: number, signal: AbortSignal, counts: TrafficCounts): Promise<void> {
  const interval = 1000 / ratePerSecond;
  let next = Date.now();
  const sleep = (ms: number) => delay(ms, undefined, { signal }).catch(() => undefined);
  const worker = async () => {
    while (!signal.aborted) {
      // One shared schedule: each worker takes the next slot, so the total rate holds however slow a request is.
      const slot = next;
      next = Math.max(next + interval, Date.now() - interval);
      if (slot > Date.now()) await sleep(slot - Date.now());
      if (signal.aborted) break;
      const r = pickRequest();
      try {
        const res = await fetch(baseUrl + r.path, {
          method: r.method, headers: r.headers, body: r.body ? JSON.stringify(r.body) : undefined,
          signal: AbortSignal.timeout(10_000),
        });
        await res.arrayBuffer();
        counts.requests++;
        if (res.status >= 500) counts.errors++;
        else if (res.status >= 400) counts.rejected++;
        if (r.continues) counts.continued.push(r.continues);
      } catch {
        counts.requests++;
        counts.errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
}
