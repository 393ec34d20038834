// Plain-text rendering for the terminal. Times are in UTC, like the timeline details the CLI prints
// beside them (stored text, "08 Dec 2026 04:23 UTC"): one zone on every line, nothing to convert.
import { utcTime } from "../core/time-text.ts";
import type { TimelineEvent } from "../core/types.ts";

export function table(rows: string[][]): string {
  if (rows.length === 0) return "";
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** "08 Dec 04:23:59 UTC  locked  …"; the year too when it is not `now`'s (or there is no `now`). */
export function eventLine(e: TimelineEvent, now?: Date): string {
  const time = utcTime(e.at, now, { seconds: true });
  return `${time}  ${e.type.padEnd(18)} ${e.detail}${e.actor.startsWith("device:") || e.actor === "latchkey" ? "" : `  (${e.actor})`}`;
}

export function csvCell(value: unknown): string {
  const s =
    value instanceof Date ? value.toISOString() : value === null || value === undefined ? "" : String(value);
  // Quote, and neutralise spreadsheet formulas: an auditor opens this file in Excel.
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) || safe !== s ? `"${safe.replace(/"/g, '""')}"` : safe;
}
