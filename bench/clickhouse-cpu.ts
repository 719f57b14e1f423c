/** CPU accounting for the ClickHouse benchmarks: what a process (Honeyray or clickhouse-server) spent. */
import { readFileSync } from 'node:fs';

/** utime + stime of a live process and all its threads, in seconds (/proc/PID/stat, USER_HZ = 100). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}
