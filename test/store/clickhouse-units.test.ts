/** The ClickHouse store's pure parts: URL parsing, TSV escaping, releases. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { releaseOf, tooOld, ttlClause } from '../../src/store/clickhouse/dialect.js';
import { refusedSyntax } from '../../src/store/clickhouse/client.js';
import { escapeTsv } from '../../src/store/clickhouse/encode-tsv.js';
import { quoteIdent, quoteString } from '../../src/store/clickhouse/schema.js';
import { parseClickHouseUrl } from '../../src/store/clickhouse/store-url.js';

describe('ClickHouse store parts', () => {
  it('parses clickhouse:// URLs with defaults, credentials and IPv6', () => {
    assert.deepEqual(parseClickHouseUrl('clickhouse://db.internal'), { url: 'http://db.internal:8123', database: 'honeyray' });
    assert.deepEqual(parseClickHouseUrl('clickhouse://u:p%40ss@127.0.0.1:18123/traces'), { url: 'http://127.0.0.1:18123', database: 'traces', user: 'u', password: 'p@ss' });
    assert.equal(parseClickHouseUrl('clickhouses://[::1]/t').url, 'https://[::1]:8443');
    assert.throws(() => parseClickHouseUrl('http://x/y'), /want clickhouse:\/\//);
    assert.throws(() => parseClickHouseUrl('clickhouse://x/a-b'), /database name/);
  });

  it('parses cluster URLs: every shard, the first being the entry', () => {
    assert.deepEqual(parseClickHouseUrl('clickhouse://u@10.0.0.1,10.0.0.2:9123/traces?cluster=hr'),
      { url: 'http://10.0.0.1:8123', database: 'traces', user: 'u', cluster: 'hr', shards: ['http://10.0.0.1:8123', 'http://10.0.0.2:9123'] });
    assert.throws(() => parseClickHouseUrl('clickhouse://a,b/db'), /cluster=NAME/);
    assert.throws(() => parseClickHouseUrl('clickhouse://a/db?cluster=x-y'), /cluster=NAME/);
    assert.throws(() => parseClickHouseUrl('clickhouse://a/db?shards=2'), /unknown parameter/);
  });

  it('escapes TSV cells and SQL literals the ClickHouse way', () => {
    assert.equal(escapeTsv('plain'), 'plain');
    assert.equal(escapeTsv('a\tb\nc\\d\re'), 'a\\tb\\nc\\\\d\\re');
    assert.equal(quoteString("it's \\ x"), "'it\\'s \\\\ x'");
    assert.equal(quoteIdent('a:x`y\\z'), '`a:x\\`y\\\\z`');
  });

  it('finds a second statement or SETTINGS only outside literals, identifiers and comments', () => {
    assert.equal(refusedSyntax('SELECT 1; DROP TABLE meta'), 'separator');
    assert.equal(refusedSyntax("SELECT ';' AS a, 'it\\'s;' AS b, 'x'';' AS c, `a;b` AS d, \"settings\" -- ; settings\n /* ; */ FROM t"), null);
    assert.equal(refusedSyntax("SELECT 'a' /* x */; SELECT 2"), 'separator');
    assert.equal(refusedSyntax('SELECT 1 settings readonly = 0'), 'settings');
    assert.equal(refusedSyntax('SELECT my_settings FROM t'), null);
    assert.equal(refusedSyntax("SELECT 'unterminated;"), null);
  });

  it('knows which release has what', () => {
    assert.deepEqual(releaseOf('18.16.1'), { version: '18.16.1', major: 18, ttl: false, mutationsSync: false });
    assert.equal(releaseOf('26.7.2.1').ttl, true);
    assert.equal(tooOld(releaseOf('18.14.9')), true);
    assert.equal(tooOld(releaseOf('18.16.1')), false);
    assert.equal(ttlClause(releaseOf('18.16.1'), 7)('d'), '');
    assert.equal(ttlClause(releaseOf('24.3.1'), 7)('d'), ' TTL d + INTERVAL 7 DAY');
  });
});
