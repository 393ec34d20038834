// Paces calls per key (a channel, a Web API method) to stay under Slack's published rates:
// about one message per second per channel, about 50 chat.update calls a minute. Callers queue
// per key and each goes ahead at least the interval after the previous one actually went (so a
// stalled event loop cannot bunch two calls together); the Web API client still honours
// Retry-After should a 429 come anyway.

export interface RateGate {
  wait(key: string): Promise<void>;
}

export function createRateGate(minIntervalMs: number): RateGate {
  const lanes = new Map<string, { tail: Promise<void>; lastGo: number; waiting: number }>();
  return {
    async wait(key) {
      if (minIntervalMs <= 0) return;
      let lane = lanes.get(key);
      if (!lane) {
        lane = { tail: Promise.resolve(), lastGo: 0, waiting: 0 };
        lanes.set(key, lane);
      }
      const current = lane;
      current.waiting += 1;
      const turn = current.tail.then(async () => {
        const due = current.lastGo + minIntervalMs - Date.now();
        if (due > 0) await new Promise((ok) => setTimeout(ok, due));
        current.lastGo = Date.now();
      });
      current.tail = turn;
      await turn;
      current.waiting -= 1;
      // Idle lanes are dropped once their interval has passed, so the map stays small.
      if (current.waiting === 0) {
        setTimeout(() => {
          if (current.waiting === 0 && lanes.get(key) === current) lanes.delete(key);
        }, minIntervalMs).unref();
      }
    },
  };
}
