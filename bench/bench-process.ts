/** What the benchmarks need to run a server under test: start a child until it answers, read its peak RSS and CPU time. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface BenchProcess {
  child: ChildProcess;
  exited: Promise<number | null>;
  /** Its stderr so far. */
  log(): string;
}

/** Spawns `node <args>` and waits until `GET http://127.0.0.1:<httpPort>/healthz` answers 200. */
export async function startUntilHealthy(args: string[], httpPort: number): Promise<BenchProcess> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d) => (log += d));
  const exited = new Promise<number | null>((r) => child.once('exit', r));
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${httpPort}/healthz`)).ok) break;
    } catch { /* not yet */ }
    if (child.exitCode !== null || i > 300) throw new Error(`server did not start:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, exited, log: () => log };
}

/** Peak resident set size of a live process (Linux VmHWM), MiB. */
export function peakRssMiB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** CPU seconds (user + system) a live process (all threads) or one of its threads has used so far (/proc, USER_HZ = 100). */
export function cpuSeconds(pid: number, tid?: number): number {
  const stat = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // after "pid (comm) "
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime (fields 14, 15)
}
