/**
 * Datasets (= service names, plus `__all__` for the whole environment) and their columns, as Honeycomb's
 * `/1/datasets` and `/1/columns` answer them.
 */
import { compileQuery } from '../../query/ir/compile.js';
import { agg, col, type Query } from '../../query/ir/ir.js';
import { ColumnResolver, type HcColumn } from '../../query/honeycomb/columns.js';
import { HoneycombApiError } from '../../query/honeycomb/errors.js';
import { ALL_DATASETS } from '../../query/honeycomb/to-ir.js';
import type { Store } from '../../store/store.js';

export type HoneycombStore = Pick<Store, 'select' | 'dialect' | 'columns' | 'services' | 'putMeta' | 'getMeta' | 'listMeta' | 'deleteMeta'>;

export interface DatasetInfo {
  name: string;
  slug: string;
  description: string;
  created_at: string;
  last_written_at: string;
}

const iso = (ns: unknown) => new Date(Number(BigInt(String(ns ?? 0)) / 1_000_000n)).toISOString();

/** Every dataset with its first and last span time. */
export async function listDatasets(store: HoneycombStore): Promise<DatasetInfo[]> {
  const q: Query = {
    from: { table: 'spans' },
    select: [{ as: 'name', expr: col('dataset') }, { as: 'first', expr: agg('min', col('start_ns')) }, { as: 'last', expr: agg('max', col('start_ns')) }],
    groupBy: [col('dataset')],
    orderBy: [{ expr: { k: 'ref', alias: 'name' } }],
  };
  const rows = await store.select(compileQuery(q, store.dialect));
  return rows.filter((r) => r.name !== '').map((r) => ({
    name: String(r.name), slug: String(r.name), description: '', created_at: iso(r.first), last_written_at: iso(r.last),
  }));
}

/** Throws a 404 unless `slug` is a dataset with spans (or `__all__`). */
export async function checkDataset(store: HoneycombStore, slug: string): Promise<void> {
  if (slug === ALL_DATASETS) return;
  if (!(await store.services()).includes(slug)) throw new HoneycombApiError(404, `Dataset ${JSON.stringify(slug)} not found`);
}

/** Honeycomb's column objects; attribute columns only when the dataset has values in them. */
export async function listColumns(store: HoneycombStore, slug: string): Promise<Record<string, unknown>[]> {
  const attrs = await store.columns();
  const resolver = new ColumnResolver(attrs);
  let present = new Set(attrs.map((a) => a.key));
  if (slug !== ALL_DATASETS && attrs.length > 0) {
    // One pass: count(column) of every attribute column over this dataset's rows.
    const q: Query = {
      from: { table: 'spans' },
      where: { k: 'cmp', op: '=', l: col('dataset'), r: { k: 'lit', value: slug } },
      select: attrs.map((a, i) => ({ as: `n${i}`, expr: agg('count', col(a.column)) })),
    };
    const [r] = await store.select(compileQuery(q, store.dialect));
    present = new Set(attrs.filter((_, i) => Number(r?.[`n${i}`] ?? 0) > 0).map((a) => a.key));
  }
  return resolver.list().filter((c) => !c.derived && (c.lastWrittenMs === undefined || present.has(c.name))).map((c) => columnJson(c));
}

function columnJson(c: HcColumn): Record<string, unknown> {
  return {
    id: c.name, key_name: c.name, type: c.type, description: c.description, hidden: false,
    last_written: c.lastWrittenMs ? new Date(c.lastWrittenMs).toISOString() : null,
    created_at: c.lastWrittenMs ? new Date(c.lastWrittenMs).toISOString() : null,
  };
}
