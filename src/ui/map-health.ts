/**
 * A service map node's health, pure: X-Ray's ring (the share of ok, error, throttle and fault responses,
 * drawn in proportion) and one colour for the node picked by thresholds, so that a node with 0.4% faults
 * is not painted solid red (as today's map did): red from 5% faults, amber from 5% errors (throttles
 * included) or any fault at all, else green.
 */
export interface HealthCounts { ok: number; error: number; throttle: number; fault: number }
export type Health = 'ok' | 'warn' | 'err' | 'fault';

export const FAULT_RED = 0.05;
export const ERROR_AMBER = 0.05;

export function healthOf(c: HealthCounts): Health {
  const total = c.ok + c.error + c.throttle + c.fault;
  if (!total) return 'ok';
  if (c.fault / total >= FAULT_RED) return 'fault';
  if ((c.error + c.throttle) / total >= ERROR_AMBER) return 'err';
  return c.fault > 0 || c.error + c.throttle > 0 ? 'warn' : 'ok';
}

/** Ring segments as fractions of the circle, in X-Ray's order (ok, error, throttle, fault); empty ones left out. */
export function ringSegments(c: HealthCounts): { kind: keyof HealthCounts; start: number; length: number }[] {
  const total = c.ok + c.error + c.throttle + c.fault;
  if (!total) return [{ kind: 'ok', start: 0, length: 1 }];
  const out: { kind: keyof HealthCounts; start: number; length: number }[] = [];
  let at = 0;
  for (const kind of ['ok', 'error', 'throttle', 'fault'] as const) {
    if (!c[kind]) continue;
    const length = c[kind] / total;
    out.push({ kind, start: at, length });
    at += length;
  }
  return out;
}
