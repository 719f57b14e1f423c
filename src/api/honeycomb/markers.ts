/**
 * Markers (https://docs.honeycomb.io/api/markers/): `{id, start_time, end_time, message, type, url, color,
 * created_at, updated_at}` per dataset, kept in the store's meta table. Honeyray stores and lists them; the
 * UI draws them on graphs.
 */
import { randomBytes } from 'node:crypto';
import { HoneycombApiError, invalid } from '../../query/honeycomb/errors.js';
import type { HoneycombStore } from './datasets.js';

export interface Marker {
  id: string;
  start_time: number;
  end_time?: number;
  message: string;
  type: string;
  url: string;
  color?: string;
  created_at: string;
  updated_at: string;
  dataset: string;
}

const kind = (dataset: string) => `honeycomb.marker:${dataset}`;
const STRINGS = ['message', 'type', 'url', 'color'] as const;

export async function listMarkers(store: HoneycombStore, dataset: string): Promise<Marker[]> {
  return (await store.listMeta<Marker>(kind(dataset))).map((m) => m.value).sort((a, b) => a.start_time - b.start_time);
}

export function checkMarker(dataset: string, body: unknown, existing?: Marker): Marker {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('body', 'must be a JSON object');
  const b = body as Record<string, unknown>;
  const now = new Date();
  const m: Marker = existing ? { ...existing } : {
    id: randomBytes(6).toString('hex'), start_time: Math.floor(now.getTime() / 1000), message: '', type: '', url: '',
    created_at: now.toISOString(), updated_at: now.toISOString(), dataset,
  };
  for (const k of ['start_time', 'end_time'] as const) {
    if (b[k] === undefined) continue;
    if (typeof b[k] !== 'number' || !Number.isInteger(b[k]) || (b[k] as number) < 0) throw invalid(k, 'must be unix seconds (an integer)');
    m[k] = b[k] as number;
  }
  for (const k of STRINGS) {
    if (b[k] === undefined) continue;
    if (typeof b[k] !== 'string' || (b[k] as string).length > 4096) throw invalid(k, 'must be a string of at most 4096 characters');
    m[k] = b[k] as string;
  }
  if (m.end_time !== undefined && m.end_time < m.start_time) throw invalid('end_time', 'must not be before start_time');
  m.updated_at = now.toISOString();
  return m;
}

export async function putMarker(store: HoneycombStore, m: Marker): Promise<void> {
  await store.putMeta(kind(m.dataset), m.id, m);
}

export async function getMarker(store: HoneycombStore, dataset: string, id: string): Promise<Marker> {
  const m = await store.getMeta<Marker>(kind(dataset), id);
  if (!m) throw new HoneycombApiError(404, 'marker not found');
  return m;
}

export async function deleteMarker(store: HoneycombStore, dataset: string, id: string): Promise<Marker> {
  const m = await getMarker(store, dataset, id);
  await store.deleteMeta(kind(dataset), id);
  return m;
}
