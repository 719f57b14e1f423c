/**
 * Saved calculated fields (Honeycomb's derived columns), `/1/calculated_fields/{dataset}` and the older
 * `/1/derived_columns/{dataset}`: `{id, alias, expression, description}`, kept in the store's meta table.
 * A query on a dataset can name its saved fields and the environment's (`__all__`) ones.
 */
import { randomBytes } from 'node:crypto';
import { ColumnResolver } from '../../query/honeycomb/columns.js';
import { HoneycombApiError, invalid } from '../../query/honeycomb/errors.js';
import { addCalculatedField } from '../../query/honeycomb/validate.js';
import { ALL_DATASETS } from '../../query/honeycomb/to-ir.js';
import type { HoneycombStore } from './datasets.js';

export interface SavedField {
  id: string;
  alias: string;
  expression: string;
  description: string;
  created_at: string;
  updated_at: string;
}

const kind = (dataset: string) => `honeycomb.calculated_field:${dataset}`;
const ALIAS = /^[^\s$"][^"]{0,254}$/;

export async function savedFields(store: HoneycombStore, dataset: string): Promise<SavedField[]> {
  return (await store.listMeta<SavedField>(kind(dataset))).map((m) => m.value);
}

/** The catalog's columns plus the saved calculated fields that still compile (a field whose column is gone is left out). */
export async function resolverForDataset(store: HoneycombStore, dataset: string): Promise<ColumnResolver> {
  const columns = new ColumnResolver(await store.columns());
  const fields = [...(dataset === ALL_DATASETS ? [] : await savedFields(store, dataset)), ...(await savedFields(store, ALL_DATASETS))];
  for (const f of fields) {
    if (columns.has(f.alias)) continue;
    try { addCalculatedField(columns, f.alias, f.expression, 'expression'); } catch { /* stale field: skipped */ }
  }
  return columns;
}

/** Checks a create/update body; returns the field to store. */
export async function checkField(store: HoneycombStore, dataset: string, body: unknown, existing?: SavedField): Promise<SavedField> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('body', 'must be a JSON object {alias, expression, description}');
  const b = body as Record<string, unknown>;
  const alias = b.alias ?? existing?.alias;
  const expression = b.expression ?? existing?.expression;
  const description = b.description ?? existing?.description ?? '';
  if (typeof alias !== 'string' || !ALIAS.test(alias)) throw invalid('alias', 'must be a name of 1 to 255 characters without double quotes, not starting with $ or a space', 'missing');
  if (typeof expression !== 'string' || expression === '') throw invalid('expression', 'must be a formula', 'missing');
  if (typeof description !== 'string') throw invalid('description', 'must be a string');
  const columns = await resolverForDataset(store, dataset);
  if (columns.has(alias) && columns.get(alias)!.derived !== true) throw invalid('alias', `${JSON.stringify(alias)} is already a column`, 'conflict');
  const others = (await savedFields(store, dataset)).filter((f) => f.id !== existing?.id);
  if (others.some((f) => f.alias === alias)) throw new HoneycombApiError(409, `a calculated field named ${JSON.stringify(alias)} already exists`, [{ field: 'alias', code: 'conflict', description: 'already exists' }]);
  addCalculatedField(new ColumnResolver(await store.columns()), alias, expression, 'expression');
  const now = new Date().toISOString();
  return { id: existing?.id ?? randomBytes(6).toString('hex'), alias, expression, description, created_at: existing?.created_at ?? now, updated_at: now };
}

export async function putField(store: HoneycombStore, dataset: string, f: SavedField): Promise<void> {
  await store.putMeta(kind(dataset), f.id, f);
}

export async function getField(store: HoneycombStore, dataset: string, id: string): Promise<SavedField> {
  const f = await store.getMeta<SavedField>(kind(dataset), id);
  if (!f) throw new HoneycombApiError(404, 'calculated field not found');
  return f;
}

export async function deleteField(store: HoneycombStore, dataset: string, id: string): Promise<void> {
  if (!(await store.deleteMeta(kind(dataset), id))) throw new HoneycombApiError(404, 'calculated field not found');
}
