// Paces sends per conversation under Teams' published limits for a bot (7 messages in 1 s, 8 in
// 2 s, 60 in 30 s, 1800 in an hour). Callers wait for their slot instead of collecting 429s; the
// transport still honours a 429's Retry-After if one comes anyway.

export interface Window {
  max: number;
  perMs: number;
}

export const TEAMS_WINDOWS: readonly Window[] = [
  { max: 7, perMs: 1000 },
  { max: 8, perMs: 2000 },
  { max: 60, perMs: 30_000 },
  { max: 1800, perMs: 3_600_000 },
];

export interface WindowGate {
  wait(key: string): Promise<void>;
}

export function createWindowGate(windows: readonly Window[] = TEAMS_WINDOWS): WindowGate {
  const longest = Math.max(0, ...windows.map((w) => w.perMs));
  const sent = new Map<string, number[]>();
  /** The earliest time a new send fits every window, given the sends already booked. */
  function slot(times: number[], now: number): number {
    let at = now;
    for (const w of windows) {
      const inWindow = times.filter((t) => t > at - w.perMs);
      if (inWindow.length >= w.max) {
        const oldestThatMustExpire = inWindow[inWindow.length - w.max];
        if (oldestThatMustExpire !== undefined) at = Math.max(at, oldestThatMustExpire + w.perMs);
      }
    }
    return at;
  }
  return {
    async wait(key) {
      if (windows.length === 0) return;
      const now = Date.now();
      const times = (sent.get(key) ?? []).filter((t) => t > now - longest);
      // Recomputed after moving forward: a later slot can fall foul of another window.
      let at = slot(times, now);
      for (let i = 0; i < 4; i++) {
        const again = slot(times, at);
        if (again === at) break;
        at = again;
      }
      times.push(at);
      times.sort((a, b) => a - b);
      sent.set(key, times);
      if (sent.size > 5000) for (const [k, v] of sent) if ((v.at(-1) ?? 0) < now - longest) sent.delete(k);
      if (at > now) await new Promise((ok) => setTimeout(ok, at - now));
    },
  };
}
