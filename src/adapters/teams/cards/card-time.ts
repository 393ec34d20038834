// Moments on Teams cards. Adaptive Cards format {{DATE(…)}} and {{TIME(…)}} in a TextBlock's text
// in each viewer's own locale and time zone ("Tue, Dec 8, 2026 5:23 AM"), so a card that stays
// in a conversation for days never shows a stale "3 minutes ago". The functions take strict
// RFC 3339 without milliseconds; anything else is shown raw. They work in TextBlock text only:
// FactSet values and plain message text take the core's words (time-text.ts) instead.
import { timeText, utcTime } from "../../../core/time-text.ts";

/** "2026-12-08T04:23:59Z": the one timestamp form DATE() and TIME() accept. */
function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** For TextBlock text: the viewer's local date and time. */
export function cardDate(date: Date): string {
  const stamp = rfc3339(date);
  return `{{DATE(${stamp}, SHORT)}} {{TIME(${stamp})}}`;
}

/** For a FactSet value or a plain line: "in 24 hours (08 Dec 04:23 UTC)", or the UTC time alone. */
export function cardWhen(date: Date, now?: Date): string {
  return now ? timeText(date, now) : utcTime(date);
}
