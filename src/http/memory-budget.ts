/**
 * The ingest share of the process's memory budget (`--memory-limit`, app/memory-plan.ts): every request
 * body is admitted against it before it is read or decoded, and holds its share until it is answered (its
 * spans committed), so bodies arriving, waiting in the pipeline and being decoded and appended are all
 * counted (raw bytes, plus the decompressed size of a compressed body). Past the budget, or past one
 * connection's share of it, a request is refused at once (503 + Retry-After, RESOURCE_EXHAUSTED on gRPC)
 * instead of growing the heap: 48 concurrent 18 MB uploads once took the process to 2.3 GiB.
 */
export class MemoryBudget {
  /** Weighted bytes held now, and the most ever held. */
  used = 0;
  peak = 0;
  /** Requests refused for lack of budget. */
  refused = 0;
  /** Held per connection (a socket, or a gRPC peer address); entries go when they drop to 0. */
  private perConn = new Map<object | string, number>();

  constructor(
    /** Weighted bytes all requests together may hold. */
    public limit: number,
    /** What one connection (an HTTP/2 connection carries many requests) may hold. */
    public perConnection: number,
  ) {}

  /**
   * Reserves `bytes` of body for a request on connection `conn`; null when that would pass the budget (the
   * caller answers with its protocol's retry signal). A first request is always admitted on an idle
   * process, however large (up to the body limit), so one big body can never be refused forever.
   */
  reserve(bytes: number, conn?: object | string): Reservation | null {
    const r = new Reservation(this, conn);
    return r.grow(bytes) ? r : null;
  }

  /** @internal Used by Reservation. */
  take(w: number, conn: object | string | undefined): boolean {
    const mine = conn ? this.perConn.get(conn) ?? 0 : 0;
    if (this.used > 0 && (this.used + w > this.limit || (conn && mine > 0 && mine + w > this.perConnection))) {
      this.refused++;
      return false;
    }
    this.used += w;
    if (this.used > this.peak) this.peak = this.used;
    if (conn) this.perConn.set(conn, mine + w);
    return true;
  }

  /** @internal Used by Reservation. */
  give(w: number, conn: object | string | undefined): void {
    this.used -= w;
    if (!conn) return;
    const left = (this.perConn.get(conn) ?? 0) - w;
    if (left > 0) this.perConn.set(conn, left);
    else this.perConn.delete(conn);
  }
}

/** One request's share of the budget: grows as its body arrives or is decompressed; released once. */
export class Reservation {
  private bytes = 0;
  private released = false;

  constructor(private readonly budget: MemoryBudget, private readonly conn: object | string | undefined) {}

  /** Adds `n` bytes; false (nothing added) when over the budget. */
  grow(n: number): boolean {
    if (this.released || n <= 0) return !this.released;
    if (!this.budget.take(n, this.conn)) return false;
    this.bytes += n;
    return true;
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.budget.give(this.bytes, this.conn);
    this.bytes = 0;
  }
}

/** The process-wide ingest budget every receiver admits bodies against; sized at startup (`configure`). */
export const ingestBudget = new MemoryBudget(128 * 1024 * 1024, 32 * 1024 * 1024);
