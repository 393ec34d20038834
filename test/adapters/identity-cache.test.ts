// The chat identity cache (src/adapters/identity-cache.ts): an answer is kept for its TTL, lookups
// of one account under way are shared (a burst asks the platform once), a failed lookup is not kept.
import { afterEach, describe, expect, it, vi } from "vitest";
import { createIdentityCache } from "../../src/adapters/identity-cache.ts";

afterEach(() => {
  vi.useRealTimers();
});

describe("chat identity cache", () => {
  it("asks once for a burst of lookups of one account, and keeps the answer for its TTL", async () => {
    vi.useFakeTimers();
    const cache = createIdentityCache<string>(60_000);
    let asked = 0;
    let answer = (_v: string) => {};
    const lookup = () => {
      asked++;
      return new Promise<string>((ok) => {
        answer = ok;
      });
    };
    const burst = Array.from({ length: 32 }, () => cache.get("U1", lookup));
    expect(asked).toBe(1);
    answer("ada@example.com");
    expect(await Promise.all(burst)).toEqual(Array(32).fill("ada@example.com"));
    expect(cache.fresh("U1")).toBe("ada@example.com");
    expect(await cache.get("U1", lookup)).toBe("ada@example.com");
    expect(asked).toBe(1);
    // Another account is its own lookup.
    void cache.get("U2", lookup);
    expect(asked).toBe(2);
    vi.advanceTimersByTime(60_001);
    expect(cache.fresh("U1")).toBeUndefined();
    const again = cache.get("U1", lookup);
    expect(asked).toBe(3);
    answer("ada.new@example.com");
    expect(await again).toBe("ada.new@example.com");
  });

  it("does not keep a failed lookup: everyone waiting is told, and the next one asks again", async () => {
    const cache = createIdentityCache<string>(60_000);
    let asked = 0;
    const failing = () => {
      asked++;
      return Promise.reject(new Error("ratelimited"));
    };
    const waiting = [cache.get("U1", failing), cache.get("U1", failing)];
    for (const w of waiting) await expect(w).rejects.toThrow("ratelimited");
    expect(asked).toBe(1);
    expect(cache.fresh("U1")).toBeUndefined();
    expect(await cache.get("U1", async () => "ada@example.com")).toBe("ada@example.com");
  });

  it("remembers an answer learned another way, and empties itself past its bound", async () => {
    const cache = createIdentityCache<string>(60_000, 3);
    cache.set("U1", "a");
    expect(await cache.get("U1", async () => "never asked")).toBe("a");
    cache.set("U2", "b");
    cache.set("U3", "c");
    cache.set("U4", "d");
    expect(cache.fresh("U1")).toBeUndefined();
    expect(cache.fresh("U4")).toBe("d");
  });
});
