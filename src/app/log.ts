/** Minimal leveled logger writing one line per event to stderr. */
export type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export function createLogger(level: Level, write: (line: string) => void = (l) => process.stderr.write(l + '\n')): Logger {
  const at = (l: Level) => (msg: string) => {
    if (ORDER[l] >= ORDER[level]) write(`${new Date().toISOString()} ${l.toUpperCase().padEnd(5)} ${msg}`);
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/**
 * Logs at most one line per `intervalMs` for a recurring problem, with how many were suppressed
 * (invalid datagrams can arrive thousands per second).
 */
export function rateLimited(log: (msg: string) => void, intervalMs = 5000): (msg: string) => void {
  let last = 0;
  let suppressed = 0;
  return (msg) => {
    const now = Date.now();
    if (now - last < intervalMs) {
      suppressed++;
      return;
    }
    log(suppressed > 0 ? `${msg} (${suppressed} similar suppressed)` : msg);
    last = now;
    suppressed = 0;
  };
}
