import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Cancellation of reads whose caller has gone (a client that disconnects from a search). The HTTP layer
 * runs each request inside `withCancel(signal)`; every store read started in that async context (also
 * across the ingest worker's message channel, see pipeline/ingest-client.ts) sees the signal through
 * `currentCancel()` and interrupts its engine query when it fires. An async context instead of a
 * `signal` argument on every Store method: the scope reaches reads made deep inside query front ends
 * (Honeycomb, BubbleUp, X-Ray summaries) without threading a parameter through all of them.
 */
const scope = new AsyncLocalStorage<AbortSignal>();

export function withCancel<T>(signal: AbortSignal, fn: () => T): T {
  return scope.run(signal, fn);
}

/** The signal of the request this code runs for, if any. */
export function currentCancel(): AbortSignal | undefined {
  return scope.getStore();
}

/** A read stopped because its caller went away. Nobody is left to answer, so it is not logged as a failure. */
export class QueryCancelledError extends Error {
  override name = 'QueryCancelledError';
  constructor() {
    super('the query was cancelled: its client went away');
  }
}
