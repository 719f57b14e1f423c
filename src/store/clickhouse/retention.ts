import type { ChClient } from './client.js';
import { quoteString } from './schema.js';

/**
 * Retention on ClickHouse. Whole day partitions older than the longest retention are dropped (where the
 * release has TTL it also runs: TTL deletes only when parts merge, this frees a whole day at once).
 * Shorter retentions (per dataset, or the default beside a dataset kept longer) delete rows with a
 * mutation (`ALTER TABLE ... DELETE`, 18.16 has it, no TTL), issued only when some rows are due, and
 * waited for, so a pass is done when it returns.
 */
export interface RetentionPlan {
  /** Partitions (YYYY-MM-DD) before this day are dropped; null: none are. */
  dropBefore: string | null;
  /** WHERE conditions of the rows to delete. */
  deletes: string[];
}

/**
 * The retention by which whole day partitions (and TTL) may go: the longest of the default and every
 * dataset's, or 0 when something is kept forever (the default or a dataset at 0).
 */
export function wholeDayRetention(days: number, perDataset: Record<string, number>): number {
  const all = [days, ...Object.values(perDataset)];
  return all.some((d) => d <= 0) ? 0 : Math.max(...all);
}

/** What a pass at `nowMs` removes, for the default `days` and the datasets' own (0 = forever). */
export function retentionPlan(nowMs: number, days: number, datasetDays: Record<string, number>): RetentionPlan {
  const perDataset = Object.fromEntries(Object.entries(datasetDays).filter(([, d]) => d !== days));
  const whole = wholeDayRetention(days, perDataset);
  const cutoffNs = (d: number) => (BigInt(nowMs) - BigInt(Math.floor(d * 86_400_000))) * 1_000_000n;
  const deletes: string[] = [];
  for (const [ds, d] of Object.entries(perDataset)) if (d > 0 && (whole === 0 || d < whole)) deletes.push(`dataset = ${quoteString(ds)} AND start_ns < ${cutoffNs(d)}`);
  if (days > 0 && (whole === 0 || days < whole)) {
    const listed = Object.keys(perDataset).map(quoteString);
    deletes.push(`${listed.length ? `dataset NOT IN (${listed.join(', ')}) AND ` : ''}start_ns < ${cutoffNs(days)}`);
  }
  const dropBefore = whole > 0 ? new Date(nowMs - Math.floor(whole) * 86_400_000).toISOString().slice(0, 10) : null;
  return { dropBefore, deletes };
}

/** Carries out `plan` on one server's `table`; `write` runs a statement in the store's write order. */
export async function expireOnServer(s: ChClient, table: string, plan: RetentionPlan, write: (sql: string) => Promise<unknown>): Promise<void> {
  if (plan.dropBefore) {
    const rows = await s.query(`SELECT DISTINCT partition AS p FROM system.parts WHERE database = currentDatabase() AND table = ${quoteString(table)} AND active`);
    // Partitions are `toDate(...)` values, written YYYY-MM-DD: string order is date order.
    const old = rows.map((r) => String(r.p)).filter((p) => /^\d{4}-\d{2}-\d{2}$/.test(p) && p < plan.dropBefore!);
    for (const p of old) await write(`ALTER TABLE ${table} DROP PARTITION ${quoteString(p)}`);
  }
  for (const where of plan.deletes) {
    const [due] = await s.query(`SELECT count() AS n FROM ${table} WHERE ${where}`);
    if (Number(due?.n ?? 0) > 0) await write(`ALTER TABLE ${table} DELETE WHERE ${where}`);
  }
  if (plan.deletes.length) await waitForMutations(s, table);
}

/** Waits until the table's mutations are done (they run in the background), for up to a minute. */
async function waitForMutations(s: ChClient, table: string): Promise<void> {
  for (const t0 = Date.now(); Date.now() - t0 < 60_000;) {
    const [left] = await s.query(`SELECT count() AS n FROM system.mutations WHERE database = currentDatabase() AND table = ${quoteString(table)} AND is_done = 0`);
    if (Number(left?.n ?? 0) === 0) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}
