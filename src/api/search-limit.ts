/**
 * The most traces one search may return, on every search API (Jaeger `/api/traces` and api_v3, Zipkin,
 * trace summaries). Fetching whole traces grows with `limit` (10,000 once took minutes), so a bigger
 * number is refused with a 400 that says what to do instead of being cut silently. Jaeger UI offers
 * at most 1500; the web UI 1000.
 */
export const MAX_SEARCH_LIMIT = 1500;

/** Throws the 400 message when `n` is over the cap. */
export function checkSearchLimit(n: number, param: string): number {
  if (n > MAX_SEARCH_LIMIT) throw new Error(`'${param}' is at most ${MAX_SEARCH_LIMIT}, got ${n}: narrow the search (service, time range, tags) or page by time instead`);
  return n;
}
