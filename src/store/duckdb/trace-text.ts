import type { DuckDBConnection, DuckDBBlobVector, DuckDBVarCharVector } from '@duckdb/node-api';
import { SPAN_KIND_NAMES } from '../../model/span.js';
import { quoteString } from '../sql-quote.js';
import type { JaegerTraceText } from '../store.js';
import type { Catalog } from './catalog.js';

/**
 * A big trace's Jaeger span JSON written by the engine (`JaegerTraceText`, api/jaeger/jaeger-json.ts
 * finishes it). Why the engine writes text: converting a 100,000-span trace's ~2.5M column values to JS
 * through `@duckdb/node-api` (a native call and a TextDecoder per string, a closure per value) was most of
 * the 3.4 s answer (10M spans, quiet machine: engine 0.41 s); DuckDB builds the same text vectorized, on
 * its threads, and each span crosses as one BLOB (no UTF-8 decode). What needs JS stays in JS: the process
 * numbering (`resources`), span events as Jaeger logs (`events`). Spans this SQL does not render exactly as
 * the column path does (links, overflow attributes, Zipkin shared span ids, span id 0, integers past 2^53,
 * doubles JS prints in exponent form) make the whole read answer 'use-columns'.
 *
 * One difference in bytes, none in value: DuckDB's `to_json` escapes control characters other than
 * \b \t \n \f \r with upper-case hex (`\u001F`, JSON.stringify: `\u001f`).
 */
export async function readTraceText(conn: DuckDBConnection, catalog: Catalog, column: (key: string) => string | null, traceId: string, where: string): Promise<JaegerTraceText | 'not-found' | 'use-columns'> {
  const tid = quoteString(traceId.startsWith('0000000000000000') ? traceId.slice(16) : traceId).slice(1, -1);
  const attrs = catalog.all().flatMap((c) => {
    const sql = column(c.key);
    return sql === null ? [] : [{ key: c.key, type: c.type, resource: c.origin === 'resource', sql }];
  });
  const spanAttrs = attrs.filter((a) => !a.resource);
  const resAttrs = attrs.filter((a) => a.resource);
  // Spans written otherwise by the column path (Zipkin shared span ids, rewritten by dedupeSharedSpanIds,
  // are checked in the outer statement).
  const special: string[] = ['coalesce(links, \'\') <> \'\'', 'attrs_overflow IS NOT NULL', 'span_id = 0'];
  const tags: string[] = [];
  for (const a of spanAttrs) {
    const head = `'{"key":${sqlText(JSON.stringify(a.key))},"type":`;
    if (a.type === 'string') tags.push(`CASE WHEN ${a.sql} IS NOT NULL THEN ${head}"string","value":' || CAST(to_json(${a.sql}) AS VARCHAR) || '}' END`);
    else if (a.type === 'bool') tags.push(`CASE WHEN ${a.sql} THEN ${head}"bool","value":true}' WHEN NOT ${a.sql} THEN ${head}"bool","value":false}' END`);
    else if (a.type === 'int') {
      tags.push(`CASE WHEN ${a.sql} IS NOT NULL THEN ${head}"int64","value":' || ${a.sql} || '}' END`);
      special.push(`coalesce(abs(${a.sql}) > ${MAX_SAFE}, false)`);
    } else {
      // JS: an integral double is "int64" and prints as an integer; others print in the shortest form,
      // which DuckDB's VARCHAR cast gives too between 1e-4 and 2^52 (past that every double is integral).
      const integral = `(${a.sql} = trunc(${a.sql}) AND abs(${a.sql}) <= ${MAX_SAFE})`;
      tags.push(`CASE WHEN ${a.sql} IS NULL THEN NULL WHEN ${integral} THEN ${head}"int64","value":' || CAST(${a.sql} AS BIGINT) || '}' ELSE ${head}"float64","value":' || CAST(${a.sql} AS VARCHAR) || '}' END`);
      special.push(`coalesce(isnan(${a.sql}) OR isinf(${a.sql}) OR NOT ${integral} AND abs(${a.sql}) < 0.0001, false)`);
    }
  }
  const fixed = (key: string, value: string) => `'{"key":"${key}","type":"string","value":' || ${value} || '}'`;
  const textTag = (key: string, col: string) => `CASE WHEN coalesce(${col}, '') <> '' THEN ${fixed(key, `CAST(to_json(${col}) AS VARCHAR)`)} END`;
  tags.push(
    `CASE WHEN kind <> 0 THEN ${fixed('span.kind', `'"' || CASE kind ${SPAN_KIND_NAMES.map((n, i) => `WHEN ${i} THEN '${n}'`).join(' ')} ELSE '' END || '"'`)} END`,
    `CASE status_code WHEN 1 THEN ${fixed('otel.status_code', `'"OK"'`)} WHEN 2 THEN ${fixed('otel.status_code', `'"ERROR"'`)} || ',{"key":"error","type":"bool","value":true}' END`,
    textTag('otel.status_description', 'status_message'), textTag('otel.scope.name', 'scope_name'),
    textTag('otel.scope.version', 'scope_version'), textTag('w3c.tracestate', 'trace_state'),
  );
  const hex = (c: string) => `lpad(lower(hex(${c})), 16, '0')`;
  // t: the trace's rows with each span's text up to `"logs":` (the rest needs the process numbers and
  // every span id), materialized once; p: the processes, numbered by first appearance as Jaeger's are.
  const head = `'{"traceID":"${tid}","spanID":"' || ${hex('span_id')} || '","operationName":' || CAST(to_json(coalesce(name, '')) AS VARCHAR)
    || ',"references":[' || CASE WHEN coalesce(parent_id, 0) <> 0 THEN '{"refType":"CHILD_OF","traceID":"${tid}","spanID":"' || ${hex('parent_id')} || '"}' ELSE '' END
    || '],"startTime":' || (start_ns // 1000) || ',"duration":' || (duration_ns // 1000)
    || ',"tags":[' || concat_ws(',', ${tags.join(', ')}) || '],"logs":'`;
  const resource = `CAST(json_array(coalesce(dataset, ''), ${resAttrs.map((a) => a.sql).join(', ') || 'NULL'}) AS VARCHAR)`;
  const suffix = `',"processID":"p' || p.pid || '","warnings":' || CASE WHEN coalesce(parent_id, 0) <> 0 AND parent_id NOT IN (SELECT span_id FROM t)
      THEN '["invalid parent span IDs=' || ${hex('parent_id')} || '; skipping clock skew adjustment"]' ELSE 'null' END
    || ',"flags":' || fl || '}'`;
  const sql = `WITH t AS MATERIALIZED (
      SELECT start_ns, span_id, parent_id, kind, ${special.join(' OR ')} AS odd, ${head} AS head,
        CASE WHEN coalesce(events, '') <> '' THEN events END AS events, ${resource} AS res, coalesce(flags, 0) & 255 AS fl
      FROM spans WHERE ${where}),
    p AS (SELECT res, min([start_ns, span_id]) AS first, row_number() OVER (ORDER BY min([start_ns, span_id])) AS pid FROM t GROUP BY res)
    SELECT CASE WHEN odd OR kind = 2 AND span_id IN (SELECT span_id FROM t WHERE kind = 3) THEN NULL
        ELSE encode(head || CASE WHEN events IS NULL THEN '[]' || ${suffix} ELSE '' END) END,
      CASE WHEN events IS NOT NULL THEN ${suffix} END, events,
      CASE WHEN [start_ns, span_id] = p.first THEN p.res END
    FROM t JOIN p USING (res)
    ORDER BY start_ns, span_id`;
  const result = await conn.run(sql);
  const out = new TextWriter(result.rowCount);
  const logs: JaegerTraceText['logs'] = [];
  const processes: string[] = [];
  let rows = 0;
  for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
    const text = chunk.getColumnVector(0) as DuckDBBlobVector;
    const [rest, events, res] = [1, 2, 3].map((i) => chunk.getColumnVector(i) as DuckDBVarCharVector);
    for (let r = 0; r < chunk.rowCount; r++) {
      const bytes = text.getItemBytes(r);
      if (bytes === null) return 'use-columns';
      if (rows++) out.add(COMMA);
      out.add(bytes);
      const ev = events!.getItem(r);
      if (ev !== null) {
        logs.push({ at: out.pos, events: ev });
        out.add(Buffer.from(rest!.getItem(r)!));
      }
      const p = res!.getItem(r);
      if (p !== null) processes.push(p);
    }
  }
  if (rows === 0) return 'not-found';
  return { traceId, length: rows, spans: out.done(), logs, processes, resourceKeys: resAttrs.map((a) => a.key) };
}

const COMMA = new Uint8Array([44]);
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** A JSON text (ASCII-safe from JSON.stringify) as SQL string literal content. */
function sqlText(json: string): string {
  return quoteString(json).slice(1, -1);
}

/**
 * Bytes appended into one buffer, sized from the first rows for all of them. Fresh memory is what costs
 * here (page faults: a 74 MB trace through a doubling buffer allocated 255 MB, and a final copy to trim it
 * took 0.4 s on the loaded machine), so the buffer is allocated once (grown by half if the estimate was
 * short) and not trimmed: the copy to the main thread takes only what `done()` views.
 */
class TextWriter {
  buf: Uint8Array;
  pos = 0;
  private rows = 0;
  constructor(private readonly totalRows: number) {
    this.buf = new Uint8Array(Math.min(1 << 20, totalRows * 1024));
  }
  add(b: Uint8Array): void {
    this.rows++;
    if (this.pos + b.length > this.buf.length) {
      // Room for the rows left at the average so far, plus an eighth.
      const perRow = (this.pos + b.length) / this.rows;
      const size = Math.ceil(Math.max(this.pos + b.length + perRow * (this.totalRows - this.rows) * 1.125, this.buf.length * 1.5));
      const next = new Uint8Array(size);
      next.set(this.buf.subarray(0, this.pos));
      this.buf = next;
    }
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
  done(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}
