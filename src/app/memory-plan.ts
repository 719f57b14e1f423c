import { ingestBudget } from '../http/memory-budget.js';

/**
 * One memory budget for the whole process (`--memory-limit`, default 1 GiB), split between what can grow:
 * - DuckDB's own `memory_limit` (its buffer pool: appends before commit, query operators, which spill to
 *   disk past it): 30%. Its footprint is larger than what it counts (issue 11, bench:xray at 30k docs/s:
 *   `duckdb_memory()` at its 409 MiB limit while ~300 MiB more of the RSS was neither JS heap nor buffers,
 *   and stayed when DuckDB's own count fell); at 40% peak RSS was 1,126-1,168 MiB, at 30% 987-1,002 MiB,
 *   stored docs the same (docs/benchmarks.md);
 * - request bodies admitted and not yet answered (http/memory-budget.ts): 10% in raw bytes, ~30% of the
 *   budget in memory (a body is held beside its decoded batch and the engine's append buffers);
 * - the rest (~40%) for the JS heaps (HTTP, ingest, decode and X-Ray socket threads), query results and fragmentation.
 * The shares come from bench:ingest / the overload test: peak RSS stayed under the budget at 4x capacity.
 */
export interface MemoryPlan {
  totalBytes: number;
  /** DuckDB `memory_limit`, as DuckDB reads it. */
  duckdb: string;
  /** Request bodies held at once, all ports (raw + decompressed bytes). */
  inflightBytes: number;
}

const UNITS: Record<string, number> = {
  '': 1, b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30,
};

/** `1GiB`, `512MB`, `1.5g`, `1073741824` -> bytes; null when unreadable. */
export function parseSize(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  if (!m) return null;
  const unit = UNITS[m[2]!.toLowerCase()];
  return unit === undefined ? null : Math.floor(Number(m[1]) * unit);
}

export function memoryPlan(totalBytes: number): MemoryPlan {
  return {
    totalBytes,
    duckdb: `${Math.max(64, Math.floor((totalBytes * 0.3) / 2 ** 20))}MiB`,
    inflightBytes: Math.max(1 << 20, Math.floor(totalBytes * 0.1)),
  };
}

/** The process's memory against its budget, for `/api/honeyray/stats`. */
export function memoryStats(plan: MemoryPlan): Record<string, number | string> {
  return {
    limitBytes: plan.totalBytes,
    rssBytes: process.memoryUsage.rss(),
    duckdbLimit: plan.duckdb,
    bodiesHeldBytes: ingestBudget.used,
    bodiesHeldPeakBytes: ingestBudget.peak,
    bodiesBudgetBytes: ingestBudget.limit,
    refusedRequests: ingestBudget.refused,
  };
}
