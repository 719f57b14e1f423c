import { portable, type AggregateKind, type Dialect, type ExistsQuery } from '../dialect.js';

const keyConds = (q: ExistsQuery) => q.keys.map(([inner, outer]) => `${inner} = ${outer}`);

const AGG: Record<Exclude<AggregateKind, 'quantile' | 'count' | 'count_distinct' | 'list'>, string> = {
  sum: 'sum', avg: 'avg', min: 'min', max: 'max', any_true: 'bool_or', approx_count_distinct: 'approx_count_distinct',
};

/** DuckDB's SQL (close to PostgreSQL's). Regexes are RE2, as Honeycomb's. */
export const duckdbDialect: Dialect = {
  name: 'duckdb',
  ident: (name) => '"' + name.replace(/"/g, '""') + '"',
  string: (s) => "'" + s.replace(/\0/g, '').replace(/'/g, "''") + "'",
  number(n) {
    if (!Number.isFinite(n)) throw new RangeError(`not a finite number: ${n}`);
    // Integers outside the double-exact range still print as digits; other numbers as DOUBLE literals.
    return Number.isInteger(n) && Math.abs(n) < 2 ** 53 ? String(n) : `CAST(${String(n)} AS DOUBLE)`;
  },
  bool: (b) => (b ? 'TRUE' : 'FALSE'),

  contains: (h, n) => `contains(${h}, ${n})`,
  startsWith: (h, n) => `starts_with(${h}, ${n})`,
  endsWith: (h, n) => `ends_with(${h}, ${n})`,
  regexMatch: (e, p) => `regexp_matches(${e}, ${p})`,
  regexExtract: (e, p, g) => `CASE WHEN regexp_matches(${e}, ${p}) THEN regexp_extract(${e}, ${p}, ${g}) END`,
  toDouble: (e) => `TRY_CAST(${e} AS DOUBLE)`,
  toInt: (e) => `TRY_CAST(trunc(TRY_CAST(${e} AS DOUBLE)) AS BIGINT)`,
  toText: (e) => `CAST(${e} AS VARCHAR)`,
  toBool: (e) => `TRY_CAST(${e} AS BOOLEAN)`,
  lower: (e) => `lower(${e})`,
  length: (e) => `length(CAST(${e} AS VARCHAR))`,
  concat: portable.concat,
  floor: portable.floor,
  log10: (e) => `CASE WHEN ${e} > 0 THEN log10(${e}) END`,
  divide: portable.divide,
  modulo: (a, b) => `fmod(CAST(${a} AS DOUBLE), NULLIF(CAST(${b} AS DOUBLE), 0))`,

  traceIdHex: (hi, lo) => `printf('%016x%016x', ${hi}, ${lo})`,
  spanIdHex: (id) => `printf('%016x', ${id})`,
  jsonArrayLength: (e) => `COALESCE(json_array_length(${e}), 0)`,
  nsToMs: portable.nsToMs,
  secondsToNs: (s) => (Number.isInteger(s) ? `${BigInt(s) * 1_000_000_000n}` : `${BigInt(Math.round(s * 1e9))}`),
  /**
   * In integers where it can be: BIGINT `//` truncates, which is floor for times at or after the aligned
   * origin nearest 1970 (`origin mod g`, so every real time). 15-25% less CPU than floor() of a DOUBLE
   * division per row for the series and heatmap scans (10M spans, docs/benchmarks.md).
   */
  timeBucket: (ns, g, origin) => {
    if (!Number.isInteger(g)) return `CAST(${origin} + floor((${ns} - ${BigInt(origin) * 1_000_000_000n}) / ${g * 1e9}) * ${g} AS BIGINT)`;
    const o = ((origin % g) + g) % g;
    return `(${o} + ((${ns} - ${BigInt(o) * 1_000_000_000n}) // ${BigInt(g) * 1_000_000_000n}) * ${g})`;
  },
  widthBucket(e, lower, upper, bins) {
    const width = (upper - lower) / bins;
    // One value (min = max): every row is bin 0. Not a bare `0`, which GROUP BY reads as a position.
    if (!(width > 0)) return 'CAST(0 AS BIGINT)';
    return `least(greatest(CAST(floor((${e} - ${duckdbDialect.number(lower)}) / ${duckdbDialect.number(width)}) AS BIGINT), 0), ${bins - 1})`;
  },

  // Clamped first, so (x - lower) * bins never exceeds (upper - lower) * bins; BIGINT `//` of non-negatives is floor.
  widthBucketInt(e, lower, upper, bins) {
    if (upper <= lower) return 'CAST(0 AS BIGINT)';
    return `least(((least(greatest(${e}, ${lower}), ${upper}) - ${lower}) * ${bins}) // ${upper - lower}, ${bins - 1})`;
  },

  sample: (e, fraction) => `(hash(${e.join(', ')}) % 1000000 < ${Math.round(fraction * 1e6)})`,
  // Two unnests in one SELECT are zipped (not crossed) by DuckDB; unnest(NULL) gives no row. The CASE
  // builds the list only for the rows it keeps (DuckDB evaluates a CASE branch for its rows only).
  unpivot: (values, k, v, when) => when
    ? `unnest(CASE WHEN ${when} THEN range(${values.length}) END) AS ${k}, unnest(CASE WHEN ${when} THEN [${values.join(', ')}] END) AS ${v}`
    : `unnest(range(${values.length})) AS ${k}, unnest([${values.join(', ')}]) AS ${v}`,

  aggregate(kind, arg, opts = {}) {
    const filter = opts.filter ? ` FILTER (WHERE ${opts.filter})` : '';
    if (kind === 'count') return `count(${arg ?? '*'})${filter}`;
    if (kind === 'quantile') return `quantile_cont(${arg}, ${duckdbDialect.number(opts.q ?? 0.5)})${filter}`;
    if (kind === 'count_distinct') return `count(DISTINCT ${arg})${filter}`;
    // list() keeps NULLs (the Dialect allows it; listFilter drops them): no per-row NULL test.
    if (kind === 'list') return `list(${arg})${filter}`;
    return `${AGG[kind]}(${arg})${filter}`;
  },

  listFilter: (list, atLeast, bound) => `list_filter(${list}, lambda lv_: lv_ ${atLeast ? '>=' : '<='} ${bound})`,
  // quantile_cont: RN = (n - 1) q in doubles, the neighbours cast to DOUBLE, lo (1 - d) + hi d with
  // d = RN - floor(RN) (1.5.6; `lo + (hi - lo) d` differs in the last bit for ~20% of random cases). Checked
  // against the engine in test/query/honeycomb/tail-percentiles.test.ts.
  quantileBetween: (lo, hi, index) => {
    const d = index - Math.floor(index);
    return d === 0 ? lo : lo * (1 - d) + hi * d;
  },

  isTrue: (pred) => `((${pred}) IS TRUE)`,
  exists: (q) => `EXISTS (SELECT 1 FROM ${q.table} ${q.alias} WHERE ${[...keyConds(q), `(${q.where})`].join(' AND ')})`,
  maxOf: (q) => `(SELECT max(${q.expr}) FROM ${q.table} ${q.alias} WHERE ${[...keyConds(q), `(${q.where})`].join(' AND ')})`,
};
