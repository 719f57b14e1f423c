/**
 * `honeyray demo`: the seed's week-2 workflow in one command. Starts Honeyray on a demo data dir,
 * creates the seed's X-Ray group and sampling rule through the X-Ray API (what the seed's
 * `aws xray create-group` / `create-sampling-rule` send), starts the Cruddur backend with both
 * instrumentations, drives realistic traffic (demo-traffic.ts) with a live progress line, prints where
 * to look and what to try, and on Ctrl-C or `--duration` stops everything, flushing every span.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type CommandDef, intFlag, parseCommand, str, type Output } from './command.js';
import { startCruddur, startHoneyray, SEED_RULE_FILE, type Child, type Ports } from './demo-processes.js';
import { driveTraffic, type TrafficCounts } from './demo-traffic.js';
import { CliError } from './http.js';

const HELP = `Usage: honeyray demo [flags]

Runs Honeyray, creates the seed's X-Ray group and sampling rule, starts the Cruddur backend
(examples/cruddur: OpenTelemetry + aws-xray-sdk) and sends it realistic traffic, until Ctrl-C
or --duration. The data stays in --data-dir: \`honeyray serve --data-dir <dir>\` shows it again.

Flags:
  --duration <s>         stop after this many seconds (default: run until Ctrl-C)
  --rate <n>             requests per second (default 15)
  --data-dir <dir>       where Honeyray keeps the demo's data (default ./honeyray-demo-data)
  --http-port <p>        web UI + APIs (default 16686)
  --otlp-port <p>        OTLP/HTTP (default 4318)
  --xray-port <p>        X-Ray daemon, UDP + API (default 2000)
  --app-port <p>         the Cruddur backend (default 4567)
  -h, --help             this text

Example:
  npm run build && node dist/src/cli.js demo --duration 60     # or: npm run demo`;

const HOST = '127.0.0.1';
const WORKERS = 8;
/** How long to wait, at the end, for the last spans to be stored. */
const SETTLE_MS = 8000;

export const demoCommand: CommandDef = {
  name: 'demo',
  summary: 'run Honeyray + the seed\'s Cruddur backend with live traffic (one command)',
  help: HELP,
  async run(argv, out) {
    const p = parseCommand('demo', argv, {
      duration: { type: 'string' }, rate: { type: 'string' }, 'data-dir': { type: 'string' },
      'http-port': { type: 'string' }, 'otlp-port': { type: 'string' }, 'xray-port': { type: 'string' }, 'app-port': { type: 'string' },
    });
    const duration = intFlag(p, 'duration', undefined);
    const rate = intFlag(p, 'rate', 15)!;
    const dataDir = resolve(str(p, 'data-dir') ?? './honeyray-demo-data');
    const ports: Ports = {
      http: intFlag(p, 'http-port', 16686)!, otlp: intFlag(p, 'otlp-port', 4318)!,
      xray: intFlag(p, 'xray-port', 2000)!, app: intFlag(p, 'app-port', 4567)!,
    };
    await runDemo(out, { duration, rate, dataDir, ports });
  },
};

interface DemoOptions { duration?: number; rate: number; dataDir: string; ports: Ports }

async function runDemo(out: Output, o: DemoOptions): Promise<void> {
  const http = `http://${HOST}:${o.ports.http}`;
  const xrayApi = `http://${HOST}:${o.ports.xray}`;
  const children: Child[] = [];
  const stopAll = new AbortController();
  let interrupts = 0;
  const onSignal = () => {
    if (++interrupts > 1) {
      for (const c of children) c.kill();
      process.exit(1);
    }
    stopAll.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    out.line(`Honeyray demo: data in ${o.dataDir}`);
    const honeyray = await startHoneyray(o.dataDir, o.ports, HOST);
    children.push(honeyray);
    out.line(`  Honeyray   web UI + APIs ${http}, OTLP http://${HOST}:${o.ports.otlp}, X-Ray daemon ${HOST}:${o.ports.xray} (UDP + API)`);
    // The seed creates the group and the rule first, then sends traffic: the SDK reads the rules at start.
    out.line(`  X-Ray      ${await createSeedGroupAndRule(xrayApi)}`);
    const cruddur = await startCruddur(o.ports, HOST);
    children.push(cruddur);
    const app = `http://${HOST}:${o.ports.app}`;
    out.line(`  Cruddur    ${app} (backend-flask: OpenTelemetry + aws-xray-sdk, centralized sampling)`);
    out.line('');
    printTryThis(out, http, xrayApi);

    const counts: TrafficCounts = { requests: 0, errors: 0, rejected: 0, continued: [] };
    const started = Date.now();
    const timer = o.duration !== undefined ? setTimeout(() => stopAll.abort(), o.duration * 1000) : undefined;
    const progress = new ProgressLine(out, started, o.duration);
    const spans = { stored: 0 };
    const poll = setInterval(() => {
      void storedSpans(http).then((n) => { if (n !== undefined) spans.stored = n; });
      progress.update(counts, spans.stored);
    }, 500);
    await driveTraffic(app, o.rate, WORKERS, stopAll.signal, counts);
    clearTimeout(timer);
    clearInterval(poll);

    // Stop the backend first: it flushes its OTel batch; then wait until Honeyray has stored it all.
    await cruddur.stop();
    spans.stored = await settle(http);
    progress.update(counts, spans.stored, true);
    out.line('');
    out.line(`Sent ${counts.requests} requests (${counts.errors} failed with 5xx, ${counts.rejected} rejected with 4xx, ${counts.continued.length} continued a caller's trace); Honeyray stored ${spans.stored} spans.`);
    const id = counts.continued[0];
    if (id) {
      out.line(`A request that continued a caller's trace (OTel spans and the X-Ray segment in one trace): ${id}`);
      out.line(`  honeyray trace ${id}          curl -s ${http}/api/traces/${id}`);
      out.line(`  aws xray batch-get-traces --endpoint-url ${xrayApi} --trace-ids ${id}`);
    }
    out.line(`See it all again: honeyray serve --data-dir ${o.dataDir}   (then ${http})`);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    for (const c of children.reverse()) await c.stop();
  }
}

/** The seed's two commands, as the AWS CLI sends them; "already exists" (a second run) is fine. */
async function createSeedGroupAndRule(xrayApi: string): Promise<string> {
  const rule = JSON.parse(readFileSync(SEED_RULE_FILE, 'utf8')) as { SamplingRule: { RuleName: string; ReservoirSize: number; FixedRate: number } };
  const post = async (op: string, body: unknown): Promise<'created' | 'already there'> => {
    const res = await fetch(`${xrayApi}/${op}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await res.text();
    if (res.ok) return 'created';
    if (res.status === 400 && /already exists/i.test(text)) return 'already there';
    throw new CliError(`X-Ray ${op} answered HTTP ${res.status}: ${text}`);
  };
  const group = await post('CreateGroup', { GroupName: 'Cruddur', FilterExpression: 'service("backend-flask")' });
  const r = await post('CreateSamplingRule', rule);
  const s = rule.SamplingRule;
  return `group "Cruddur" ${group} (service("backend-flask")), sampling rule "${s.RuleName}" ${r} (${s.ReservoirSize}/s + ${s.FixedRate * 100}%)`;
}

function printTryThis(out: Output, http: string, xrayApi: string): void {
  const hc = JSON.stringify({ time_range: 600, breakdowns: ['name'], calculations: [{ op: 'COUNT' }, { op: 'P99', column: 'duration_ms' }], orders: [{ op: 'COUNT', order: 'descending' }] });
  out.line(`Open ${http} while it runs, or try:`);
  out.line(`  # Honeycomb query: requests and p99 per span name`);
  out.line(`  curl -s -X POST ${http}/api/honeyray/query/backend-flask -H 'content-type: application/json' -d '${hc}'`);
  out.line(`  # X-Ray filter expression: the home refreshes`);
  out.line(`  aws xray get-trace-summaries --endpoint-url ${xrayApi} --start-time $(($(date +%s)-600)) --end-time $(date +%s) \\`);
  out.line(`    --filter-expression 'service("backend-flask") AND http.url CONTAINS "/api/activities/home"'`);
  out.line(`  # slow requests (over 300 ms), from the terminal`);
  out.line(`  honeyray traces --url ${http} --service backend-flask --min-duration 300ms --limit 5`);
  out.line('');
}

async function storedSpans(http: string): Promise<number | undefined> {
  try {
    const res = await fetch(`${http}/api/honeyray/stats`, { signal: AbortSignal.timeout(2000) });
    return res.ok ? ((await res.json()) as { spans: number }).spans : undefined;
  } catch {
    return undefined;
  }
}

/** Waits until the stored span count stops moving (the last OTel batch and X-Ray datagrams are in). */
async function settle(http: string): Promise<number> {
  const until = Date.now() + SETTLE_MS;
  let last = -1;
  let same = 0;
  for (;;) {
    const n = (await storedSpans(http)) ?? last;
    same = n === last ? same + 1 : 0;
    last = n;
    if (same >= 3 || Date.now() > until) return Math.max(n, 0);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** `[#####.....] 12/20 s  requests 180 (15/s)  spans stored 1420  errors 6  4xx 9`, redrawn in place on a terminal. */
class ProgressLine {
  private readonly tty = process.stdout.isTTY === true;
  private lastPrinted = 0;
  constructor(private readonly out: Output, private readonly started: number, private readonly duration: number | undefined) {}

  update(c: TrafficCounts, stored: number, final = false): void {
    const secs = (Date.now() - this.started) / 1000;
    const width = 20;
    const bar = this.duration !== undefined
      ? `[${'#'.repeat(Math.min(width, Math.round((secs / this.duration) * width))).padEnd(width, '.')}] ${Math.min(Math.round(secs), this.duration)}/${this.duration} s`
      : `${Math.round(secs)} s (Ctrl-C to stop)`;
    const line = `${bar}  requests ${c.requests} (${(c.requests / Math.max(secs, 0.001)).toFixed(0)}/s)  spans stored ${stored}  errors ${c.errors}  4xx ${c.rejected}`;
    if (this.tty) {
      process.stdout.write(`\r${line}\x1b[K${final ? '\n' : ''}`);
    } else if (final || Date.now() - this.lastPrinted >= 5000) {
      // Not a terminal (CI, a pipe): a line every 5 s instead of redrawing.
      this.lastPrinted = Date.now();
      this.out.line(line);
    }
  }
}
