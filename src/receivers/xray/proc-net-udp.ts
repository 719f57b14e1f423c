import { readFileSync } from 'node:fs';

/**
 * Datagrams the kernel dropped for the UDP socket(s) bound to `port` (the `drops` column of
 * /proc/net/udp: the socket buffer was full). Linux only; null where the file cannot be read.
 */
export function kernelDrops(port: number, file = '/proc/net/udp'): number | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const hexPort = ':' + port.toString(16).toUpperCase().padStart(4, '0');
  let drops = 0;
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[1]?.endsWith(hexPort)) drops += Number(f[f.length - 1]);
  }
  return drops;
}
