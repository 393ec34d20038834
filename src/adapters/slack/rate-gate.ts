// Paces calls per key (a channel, a Web API method) to stay under Slack's published rates:
// about one message per second per channel, about 50 chat.update calls a minute. Callers queue
// per key and each goes ahead at least the interval after the previous one actually went (so a
// stalled event loop cannot bunch two calls together); the Web API client still honours
// Retry-After should a 429 come anyway. An urgent caller (a passcode going into its DM) goes
// ahead of everyone not urgent: in an incident with hundreds of resets, the people waiting for
// their passcode must not queue behind status-message edits.

export interface RateGate {
  wait(key: string, urgent?: boolean): Promise<void>;
}

interface Lane {
  urgent: Array<() => void>;
  normal: Array<() => void>;
  lastGo: number;
  timer: NodeJS.Timeout | null;
}

export function createRateGate(minIntervalMs: number): RateGate {
  const lanes = new Map<string, Lane>();

  function pump(key: string, lane: Lane): void {
    if (lane.timer) return;
    const next = lane.urgent[0] ?? lane.normal[0];
    if (!next) {
      // Idle lanes are dropped once their interval has passed, so the map stays small.
      lane.timer = setTimeout(() => {
        lane.timer = null;
        if (lane.urgent.length + lane.normal.length === 0) lanes.delete(key);
        else pump(key, lane);
      }, minIntervalMs);
      lane.timer.unref();
      return;
    }
    const due = lane.lastGo + minIntervalMs - Date.now();
    if (due > 0) {
      lane.timer = setTimeout(() => {
        lane.timer = null;
        pump(key, lane);
      }, due);
      return;
    }
    // The first waiter is taken only now: an urgent one that arrived meanwhile goes first.
    const go = lane.urgent.shift() ?? lane.normal.shift();
    lane.lastGo = Date.now();
    go?.();
    pump(key, lane);
  }

  return {
    wait(key, urgent = false) {
      if (minIntervalMs <= 0) return Promise.resolve();
      let lane = lanes.get(key);
      if (!lane) {
        lane = { urgent: [], normal: [], lastGo: 0, timer: null };
        lanes.set(key, lane);
      }
      const current = lane;
      return new Promise<void>((go) => {
        (urgent ? current.urgent : current.normal).push(go);
        const idle = current.urgent.length + current.normal.length === 1;
        if (current.timer && idle && Date.now() - current.lastGo >= minIntervalMs) {
          // Only the idle clean-up timer is pending and the interval has passed: go now.
          clearTimeout(current.timer);
          current.timer = null;
        }
        current.timer?.ref(); // a waiter keeps the process alive until its turn
        pump(key, current);
      });
    },
  };
}
