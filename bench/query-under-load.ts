/**
 * bench:query's "reads under full ingest" section (`--under-load`): the same read probes (health, stats,
 * services, trace by id, a Honeycomb query) timed first on the idle server, then while bench:ingest's load
 * generator (a second process, 8 connections of the 512-span request, full speed) keeps the ingest path
 * saturated. Both figures come from the same run, so the ratio is what ingest costs a reader.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

export interface Probe {
  name: string;
  run: () => Promise<number>;
}

export interface ProbeFigures {
  name: string;
  idle: number;
  median: number;
  p99: number;
  max: number;
  count: number;
  failures: number;
}

interface LoadgenResult { acked: number; elapsed: number; p99: number; statuses: Record<string, number> }

const PAYLOAD = resolve('test/fixtures/wire/otel/payload_512.pb');

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
};

async function timed(p: Probe): Promise<{ ms: number; ok: boolean }> {
  const t0 = performance.now();
  const status = await p.run().catch(() => 0);
  return { ms: performance.now() - t0, ok: status >= 200 && status < 300 };
}

/** Probes round-robin for `seconds` of full ingest; each probe's idle median is measured first. */
export async function underLoad(otlpUrl: string, probes: Probe[], seconds: number): Promise<{ figures: ProbeFigures[]; ingest: LoadgenResult }> {
  const idle = new Map<string, number>();
  for (const p of probes) {
    await timed(p);
    const xs: number[] = [];
    for (let i = 0; i < 5; i++) xs.push((await timed(p)).ms);
    idle.set(p.name, quantile(xs, 0.5));
  }
  const gen = spawn(process.execPath, ['dist/bench/ingest-loadgen.js', otlpUrl, String(seconds), '8', PAYLOAD, 'otlp-http'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  gen.stdout!.on('data', (d) => (out += d));
  let running = true;
  const exited = new Promise<void>((r) => gen.once('exit', () => { running = false; r(); }));
  // Let the load reach its steady state (queues full) before the first probe.
  await new Promise((r) => setTimeout(r, 2000));
  const samples = new Map<string, { ms: number[]; failures: number }>(probes.map((p) => [p.name, { ms: [], failures: 0 }]));
  while (running) {
    for (const p of probes) {
      if (!running) break;
      const r = await timed(p);
      const s = samples.get(p.name)!;
      s.ms.push(r.ms);
      if (!r.ok) s.failures++;
      await new Promise((res) => setTimeout(res, 25));
    }
  }
  await exited;
  const ingest = JSON.parse(out.trim()) as LoadgenResult;
  const figures = probes.map((p) => {
    const s = samples.get(p.name)!;
    return { name: p.name, idle: idle.get(p.name)!, median: quantile(s.ms, 0.5), p99: quantile(s.ms, 0.99), max: Math.max(...s.ms), count: s.ms.length, failures: s.failures };
  });
  return { figures, ingest };
}

export function printUnderLoad(r: { figures: ProbeFigures[]; ingest: LoadgenResult }): void {
  const rate = r.ingest.acked / r.ingest.elapsed;
  console.log(`\nreads under full ingest (${rate.toFixed(0)} spans/s acknowledged meanwhile, ingest p99 ${r.ingest.p99.toFixed(0)} ms, ${JSON.stringify(r.ingest.statuses)}); target < 500 ms`);
  console.log(`${'probe'.padEnd(40)} ${'idle ms'.padStart(9)} ${'median ms'.padStart(10)} ${'p99 ms'.padStart(9)} ${'max ms'.padStart(9)} ${'ratio'.padStart(6)} ${'n'.padStart(5)}`);
  for (const f of r.figures) {
    console.log(`${f.name.padEnd(40)} ${f.idle.toFixed(1).padStart(9)} ${f.median.toFixed(1).padStart(10)} ${f.p99.toFixed(1).padStart(9)} ${f.max.toFixed(1).padStart(9)} ${(f.median / f.idle).toFixed(1).padStart(6)} ${String(f.count).padStart(5)}${f.failures ? `  (${f.failures} failed)` : ''}`);
  }
}
