import { portable, type AggregateKind, type Dialect, type ExistsQuery } from '../dialect.js';
import { quoteIdent, quoteString } from './schema.js';

/**
 * ClickHouse's SQL for query/'s compiler, written to the intersection of 18.16 and 26.x (both run the
 * conformance suite). Function names differ from DuckDB's: match/extract (RE2, as Honeycomb's),
 * xxxOrNull conversions, the -If aggregate combinator instead of FILTER (WHERE), quantile(q)(x).
 * One thing exists only on newer releases and is marked below: regex groups past the first
 * (extractGroups).
 */
const IF_AGG: Record<Exclude<AggregateKind, 'quantile' | 'count' | 'count_distinct'>, string> = {
  sum: 'sum', avg: 'avg', min: 'min', max: 'max', any_true: 'max', approx_count_distinct: 'uniq', list: 'groupArray',
};

const num = (n: number): string => {
  if (!Number.isFinite(n)) throw new RangeError(`not a finite number: ${n}`);
  // A plain literal (0.5, 1e+21 are Float64): 18.16 takes only literals as aggregate parameters (quantile(q)).
  return String(n);
};
const f64 = (e: string) => `toFloat64(${e})`;
const text = (e: string) => `toString(${e})`;
/** 16 lowercase hex digits of a 64-bit integer: hex() drops leading zero bytes, so pad. */
const hex16 = (e: string) => `lower(concat(substring('0000000000000000', 1, 16 - length(hex(toUInt64(${e})))), hex(toUInt64(${e}))))`;

/** First keys of span events' and links' JSON objects (model/span.ts SpanEvent, SpanLink). */
const ELEMENT_KEYS = ['timeUnixNano', 'traceId'];

export const clickhouseDialect: Dialect = {
  name: 'clickhouse',
  ident: quoteIdent,
  string: (s) => quoteString(s.replace(/\0/g, '')),
  number: num,
  // 18.16 has no true/false literals: conditions are UInt8.
  bool: (b) => (b ? '1' : '0'),

  contains: (h, n) => `(position(${h}, ${n}) > 0)`,
  startsWith: (h, n) => `(substring(${h}, 1, length(${n})) = ${n})`,
  endsWith: (h, n) => `(length(${h}) >= length(${n}) AND substring(${h}, length(${h}) - length(${n}) + 1) = ${n})`,
  regexMatch: (e, p) => `match(${e}, ${p})`,
  regexExtract: (e, p, g) => {
    const pick = g === 0 ? `extract(${e}, concat('(', ${p}, ')'))` : g === 1 ? `extract(${e}, ${p})` : `extractGroups(${e}, ${p})[${g}]` /* 20.x+ */;
    return `if(match(${e}, ${p}), ${pick}, NULL)`;
  },
  toDouble: (e) => `toFloat64OrNull(${text(e)})`,
  toInt: (e) => `toInt64(trunc(toFloat64OrNull(${text(e)})))`,
  toText: text,
  toBool: (e) => `multiIf(lower(${text(e)}) IN ('true', '1'), 1, lower(${text(e)}) IN ('false', '0'), 0, toFloat64OrNull(${text(e)}) != 0)`,
  lower: (e) => `lower(${e})`,
  length: (e) => `lengthUTF8(${text(e)})`,
  concat: portable.concat,
  floor: portable.floor,
  log10: (e) => `if(${e} > 0, log10(${e}), NULL)`,
  divide: (a, b) => `(${f64(a)} / nullIf(${f64(b)}, 0))`,
  modulo: (a, b) => `(${f64(a)} - ${f64(b)} * trunc(${f64(a)} / nullIf(${f64(b)}, 0)))`,

  traceIdHex: (hi, lo) => `concat(${hex16(hi)}, ${hex16(lo)})`,
  spanIdHex: hex16,
  // Span events and links (the only JSON arrays counted: span.num_events, span.num_links), without JSON
  // functions (18.16 has none): their JSON is JSON.stringify of objects whose first key is timeUnixNano
  // (events) or traceId (links), so each element starts with `{"timeUnixNano":"` / `{"traceId":"` right
  // after the array's `[` or a `,`. Inside strings quotes are escaped, and an attribute of that name
  // follows `{` of the attributes object after a `:`, so neither matches.
  jsonArrayLength: (e) => `if(${e} = '' OR ${e} IS NULL, 0, toInt64(${ELEMENT_KEYS.map((k) => `(position(${e}, '[{"${k}":"') = 1) + length(splitByString(',{"${k}":"', ${e})) - 1`).join(' + ')}))`,
  nsToMs: portable.nsToMs,
  secondsToNs: (s) => (Number.isInteger(s) ? `${BigInt(s) * 1_000_000_000n}` : `${BigInt(Math.round(s * 1e9))}`),
  // Integer division as in the DuckDB dialect (intDiv truncates: floor for every time after the aligned origin nearest 1970).
  timeBucket: (ns, g, origin) => {
    if (!Number.isInteger(g)) return `toInt64(${origin} + floor((${ns} - ${BigInt(origin) * 1_000_000_000n}) / ${g * 1e9}) * ${g})`;
    const o = ((origin % g) + g) % g;
    return `(${o} + intDiv(toInt64(${ns}) - ${BigInt(o) * 1_000_000_000n}, ${BigInt(g) * 1_000_000_000n}) * ${g})`;
  },
  widthBucket(e, lower, upper, bins) {
    const width = (upper - lower) / bins;
    // One value (min = max): every row is bin 0. Not a bare `0`, which GROUP BY reads as a position.
    if (!(width > 0)) return 'toInt64(0)';
    return `least(greatest(toInt64(floor((${e} - ${num(lower)}) / ${num(width)})), 0), ${bins - 1})`;
  },

  widthBucketInt(e, lower, upper, bins) {
    if (upper <= lower) return 'toInt64(0)';
    return `least(intDiv((least(greatest(toInt64(${e}), toInt64(${lower})), toInt64(${upper})) - ${lower}) * ${bins}, ${upper - lower}), ${bins - 1})`;
  },

  sample: (e, fraction) => `(cityHash64(${e.join(', ')}) % 1000000 < ${Math.round(fraction * 1e6)})`,
  // The row condition goes into the WHERE (PREWHERE reads the other columns only for rows it keeps).
  unpivotWhenInWhere: true,
  unpivot: (values, k, v, when) => {
    if (when !== undefined) throw new Error('unpivot: the ClickHouse dialect takes the row condition in the WHERE (unpivotWhenInWhere)');
    return `tupleElement(arrayJoin(arrayMap((i, x) -> tuple(i, x), range(${values.length}), [${values.join(', ')}])) AS kv_, 1) AS ${k}, tupleElement(kv_, 2) AS ${v}`;
  },

  aggregate(kind, arg, opts = {}) {
    const f = opts.filter;
    if (kind === 'count') {
      if (arg === null) return f ? `countIf(${f})` : 'count()';
      return f ? `countIf(${arg} IS NOT NULL AND (${f}))` : `count(${arg})`;
    }
    if (kind === 'quantile') return f ? `quantileIf(${num(opts.q ?? 0.5)})(${arg}, ${f})` : `quantile(${num(opts.q ?? 0.5)})(${arg})`;
    if (kind === 'count_distinct') return f ? `uniqExactIf(${arg}, ${f})` : `uniqExact(${arg})`;
    return f ? `${IF_AGG[kind]}If(${arg}, ${f})` : `${IF_AGG[kind]}(${arg})`;
  },

  // 18.16 cannot capture a column of a subquery in arrayFilter's lambda ("Unknown identifier"), arrayMap's
  // it can: the bound as a second array beside the list.
  listFilter: (list, atLeast, bound) => `arrayFilter((lv_, lb_) -> ifNull(lv_ ${atLeast ? '>=' : '<='} lb_, 0) = 1, ${list}, arrayMap(lv_ -> ${bound}, ${list}))`,
  // quantile(q) (ReservoirSampler::quantileInterpolated, exact below 8,192 values): index = q (n - 1),
  // left * (right_index - index) + right * (index - left_index); the last element alone at the end.
  quantileBetween: (lo, hi, index) => {
    const left = Math.floor(index);
    return left === index ? lo : lo * (left + 1 - index) + hi * (index - left);
  },

  isTrue: (pred) => `(ifNull(${pred}, 0) = 1)`,
  // No correlated subqueries on 18.16: the uncorrelated `(keys) IN (SELECT ...)` form ExistsQuery allows.
  exists: (q: ExistsQuery) =>
    `((${q.keys.map((k) => k[1]).join(', ')}) IN (SELECT ${q.keys.map((k) => k[0]).join(', ')} FROM ${q.table} AS ${q.alias} WHERE ${q.where}))`,
  // Correlated scalar subquery: only ClickHouse releases with correlated subqueries run it (X-Ray's
  // first/last/coverage keywords); a JOIN rewrite would lift that.
  maxOf: (q) => `(SELECT max(${q.expr}) FROM ${q.table} AS ${q.alias} WHERE ${[...q.keys.map(([i, o]) => `${i} = ${o}`), `(${q.where})`].join(' AND ')})`,
};

/**
 * Where ClickHouse releases differ, in one place. The store is proven on 18.16 (Debian's
 * clickhouse-server) and 26.x (npm chdb); anything that only one of them has is decided here from
 * `SELECT version()`.
 *
 * | | 18.16 | 26.x |
 * |---|---|---|
 * | TTL clause | no: retention drops old day partitions (`ALTER TABLE ... DROP PARTITION`) | `TTL <day> + INTERVAL n DAY` |
 * | ALTER MODIFY COLUMN type | rewrites the column synchronously | a mutation: `mutations_sync = 2` waits for it |
 * | JSON 64-bit integers | strings by default | numbers by default: client.ts asks for strings |
 * | `true`/`false` literals, Bool | absent: bool columns are UInt8 | present |
 */
export interface ClickHouseRelease {
  version: string;
  major: number;
  /** TTL on MergeTree tables (19.6+). */
  ttl: boolean;
  /** `SETTINGS` clause on ALTER and `mutations_sync` (19.x+). */
  mutationsSync: boolean;
}

export function releaseOf(version: string): ClickHouseRelease {
  const [maj = 0, min = 0] = version.split('.').map((x) => Number(x));
  const atLeast = (a: number, b: number) => maj > a || (maj === a && min >= b);
  return { version, major: maj, ttl: atLeast(19, 6), mutationsSync: atLeast(20, 1) };
}

/** The oldest release the store is tested on. */
export const OLDEST_SUPPORTED = '18.16';

export function tooOld(r: ClickHouseRelease): boolean {
  const [a, b] = OLDEST_SUPPORTED.split('.').map(Number) as [number, number];
  const [maj = 0, min = 0] = r.version.split('.').map(Number);
  return maj < a || (maj === a && min < b);
}

/** TTL clause for `spans_data`, or '' where retention is done by dropping partitions. */
export function ttlClause(r: ClickHouseRelease, retentionDays: number | undefined): (dateExpr: string) => string {
  return (dateExpr) => (r.ttl && retentionDays ? ` TTL ${dateExpr} + INTERVAL ${Math.floor(retentionDays)} DAY` : '');
}

/** ALTER ... MODIFY COLUMN that has finished rewriting when it returns. */
export function modifyColumnSql(r: ClickHouseRelease, table: string, column: string, type: string): string {
  return `ALTER TABLE ${table} MODIFY COLUMN ${column} ${type}` + (r.mutationsSync ? ' SETTINGS mutations_sync = 2' : '');
}
