import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, FLAGS, envName, helpText, loadConfig } from '../../src/app/config.js';

describe('configuration', () => {
  it('has defaults for everything, 127.0.0.1 and the well-known ports', () => {
    const { config, positionals, help } = loadConfig([], {});
    assert.equal(config.listen, '127.0.0.1');
    assert.equal(config.otlpPort, 4318);
    assert.equal(config.httpPort, 16686);
    assert.equal(config.xrayPort, 2000);
    assert.deepEqual(config.apiKeys, []);
    assert.equal(config.maxBodyBytes, 20 * 1024 * 1024);
    assert.equal(config.maxColumns, 2000);
    assert.equal(config.memory, false);
    assert.deepEqual(positionals, []);
    assert.equal(help, false);
  });
  it('reads HONEYRAY_<FLAG> env vars, and flags win over them', () => {
    const env = { HONEYRAY_DATA_DIR: '/var/lib/hr', HONEYRAY_API_KEYS: 'a, b', HONEYRAY_OTLP_PORT: '5318', HONEYRAY_MEMORY: 'true' };
    const { config } = loadConfig(['serve', '--otlp-port', '6318', '--listen', '0.0.0.0'], env);
    assert.equal(config.dataDir, '/var/lib/hr');
    assert.deepEqual(config.apiKeys, ['a', 'b']);
    assert.equal(config.otlpPort, 6318);
    assert.equal(config.listen, '0.0.0.0');
    assert.equal(config.memory, true);
  });
  it('refuses bad values and unknown flags with a clear message', () => {
    assert.throws(() => loadConfig(['--otlp-port', '70000'], {}), (e: Error) => e instanceof ConfigError && /--otlp-port \(HONEYRAY_OTLP_PORT\)/.test(e.message));
    assert.throws(() => loadConfig([], { HONEYRAY_MAX_BODY: 'lots' }), ConfigError);
    assert.throws(() => loadConfig(['--log-level', 'loud'], {}), ConfigError);
    assert.throws(() => loadConfig(['--no-such-flag'], {}), ConfigError);
  });
  it('--help lists every flag with its env var and default', () => {
    const text = helpText();
    for (const [name, f] of Object.entries(FLAGS)) {
      assert.ok(text.includes(`--${name}`), name);
      assert.ok(text.includes(envName(name)), name);
      assert.ok(text.includes(JSON.stringify(f.default)), name);
    }
    assert.equal(loadConfig(['--help'], {}).help, true);
  });
});
