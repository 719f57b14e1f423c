/**
 * `node dist/bench/grpc-receive.js [seconds] [rounds]`: what receiving one 512-span OTLP request costs the
 * server's CPU, by transport alone (no decode, no store: each server reads the body and answers at once):
 *   - grpc-js: @grpc/grpc-js with a pass-through method, as src/receivers/otlp-grpc does;
 *   - node:http2 by hand: a unary gRPC answer written on node:http2 directly (5-byte prefix, grpc-status
 *     trailer), what a hand-written gRPC server would cost at best;
 *   - node:http: OTLP/HTTP's transport, the baseline.
 * Each server is a child process loaded by bench:ingest's own load generator (8 connections), the kinds
 * alternating for `rounds` rounds; the median round is printed with the ratio to node:http in the same round.
 * It answers the question issue 8 leaves open ("use a well-kept gRPC library unless a benchmark shows a
 * hand-written HTTP/2 server is what makes it fast"): see docs/benchmarks.md, "OTLP/gRPC against OTLP/HTTP".
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import http2 from 'node:http2';
import { resolve } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { freePort } from '../test/helpers/server-process.js';
import { cpuSeconds } from './bench-process.js';

const EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
const PAYLOAD = resolve('test/fixtures/wire/otel/payload_512.pb');
const KINDS = ['grpc-js', 'node:http2 by hand', 'node:http'] as const;
type Kind = (typeof KINDS)[number];

/** Keeps the body reachable so nothing is optimised away. */
let lastLength = 0;

/** The child: one server of `kind`, printing `ready` once it listens. */
function serve(kind: Kind, port: number): void {
  const ready = () => process.stdout.write('ready\n');
  if (kind === 'grpc-js') {
    const id = (b: Buffer) => b;
    const server = new grpc.Server({ 'grpc.max_receive_message_length': 64 << 20 });
    server.addService({ Export: { path: EXPORT_PATH, requestStream: false, responseStream: false, requestSerialize: id, requestDeserialize: id, responseSerialize: id, responseDeserialize: id } },
      { Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => { lastLength = call.request.length; cb(null, Buffer.alloc(0)); } });
    server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), ready);
  } else if (kind === 'node:http2 by hand') {
    const empty = Buffer.from([0, 0, 0, 0, 0]); // uncompressed, zero-length ExportTraceServiceResponse
    http2.createServer().on('stream', (stream) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        lastLength = Buffer.concat(chunks).subarray(5).length;
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
        stream.end(empty);
      });
    }).listen(port, '127.0.0.1', ready);
  } else {
    http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => { lastLength = Buffer.concat(chunks).length; res.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-length': 0 }).end(); });
    }).listen(port, '127.0.0.1', ready);
  }
}

/** Runs the load generator against `url` for `seconds`; its JSON line. */
async function load(url: string, protocol: string, seconds: number): Promise<{ requests: number; cpuSeconds: number }> {
  const gen = spawn(process.execPath, ['dist/bench/ingest-loadgen.js', url, String(seconds), '8', PAYLOAD, protocol], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  gen.stdout!.on('data', (d) => (out += d));
  await new Promise((r) => gen.once('exit', r));
  return JSON.parse(out.trim()) as { requests: number; cpuSeconds: number };
}

/** Server and client CPU ms per request of one kind: a fresh child, 1 s of warm-up, then `seconds` measured. */
async function measure(kind: Kind, seconds: number): Promise<{ server: number; client: number; requests: number }> {
  const port = await freePort();
  const child = spawn(process.execPath, [process.argv[1]!, '--serve', kind, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((r) => child.stdout!.once('data', () => r()));
  const [url, protocol] = kind === 'node:http' ? [`http://127.0.0.1:${port}/v1/traces`, 'otlp-http'] : [`http://127.0.0.1:${port}`, 'otlp-grpc'];
  try {
    await load(url, protocol, 1);
    const cpu0 = cpuSeconds(child.pid!);
    const r = await load(url, protocol, seconds);
    const server = cpuSeconds(child.pid!) - cpu0;
    return { server: (1000 * server) / r.requests, client: (1000 * r.cpuSeconds) / r.requests, requests: r.requests };
  } finally {
    child.kill();
  }
}

async function main(): Promise<void> {
  const [seconds = 5, rounds = 5] = process.argv.slice(2).map(Number);
  console.log(`bench:grpc-receive: server CPU per 512-span request by transport, no decode or store; ${rounds} rounds of ${seconds}s per kind, alternating`);
  const runs = new Map<Kind, { server: number; client: number; ratio: number }[]>(KINDS.map((k) => [k, []]));
  for (let i = 0; i < rounds; i++) {
    const round = new Map<Kind, Awaited<ReturnType<typeof measure>>>();
    for (const k of KINDS) round.set(k, await measure(k, seconds));
    const base = round.get('node:http')!.server;
    for (const [k, m] of round) runs.get(k)!.push({ server: m.server, client: m.client, ratio: m.server / base });
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`${'transport'.padEnd(20)} ${'server ms/req'.padStart(14)} ${'ratio to node:http'.padStart(19)} ${'client ms/req'.padStart(14)}  rounds (server ms/req)`);
  for (const [k, xs] of runs) {
    console.log(`${k.padEnd(20)} ${med(xs.map((x) => x.server)).toFixed(3).padStart(14)} ${med(xs.map((x) => x.ratio)).toFixed(2).padStart(19)} ${med(xs.map((x) => x.client)).toFixed(3).padStart(14)}  ${xs.map((x) => x.server.toFixed(3)).join(' / ')}`);
  }
}

if (process.argv[2] === '--serve') serve(process.argv[3] as Kind, Number(process.argv[4]));
else main().catch((err) => { console.error(err); process.exit(1); });
