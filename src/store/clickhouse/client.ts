/**
 * How the ClickHouse store talks to an engine: three calls, SQL text in, JSON rows out. Two
 * implementations run the same SQL: `HttpClient` (a ClickHouse server over its HTTP interface, any
 * release from 18.16 on) and `ChdbClient` (ClickHouse 26.x in-process through the npm `chdb` package).
 *
 * HttpClient is a thin layer over Node's fetch rather than `@clickhouse/client`: the official client
 * takes raw-format inserts (TabSeparated) only as object-mode-free streams, logs every failed query to
 * the console by itself, and its query parameters and sessions are not understood by 18.16. Here a
 * request is one POST: the statement in the URL, the TSV rows as the body.
 */

export interface ChClient {
  /** A SELECT; rows as JSON objects (64-bit integers arrive as decimal strings). */
  query(sql: string): Promise<Record<string, unknown>[]>;
  /** The same, with the engine refusing writes, DDL, setting changes and table functions (`readonly = 1`). */
  queryReadOnly(sql: string): Promise<Record<string, unknown>[]>;
  /** DDL or INSERT ... SELECT: no result. */
  command(sql: string): Promise<void>;
  /** `INSERT INTO table (columns) FORMAT TabSeparated` with `tsv` as the data. */
  insertTsv(table: string, columns: readonly string[], tsv: string): Promise<void>;
  /**
   * `INSERT INTO table (columns) FORMAT Native` with `body` (encode-native.ts) as the data, where the
   * engine takes binary bodies (HTTP); absent otherwise (chdb takes SQL text only: TabSeparated there).
   */
  insertNative?(table: string, columns: readonly string[], body: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

/** The engine refused a statement (bad SQL, unknown table, ...): `code` is ClickHouse's error code. */
export class ClickHouseError extends Error {
  constructor(message: string, readonly code: number, readonly detail: string) {
    super(message);
    this.name = 'ClickHouseError';
  }
}

/** The server could not be reached or did not answer: retry later (503 to exporters). */
export class ClickHouseUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ClickHouseUnavailableError';
  }
}

/** `Code: 60, e.displayText() = DB::Exception: ...` (18.16) or `Code: 60. DB::Exception: ...` (26.x). */
export function parseEngineError(text: string): ClickHouseError {
  const m = /Code:\s*(\d+)/.exec(text);
  const code = m ? Number(m[1]) : 0;
  return new ClickHouseError(`ClickHouse error ${code}`, code, text.trim().slice(0, 2000));
}

export interface HttpClientOptions {
  /** `http://host:8123` */
  url: string;
  database: string;
  user?: string;
  password?: string;
  /** Per-request timeout (ms). */
  timeoutMs?: number;
  /** Settings sent with every request (URL parameters), e.g. cluster mode's `clusterSettings`. */
  settings?: Record<string, string | number>;
}

/**
 * Cluster mode, on every request. `insert_distributed_sync`: an INSERT into a Distributed table returns
 * once every shard has written its rows (not when they are queued on the entry server), so a 200 still
 * means durable. `distributed_product_mode = local`: an IN subquery over a Distributed table, inside a
 * query over another, reads each shard's local table: right here because every table a subquery reads
 * (`dead`, `spans`) is sharded by trace id like the outer one, and trace-level conditions stay on a shard.
 */
export const clusterSettings = { insert_distributed_sync: 1, distributed_product_mode: 'local' };

export class HttpClient implements ChClient {
  private readonly base: string;
  private readonly headers: Record<string, string>;

  constructor(private readonly o: HttpClientOptions) {
    // Newer servers write 64-bit integers in JSON as numbers: JSON.parse would round ids and times.
    this.base = this.root() + '&database=' + encodeURIComponent(o.database);
    this.headers = {};
    if (o.user) this.headers['x-clickhouse-user'] = o.user;
    if (o.password) this.headers['x-clickhouse-key'] = o.password;
  }

  /** Without `database=`: for CREATE DATABASE before the database exists. */
  withoutDatabase(): HttpClient {
    const c = new HttpClient(this.o);
    (c as unknown as { base: string }).base = this.root();
    return c;
  }

  private root(): string {
    const extra = Object.entries(this.o.settings ?? {}).map(([k, v]) => `&${k}=${encodeURIComponent(String(v))}`).join('');
    return this.o.url.replace(/\/+$/, '') + '/?output_format_json_quote_64bit_integers=1' + extra;
  }

  async query(sql: string): Promise<Record<string, unknown>[]> {
    return parseJsonEachRow(await this.post(sql + '\nFORMAT JSONEachRow', undefined));
  }

  async queryReadOnly(sql: string): Promise<Record<string, unknown>[]> {
    // A setting in the URL applies to this request only (18.16 has no SETTINGS clause over HTTP sessions).
    return typedRows(await this.post(sql + '\nFORMAT JSON', undefined, '&readonly=1'));
  }

  async command(sql: string): Promise<void> {
    await this.post(sql, undefined);
  }

  async insertTsv(table: string, columns: readonly string[], tsv: string): Promise<void> {
    await this.post(`INSERT INTO ${table} (${columns.join(', ')}) FORMAT TabSeparated`, tsv);
  }

  async insertNative(table: string, columns: readonly string[], body: Uint8Array): Promise<void> {
    await this.post(`INSERT INTO ${table} (${columns.join(', ')}) FORMAT Native`, body);
  }

  async close(): Promise<void> { /* fetch's keep-alive sockets close when idle */ }

  private async post(statement: string, body: string | Uint8Array | undefined, settings = ''): Promise<string> {
    // A statement with a body goes in the URL (the body is the data); otherwise the statement is the body.
    const url = (body === undefined ? this.base : this.base + '&query=' + encodeURIComponent(statement)) + settings;
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST', headers: this.headers, body: body === undefined ? statement : (body as string | Uint8Array<ArrayBuffer>), // Buffers are never on a SharedArrayBuffer here
        signal: AbortSignal.timeout(this.o.timeoutMs ?? 60_000),
      });
    } catch (err) {
      throw new ClickHouseUnavailableError(`ClickHouse at ${this.o.url} is unreachable`, { cause: err });
    }
    const text = await res.text().catch((err: unknown) => {
      throw new ClickHouseUnavailableError(`ClickHouse at ${this.o.url} closed the connection`, { cause: err });
    });
    if (res.ok) return text;
    if (res.status === 503 || res.status === 502 || res.status === 504) throw new ClickHouseUnavailableError(`ClickHouse at ${this.o.url} answered ${res.status}`);
    throw parseEngineError(text);
  }
}

/**
 * Rows of FORMAT JSON with 64-bit integer columns as bigints (JSON carries them as strings), as
 * DuckDB's reader gives them: callers of select() see the same value types on every engine.
 */
export function typedRows(text: string): Record<string, unknown>[] {
  const doc = JSON.parse(text) as { meta: { name: string; type: string }[]; data: Record<string, unknown>[] };
  const big = doc.meta.filter((m) => /^(Nullable\()?U?Int(64|128|256)\)?$/.test(m.type)).map((m) => m.name);
  if (big.length) for (const r of doc.data) for (const k of big) if (typeof r[k] === 'string') r[k] = BigInt(r[k] as string);
  return doc.data;
}

export function parseJsonEachRow(text: string): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  let start = 0;
  for (;;) {
    const nl = text.indexOf('\n', start);
    const line = nl < 0 ? text.slice(start) : text.slice(start, nl);
    if (line.trim() !== '') rows.push(JSON.parse(line) as Record<string, unknown>);
    if (nl < 0) return rows;
    start = nl + 1;
  }
}

/** The part of chdb's Session this store uses (chdb is an optional dependency: imported lazily). */
interface ChdbSession {
  queryAsync(query: string, opts?: { format?: string }): Promise<{ text(): string }>;
  close(): void;
}

/**
 * ClickHouse 26.x in-process (npm `chdb`), data in `path`. chdb allows one session per process at a
 * time, so a second store on another path in the same process fails to open.
 */
export class ChdbClient implements ChClient {
  private constructor(private readonly session: ChdbSession) {}

  static async open(path: string): Promise<ChdbClient> {
    let mod: { Session: new (path: string, opts: { connectionArgs: string[] }) => ChdbSession };
    try {
      mod = (await import('chdb')) as unknown as typeof mod;
    } catch (err) {
      throw new Error('the chdb engine needs the npm package chdb (npm install chdb)', { cause: err });
    }
    // 26.x writes 64-bit integers in JSON as numbers by default (18.16 as strings): JSON.parse would
    // round ids and nanosecond times, so ask for strings as the HTTP server gives by default.
    return new ChdbClient(new mod.Session(path, { connectionArgs: ['--output_format_json_quote_64bit_integers=1'] }));
  }

  async query(sql: string): Promise<Record<string, unknown>[]> {
    return parseJsonEachRow((await this.run(sql, 'JSONEachRow')).text());
  }

  async queryReadOnly(sql: string): Promise<Record<string, unknown>[]> {
    try {
      return typedRows((await this.session.queryAsync(`${sql}\nSETTINGS readonly = 1`, { format: 'JSON' })).text());
    } catch (err) {
      throw parseEngineError((err as Error).message ?? String(err));
    }
  }

  async command(sql: string): Promise<void> {
    await this.run(sql, 'TabSeparated');
  }

  async insertTsv(table: string, columns: readonly string[], tsv: string): Promise<void> {
    await this.run(`INSERT INTO ${table} (${columns.join(', ')}) FORMAT TabSeparated\n${tsv}`, 'TabSeparated');
  }

  async close(): Promise<void> {
    this.session.close();
  }

  private async run(sql: string, format: string): Promise<{ text(): string }> {
    try {
      return await this.session.queryAsync(sql, { format });
    } catch (err) {
      throw parseEngineError((err as Error).message ?? String(err));
    }
  }
}

/**
 * What select() refuses before the engine sees it, found outside string literals, quoted identifiers
 * and comments (ClickHouse lexing: backslash escapes and doubled quotes, `--`/`#` line comments, block
 * comments): a `;` (chdb runs several statements, and a SETTINGS clause binds only the last), and the
 * SETTINGS keyword (on 26.x a subquery's `SETTINGS readonly = 0` lifts the outer read-only setting).
 */
export function refusedSyntax(sql: string): 'separator' | 'settings' | null {
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i]!;
    if (c === ';') return 'separator';
    if (c === "'" || c === '"' || c === '`') {
      for (i++; i < sql.length; i++) {
        if (sql[i] === '\\') i++;
        else if (sql[i] === c) {
          if (sql[i + 1] === c) i++;
          else break;
        }
      }
    } else if ((c === '-' && sql[i + 1] === '-') || c === '#') {
      while (i < sql.length && sql[i] !== '\n') i++;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 1;
    } else if (/[A-Za-z_]/.test(c)) {
      let j = i;
      while (j < sql.length && /[A-Za-z0-9_]/.test(sql[j]!)) j++;
      if (sql.slice(i, j).toUpperCase() === 'SETTINGS') return 'settings';
      i = j - 1;
    }
  }
  return null;
}
