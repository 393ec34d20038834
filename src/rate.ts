// A rate as configured ("120/m": so many calls per window), parsed once: the settings read it
// (config-values.ts) and the HTTP rate limiter enforces it (http/rate-limit.ts).

export interface RateLimit {
  limit: number;
  windowMs: number;
}

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "120/m", "20/10s", "3/500ms": so many calls per window; null when it is not that. */
export function parseRate(text: string): RateLimit | null {
  const m = /^\s*(\d+)\s*\/\s*(?:(\d+)\s*)?(ms|s|m|h|d)\s*$/.exec(text);
  if (!m) return null;
  const limit = Number(m[1]);
  const windowMs = Number(m[2] || "1") * UNIT_MS[m[3] as keyof typeof UNIT_MS];
  return limit > 0 && windowMs > 0 ? { limit, windowMs } : null;
}
