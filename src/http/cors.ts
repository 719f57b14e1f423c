/**
 * `--cors-origins`: the web pages allowed to send OTLP/HTTP from a browser (the OTel JS web exporters).
 * `*` allows any page, as Honeycomb's own endpoint does (a browser app carries an ingest-only key).
 */
export function corsAllows(allowed: readonly string[], origin: string | undefined): boolean {
  if (!origin || allowed.length === 0) return false;
  return allowed.includes('*') || allowed.includes(origin);
}
