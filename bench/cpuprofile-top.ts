/**
 * `node dist/bench/cpuprofile-top.js FILE.cpuprofile [N]`: where a V8 CPU profile (`node --cpu-prof`,
 * e.g. from `BENCH_PROFILE=DIR npm run bench:overhead`) spends its time, as text: self time by package
 * (node_modules/<pkg>, node: internals, the app, GC, idle) and the top N functions. DevTools shows the
 * same as a flame chart; this is for comparing runs in a terminal.
 *
 * When the benchmark left `<pid>.window.json` beside the profile (bench/overhead.ts does), only the
 * samples of the measured window count (no start-up, warm-up or final flush), and every figure is also
 * given in microseconds of the main thread per request.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
interface Profile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number }
interface Window { fromUs: number; toUs: number; requests: number }

const [file, n = '25'] = process.argv.slice(2);
if (!file) {
  console.error('usage: node dist/bench/cpuprofile-top.js FILE.cpuprofile [N]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
// CPU.<date>.<time>.<pid>.<tid>.<seq>.cpuprofile; the profile's clock is the monotonic one of process.hrtime.
const pid = basename(file).split('.')[3];
const windowFile = join(dirname(file), `${pid}.window.json`);
const window = existsSync(windowFile) ? (JSON.parse(readFileSync(windowFile, 'utf8')) as Window) : undefined;
const selfUs = new Map<number, number>();
let at = profile.startTime;
profile.samples.forEach((id, i) => {
  const delta = profile.timeDeltas[i] ?? 0;
  at += delta;
  if (window && (at < window.fromUs || at > window.toUs)) return;
  selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
});

function packageOf(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1]!;
  if (url.startsWith('node:')) return 'node: internals';
  return 'app';
}

const byPackage = new Map<string, number>();
const byFunction = new Map<string, number>();
let total = 0;
let busy = 0;
for (const [id, us] of selfUs) {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
  total += us;
  if (functionName !== '(idle)') busy += us;
  const pkg = packageOf(url, functionName);
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
  const key = `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/dist\//, '')}:${lineNumber + 1}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + us);
}

// Time by calling package: a sample goes to the innermost package on its stack that is not node's
// own code, i.e. a package's self time plus the node internals (socket writes, timers, hashing...) it
// called directly.
const parentOf = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
const byCaller = new Map<string, number>();
for (const [id, us] of selfUs) {
  let pkg = packageOf(byId.get(id)!.callFrame.url, byId.get(id)!.callFrame.functionName);
  for (let at = parentOf.get(id); (pkg === 'node: internals' || pkg === '(native)') && at !== undefined; at = parentOf.get(at)) {
    const { functionName, url } = byId.get(at)!.callFrame;
    pkg = packageOf(url, functionName);
  }
  byCaller.set(pkg, (byCaller.get(pkg) ?? 0) + us);
}

const pct = (us: number) => `${((us / busy) * 100).toFixed(1).padStart(5)}%` +
  (window ? ` ${(us / window.requests).toFixed(1).padStart(7)} us/req` : '');
const top = (m: Map<string, number>, k: number) => [...m].filter(([name]) => !name.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, k);
console.log(`${file}: ${(total / 1e6).toFixed(2)} s sampled, ${(busy / 1e6).toFixed(2)} s not idle (percentages of the latter)` +
  (window ? `; measured window only, ${window.requests} requests: ${(busy / window.requests).toFixed(1)} us/req on the main thread` : ''));
console.log('\nself time by package');
for (const [name, us] of top(byPackage, 20)) console.log(`${pct(us)}  ${name}`);
console.log('\nself time by package, node internals charged to the package that called them');
for (const [name, us] of top(byCaller, 20)) console.log(`${pct(us)}  ${name}`);
console.log(`\ntop ${n} functions by self time`);
for (const [name, us] of top(byFunction, Number(n))) console.log(`${pct(us)}  ${name}`);
