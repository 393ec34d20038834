// Keeps Graph writes under Intune's "100 requests / 20 s per app per tenant" as a sliding
// window: at most `limit` starts in any `windowMs`. (src/http/rate-limit.ts is a token bucket:
// it lets a full bucket's burst through and then refills, so 2 x limit could start within one
// window; Intune counts the window.) Waiters re-check in turn, so concurrent writes queue up.

export interface WriteWindow {
  /** Resolves when one more write may start now, and counts it. */
  take(): Promise<void>;
}

export function createWriteWindow(opts: {
  limit: number;
  windowMs: number;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}): WriteWindow {
  const starts: number[] = []; // ascending; only the last `limit` matter
  let queue: Promise<void> = Promise.resolve();

  async function slot(): Promise<void> {
    for (;;) {
      const t = opts.now();
      while (starts.length > 0 && (starts[0] ?? 0) <= t - opts.windowMs) starts.shift();
      if (starts.length < opts.limit) {
        starts.push(t);
        return;
      }
      await opts.sleep((starts[0] ?? t) + opts.windowMs - t);
    }
  }

  return {
    take() {
      const mine = queue.then(slot);
      queue = mine.catch(() => {});
      return mine;
    },
  };
}
