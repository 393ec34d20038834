// An in-process token bucket per key: `limit` calls per `windowMs`, refilled continuously, so a
// caller that keeps to its rate is never refused and a burst past it waits for the next token.
// Memory stays bounded: buckets idle longer than `idleMs` are dropped (a dropped bucket comes
// back full, exactly as it would have refilled), and past `maxKeys` the least recently used go.
// Each process counts on its own: with several replicas the effective limit is per replica.

import type { RateLimit } from "../rate.ts";

export { parseRate, type RateLimit } from "../rate.ts";

export type RateDecision =
  | { ok: true }
  | {
      ok: false;
      /** Whole seconds until the next call can pass (the Retry-After header); at least 1. */
      retryAfterSeconds: number;
      /** True for the first refusal of this key in a window: log or audit it, not every one. */
      firstInWindow: boolean;
      /** What `take` was told about the key's owner, if anything. */
      owner: string | null;
    };

export interface RateLimiter {
  /** Takes one token, creating the key's bucket if needed. */
  take(key: string, owner?: string): RateDecision;
  /** Gives back a token `take` spent (a reservation that turned out not to count). */
  refund(key: string): void;
  /** Whether the key has a live bucket (it took a token within the idle horizon). */
  has(key: string): boolean;
  /** Whether a `take` would pass now (spends nothing, creates no bucket). */
  peek(key: string): boolean;
  forget(key: string): void;
  readonly size: number;
}

interface Bucket {
  tokens: number;
  at: number;
  reportedAt: number | null;
  owner: string | null;
}

export interface RateLimiterOptions {
  /** Drop a bucket this long after its last use. Default: the window (it is full again by then). */
  idleMs?: number;
  maxKeys?: number;
  /** Milliseconds on a monotonic clock. */
  now?: () => number;
}

export function createRateLimiter(rate: RateLimit, opts: RateLimiterOptions = {}): RateLimiter {
  if (!(rate.limit >= 1 && rate.windowMs > 0)) throw new Error("a rate limit needs limit >= 1 and a window");
  const idleMs = Math.max(opts.idleMs ?? rate.windowMs, rate.windowMs);
  const maxKeys = opts.maxKeys ?? 10_000;
  const now = opts.now ?? (() => performance.now());
  const perMs = rate.limit / rate.windowMs;
  const buckets = new Map<string, Bucket>();
  let sweptAt = now();

  function live(key: string, t: number): Bucket | undefined {
    const b = buckets.get(key);
    if (!b) return undefined;
    if (t - b.at > idleMs) {
      buckets.delete(key);
      return undefined;
    }
    b.tokens = Math.min(rate.limit, b.tokens + (t - b.at) * perMs);
    b.at = t;
    return b;
  }

  function sweep(t: number): void {
    sweptAt = t;
    for (const [key, b] of buckets) if (t - b.at > idleMs) buckets.delete(key);
  }

  function refusal(b: Bucket, t: number): RateDecision {
    const waitMs = (1 - b.tokens) / perMs;
    const firstInWindow = b.reportedAt === null || t - b.reportedAt >= rate.windowMs;
    if (firstInWindow) b.reportedAt = t;
    return {
      ok: false,
      retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
      firstInWindow,
      owner: b.owner,
    };
  }

  return {
    take(key, owner) {
      const t = now();
      if (t - sweptAt > idleMs) sweep(t);
      let b = live(key, t);
      if (b)
        buckets.delete(key); // re-inserted below: the Map's order is least recently used first
      else {
        if (buckets.size >= maxKeys) sweep(t);
        for (const oldest of buckets.keys()) {
          if (buckets.size < maxKeys) break;
          buckets.delete(oldest);
        }
        b = { tokens: rate.limit, at: t, reportedAt: null, owner: null };
      }
      if (owner !== undefined) b.owner = owner;
      buckets.set(key, b);
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return { ok: true };
      }
      return refusal(b, t);
    },
    refund(key) {
      const b = live(key, now());
      if (b) b.tokens = Math.min(rate.limit, b.tokens + 1);
    },
    has(key) {
      return live(key, now()) !== undefined;
    },
    peek(key) {
      const b = live(key, now());
      return b === undefined || b.tokens >= 1;
    },
    forget(key) {
      buckets.delete(key);
    },
    get size() {
      return buckets.size;
    },
  };
}

/**
 * The key for a client address: IPv4 as is (also when IPv4-mapped), IPv6 by its /64, since one
 * host usually holds a whole /64 and would otherwise get a fresh bucket per address.
 */
export function clientKey(address: string | undefined): string {
  if (!address) return "unknown";
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return mapped[1];
  if (!address.includes(":")) return address;
  const [head = "", tail] = address.split("%")[0]?.split("::") ?? [];
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups =
    tail === undefined
      ? left
      : [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => (g || "0").toLowerCase().replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}
