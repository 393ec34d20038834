// Durations in words for people ("1 hour", "90 minutes", "2 days"), used in chat messages.

export function duration(ms: number): string {
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? "" : "s"}`;
  if (ms >= 86_400_000 && ms % 86_400_000 === 0) return plural(ms / 86_400_000, "day");
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return plural(ms / 3_600_000, "hour");
  if (ms >= 60_000) return plural(Math.round(ms / 60_000), "minute");
  return plural(Math.max(1, Math.round(ms / 1000)), "second");
}
