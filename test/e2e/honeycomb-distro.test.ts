/**
 * Honeycomb's OpenTelemetry distro for Node (`@honeycombio/opentelemetry-node`) with HONEYCOMB_API_ENDPOINT
 * pointing at Honeyray and nothing else changed: its default http/protobuf exporter sends to
 * `<endpoint>/v1/traces` with `x-honeycomb-team`, which Honeyray answers on the UI/API port; its grpc protocol
 * against the gRPC port. `/1/auth` (what the distro asks for its local trace links) answers on the same port.
 * Each case runs in a child process: the distro registers global OTel state.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { removeDir, startServer, type RunningServer } from '../helpers/server-process.js';
import { jaegerTrace, tagOf } from '../helpers/jaeger-read.js';

const run = promisify(execFile);

/** The app: the distro as its README shows, one span with a child, then shutdown (flushes). Prints the trace id. */
const APP = `
const { HoneycombSDK } = require('@honeycombio/opentelemetry-node');
// The distro pins its own @opentelemetry/api (1.8) under its folder; an app that installs only the distro
// gets that one, so take it from there (this repository's newer top-level copy sees no global provider).
const { trace } = require(require.resolve('@opentelemetry/api', { paths: [require.resolve('@honeycombio/opentelemetry-node')] }));
const sdk = new HoneycombSDK({ serviceName: process.env.SVC });
sdk.start();
const tracer = trace.getTracer('distro-e2e');
tracer.startActiveSpan('distro-root', (root) => {
  tracer.startActiveSpan('distro-child', (c) => { c.setAttribute('app.answer', 42); c.end(); });
  root.end();
  process.stdout.write(root.spanContext().traceId);
});
sdk.shutdown().catch((e) => { console.error(e); process.exit(1); });
`;

describe('Honeycomb distro (@honeycombio/opentelemetry-node) -> Honeyray', () => {
  let srv: RunningServer;
  before(async () => { srv = await startServer({ args: ['--api-keys', 'distro-key'] }); });
  after(async () => { await srv.stop(); removeDir(srv.dataDir); });

  const cases: [string, (s: RunningServer) => Record<string, string>][] = [
    ['HONEYCOMB_API_ENDPOINT only (http/protobuf, the default)', (s) => ({ HONEYCOMB_API_ENDPOINT: s.http })],
    ['OTEL_EXPORTER_OTLP_PROTOCOL=grpc to the gRPC port', (s) => ({ HONEYCOMB_API_ENDPOINT: `http://127.0.0.1:${s.grpcPort}`, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })],
  ];
  for (const [name, env] of cases) {
    it(name, async () => {
      const svc = `distro-${name.includes('grpc') ? 'grpc' : 'http'}`;
      const { stdout } = await run(process.execPath, ['-e', APP], { env: { ...process.env, HONEYCOMB_API_KEY: 'distro-key', SVC: svc, ...env(srv) }, timeout: 30_000 });
      const traceId = stdout.trim();
      assert.match(traceId, /^[0-9a-f]{32}$/);
      const t = await jaegerTrace(srv.http, traceId, 2, () => true, { 'x-honeycomb-team': 'distro-key' });
      const child = t.spans.find((s) => s.operationName === 'distro-child')!;
      const root = t.spans.find((s) => s.operationName === 'distro-root')!;
      assert.deepEqual(child.references.map((r) => r.spanID), [root.spanID]);
      assert.equal(tagOf(child, 'app.answer'), 42);
      assert.equal(t.processes[child.processID]!.serviceName, svc);
      assert.equal(tagOf(t.processes[child.processID]!, 'honeycomb.distro.version') !== undefined, true, 'the distro resource attributes');
    });
  }

  it('/1/auth answers the distro\'s key check on the same endpoint', async () => {
    const r = await fetch(`${srv.http}/1/auth`, { headers: { 'x-honeycomb-team': 'distro-key' } });
    assert.equal(r.status, 200);
    const body = (await r.json()) as { team?: { slug?: string }; environment?: { slug?: string } };
    assert.ok(body.team?.slug);
    assert.ok(body.environment?.slug);
  });

  it("its local-visualization trace links open the trace in Honeyray once their host is Honeyray's", async () => {
    // The distro's own link builder (local-exporter.js); it fills in team and environment from /1/auth.
    const { buildTraceUrl } = createRequire(import.meta.url)('@honeycombio/opentelemetry-node/dist/src/local-exporter.js') as { buildTraceUrl(key: string, svc: string, team: string, env?: string): string };
    const auth = (await (await fetch(`${srv.http}/1/auth`, { headers: { 'x-honeycomb-team': 'distro-key' } })).json()) as { team: { slug: string }; environment: { slug: string } };
    const traceId = '5f84c7a11234567890abcdef12345678'; // the exporter appends the root span's trace id
    // An environment key (the usual kind) and a classic 32-character key make the two shapes it prints.
    const links = [buildTraceUrl('distro-key', 'distro-links', auth.team.slug, auth.environment.slug), buildTraceUrl('a'.repeat(32), 'distro-links', auth.team.slug)];
    assert.match(links[0]!, /^https:\/\/ui\.honeycomb\.io\/honeyray\/environments\/local\/datasets\/distro-links\/trace\?trace_id$/);
    assert.match(links[1]!, /^https:\/\/ui\.honeycomb\.io\/honeyray\/datasets\/distro-links\/trace\?trace_id$/);
    for (const link of links) {
      for (const base of [srv.http, srv.otlp]) {
        const url = `${link}=${traceId}`.replace('https://ui.honeycomb.io', base);
        const r = await fetch(url, { redirect: 'manual', headers: { 'x-honeycomb-team': 'distro-key' } }); // keys are on: reads need one too
        assert.equal(r.status, 302, url);
        assert.equal(r.headers.get('location'), `${srv.http}/trace/${traceId}`);
      }
    }
    const page = await fetch(`${srv.http}/honeyray/environments/local/datasets/distro-links/trace?trace_id=${traceId}`, { headers: { 'x-honeycomb-team': 'distro-key' } });
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.equal((await fetch(`${srv.http}/honeyray/datasets/x/trace?trace_id=nothex`, { redirect: 'manual', headers: { 'x-honeycomb-team': 'distro-key' } })).status, 400);
  });
});
