import type { DuckDBBlobVector, DuckDBConnection } from '@duckdb/node-api';
import { SPAN_KIND_NAMES } from '../../model/span.js';
import { quoteString } from '../sql-quote.js';
import type { JaegerTraceText } from '../store.js';
import type { Catalog } from './catalog.js';
import type { TraceReadRange } from './trace-index.js';

/**
 * A big trace's Jaeger span JSON written by the engine (`JaegerTraceText`, api/jaeger/jaeger-json.ts
 * finishes it). Why the engine writes text: converting a 100,000-span trace's ~2.5M column values to JS
 * through `@duckdb/node-api` (a native call and a TextDecoder per string, a closure per value) was most of
 * the 3.4 s answer (10M spans, quiet machine: engine 0.41 s); DuckDB builds the same text vectorized, on
 * its threads, and the spans cross as a few dozen BLOBs (no UTF-8 decode). What needs JS stays in JS: the
 * processes' tags (`processes`), span events as Jaeger logs (`events`). Spans this SQL does not render exactly as
 * the column path does (links, overflow attributes, Zipkin shared span ids, span id 0, integers past 2^53,
 * doubles JS prints in exponent form) make the whole read answer 'use-columns'.
 *
 * One difference in bytes, none in value: DuckDB's `to_json` escapes control characters other than
 * \b \t \n \f \r with upper-case hex (`\u001F`, JSON.stringify: `\u001f`).
 */
export async function readTraceText(conn: DuckDBConnection, catalog: Catalog, column: (key: string) => string | null, traceId: string, range: TraceReadRange): Promise<JaegerTraceText | 'not-found' | 'use-columns'> {
  const tid = quoteString(traceId.startsWith('0000000000000000') ? traceId.slice(16) : traceId).slice(1, -1);
  // Only the attribute columns the trace's spans have values in, when the trace index knows them
  // (trace-used-columns.ts): each column costs its text-building expressions on every span.
  const used = range.used?.keys;
  const attrs = catalog.all().flatMap((c) => {
    const sql = used && !used.has(c.key) ? null : column(c.key);
    return sql === null ? [] : [{ key: c.key, type: c.type, resource: c.origin === 'resource', sql }];
  });
  const spanAttrs = attrs.filter((a) => !a.resource);
  const resAttrs = attrs.filter((a) => a.resource);
  // Spans written otherwise by the column path (Zipkin shared span ids, rewritten by dedupeSharedSpanIds,
  // are checked in the outer statement).
  const special: string[] = ['coalesce(links, \'\') <> \'\'', 'attrs_overflow IS NOT NULL', 'span_id = 0'];
  // Text is built with one variadic concat() per piece (NULL parts are skipped): chained `||` copies the
  // growing text at each step, ~40 times per span (EXPLAIN ANALYZE: 0.81 s for the projection, 100,000 spans).
  const cat = (...parts: string[]) => `concat(${parts.join(', ')})`;
  const lit = (text: string) => quoteString(text);
  const json = (sql: string) => `CAST(to_json(${sql}) AS VARCHAR)`;
  const tags: string[] = [];
  for (const a of spanAttrs) {
    const tag = (type: string, value: string) => cat(lit(`{"key":${JSON.stringify(a.key)},"type":"${type}","value":`), value, `'}'`);
    if (a.type === 'string') tags.push(`CASE WHEN ${a.sql} IS NOT NULL THEN ${tag('string', json(a.sql))} END`);
    else if (a.type === 'bool') tags.push(`CASE WHEN ${a.sql} THEN ${tag('bool', `'true'`)} WHEN NOT ${a.sql} THEN ${tag('bool', `'false'`)} END`);
    else if (a.type === 'int') {
      tags.push(`CASE WHEN ${a.sql} IS NOT NULL THEN ${tag('int64', `CAST(${a.sql} AS VARCHAR)`)} END`);
      special.push(`coalesce(abs(${a.sql}) > ${MAX_SAFE}, false)`);
    } else {
      // JS: an integral double is "int64" and prints as an integer; others print in the shortest form,
      // which DuckDB's VARCHAR cast gives too between 1e-4 and 2^52 (past that every double is integral).
      const integral = `(${a.sql} = trunc(${a.sql}) AND abs(${a.sql}) <= ${MAX_SAFE})`;
      tags.push(`CASE WHEN ${a.sql} IS NULL THEN NULL WHEN ${integral} THEN ${tag('int64', `CAST(CAST(${a.sql} AS BIGINT) AS VARCHAR)`)} ELSE ${tag('float64', `CAST(${a.sql} AS VARCHAR)`)} END`);
      special.push(`coalesce(isnan(${a.sql}) OR isinf(${a.sql}) OR NOT ${integral} AND abs(${a.sql}) < 0.0001, false)`);
    }
  }
  const fixed = (key: string, value: string) => lit(`{"key":"${key}","type":"string","value":${value}}`);
  const textTag = (key: string, col: string) => `CASE WHEN coalesce(${col}, '') <> '' THEN ${cat(lit(`{"key":"${key}","type":"string","value":`), json(col), `'}'`)} END`;
  tags.push(
    `CASE kind ${SPAN_KIND_NAMES.map((n, i) => (i === 0 ? '' : `WHEN ${i} THEN ${fixed('span.kind', `"${n}"`)}`)).join(' ')} WHEN 0 THEN NULL ELSE ${fixed('span.kind', '""')} END`,
    `CASE status_code WHEN 1 THEN ${fixed('otel.status_code', '"OK"')} WHEN 2 THEN ${lit('{"key":"otel.status_code","type":"string","value":"ERROR"},{"key":"error","type":"bool","value":true}')} END`,
    textTag('otel.status_description', 'status_message'), textTag('otel.scope.name', 'scope_name'),
    textTag('otel.scope.version', 'scope_version'), textTag('w3c.tracestate', 'trace_state'),
  );
  const hex = (c: string) => `printf('%016x', ${c})`;
  // t: the trace's rows with each span's text up to `"logs":` (the rest needs the process numbers and
  // every span id), materialized once; p: the processes, numbered by first appearance as Jaeger's are.
  const head = cat(
    lit(`{"traceID":"${tid}","spanID":"`), hex('span_id'), lit('","operationName":'), json(`coalesce(name, '')`), lit(',"references":['),
    `CASE WHEN coalesce(parent_id, 0) <> 0 THEN ${cat(lit(`{"refType":"CHILD_OF","traceID":"${tid}","spanID":"`), hex('parent_id'), `'"}'`)} END`,
    lit('],"startTime":'), 'start_ns // 1000', lit(',"duration":'), 'duration_ns // 1000', lit(',"tags":['), `concat_ws(',', ${tags.join(', ')})`, lit('],"logs":'),
  );
  const resource = `CAST(json_array(coalesce(dataset, ''), ${resAttrs.map((a) => a.sql).join(', ') || 'NULL'}) AS VARCHAR)`;
  const suffix = cat(
    lit(',"processID":"p'), 'pid', lit('","warnings":'),
    `CASE WHEN coalesce(parent_id, 0) <> 0 AND parent_id NOT IN (SELECT span_id FROM t) THEN ${cat(lit('["invalid parent span IDs='), hex('parent_id'), lit('; skipping clock skew adjustment"]'))} ELSE 'null' END`,
    lit(',"flags":'), 'fl', `'}'`,
  );
  // The spans' texts are joined by the engine in GROUPS runs of start time (one string_agg each, side by
  // side on its threads): the reader then takes a few dozen blobs instead of a value per span (a native
  // call and a copy per span were ~0.5 s of the ingest worker's time for 100,000 spans). A span with
  // events has a 0x01 byte where its logs go: raw control bytes never occur in JSON text.
  const [lo, hi] = range.startNs;
  const width = (hi - lo) / BigInt(GROUPS) + 1n;
  const sql = `WITH t AS MATERIALIZED (
      SELECT start_ns, span_id, parent_id, kind, ${special.join(' OR ')} AS odd, ${head} AS head,
        CASE WHEN coalesce(events, '') <> '' THEN events END AS events, ${resource} AS res, coalesce(flags, 0) & 255 AS fl
      FROM spans WHERE ${range.where}),
    p AS (SELECT res, row_number() OVER (ORDER BY min(${FIRST})) AS pid FROM t GROUP BY res)
    SELECT 0 AS part, (start_ns - ${lo}) // ${width} AS pos, NULL AS pos2,
      encode(string_agg(concat(head, CASE WHEN events IS NULL THEN '[]' ELSE chr(1) END, ${suffix}), ',' ORDER BY start_ns, span_id)) AS text,
      NULL AS json, bool_or(odd OR kind = 2 AND span_id IN (SELECT span_id FROM t WHERE kind = 3)) AS odd
    FROM t JOIN p USING (res) GROUP BY pos
    UNION ALL SELECT 1, start_ns, span_id, NULL, events, false FROM t WHERE events IS NOT NULL
    UNION ALL SELECT 2, pid, NULL, NULL, res, false FROM p
    ORDER BY part, pos, pos2`;
  const result = await conn.run(sql);
  const spans: Uint8Array[] = [];
  const events: string[] = [];
  const processes: string[] = [];
  for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
    const [part, text, json, odd] = [0, 3, 4, 5].map((i) => chunk.getColumnVector(i));
    for (let r = 0; r < chunk.rowCount; r++) {
      if (odd!.getItem(r) === true) return 'use-columns';
      // The bytes as the engine hands them over (getRowsJS would copy them once more).
      if (part!.getItem(r) === 0) spans.push((text as DuckDBBlobVector).getItemBytes(r)!);
      else (part!.getItem(r) === 1 ? events : processes).push(json!.getItem(r) as string);
    }
  }
  if (spans.length === 0) return 'not-found';
  return { traceId, spans, events, processes, resourceKeys: resAttrs.map((a) => a.key) };
}

/**
 * (start_ns, span_id) as one HUGEINT in the same order, for the processes' first appearance: min() of a
 * list value per span was half the statement's time (EXPLAIN ANALYZE: 0.58 s of HASH_GROUP_BY).
 */
const FIRST = 'start_ns::HUGEINT * 18446744073709551616 + (span_id::HUGEINT + 9223372036854775808)';
/** Runs of start time whose spans the engine joins into one text each. */
const GROUPS = 64;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;
