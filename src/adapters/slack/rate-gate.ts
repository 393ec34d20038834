// Paces calls per key (a channel, a Web API method) to stay under Slack's published rates:
// about one message per second per channel, about 50 chat.update calls a minute. Callers wait
// their turn instead of collecting 429s; the Web API client still honours Retry-After if one comes.

export interface RateGate {
  wait(key: string): Promise<void>;
}

export function createRateGate(minIntervalMs: number): RateGate {
  const next = new Map<string, number>();
  return {
    async wait(key) {
      if (minIntervalMs <= 0) return;
      const now = Date.now();
      if (next.size > 1000) for (const [k, t] of next) if (t < now) next.delete(k);
      const at = Math.max(now, next.get(key) ?? 0);
      next.set(key, at + minIntervalMs);
      if (at > now) await new Promise((ok) => setTimeout(ok, at - now));
    },
  };
}
