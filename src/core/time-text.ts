// How every surface writes a moment for a person: a relative phrase ("in 24 hours", "3 minutes
// ago") when the text is read at the moment it is written, and an absolute time in UTC
// ("08 Dec 04:23 UTC") that stays true when the text is read later. Timeline details are stored
// and read days later, so they take the absolute form alone (stampText); chat and CLI surfaces
// that render at a known `now` add the relative phrase (timeText). Pure: no clock of its own.

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? "" : "s"}`;

/**
 * "just now", "in 5 minutes", "3 hours ago", "in 24 hours", "2 days ago", "1 year ago".
 * Each unit is rounded to the nearest whole one and used while the rounded count stays below the
 * next unit's threshold: under 45 seconds is "now"; minutes up to 59; hours up to 47 (a 24-hour
 * expiry reads "in 24 hours", not "in 1 day"); days up to 364; whole years past that.
 */
export function relativeTime(at: Date, now: Date): string {
  const delta = at.getTime() - now.getTime();
  const ms = Math.abs(delta);
  const say = (amount: string) => (delta > 0 ? `in ${amount}` : `${amount} ago`);
  if (ms < 45 * SECOND) return delta > 0 ? "in less than a minute" : "just now";
  const minutes = Math.round(ms / MINUTE);
  if (minutes < 60) return say(plural(minutes, "minute"));
  const hours = Math.round(ms / HOUR);
  if (hours < 48) return say(plural(hours, "hour"));
  const days = Math.round(ms / DAY);
  if (days < 365) return say(plural(days, "day"));
  return say(plural(Math.floor(days / 365), "year"));
}

const two = (n: number) => String(n).padStart(2, "0");

/**
 * "08 Dec 04:23 UTC"; with the year when it is not `now`'s year ("08 Dec 2027 04:23 UTC"), and
 * always when there is no `now` to compare with. Minutes are truncated, never rounded up, so a
 * deadline is never shown later than it is. `seconds` adds them (a terminal's event log).
 */
export function utcTime(at: Date, now?: Date, opts: { seconds?: boolean } = {}): string {
  const year = now && now.getUTCFullYear() === at.getUTCFullYear() ? "" : ` ${at.getUTCFullYear()}`;
  const clock = `${two(at.getUTCHours())}:${two(at.getUTCMinutes())}${opts.seconds ? `:${two(at.getUTCSeconds())}` : ""}`;
  return `${two(at.getUTCDate())} ${MONTHS[at.getUTCMonth()]}${year} ${clock} UTC`;
}

/** "in 24 hours (08 Dec 04:23 UTC)": for text read at `now`. */
export function timeText(at: Date, now: Date): string {
  return `${relativeTime(at, now)} (${utcTime(at, now)})`;
}

/** "08 Dec 2026 04:23 UTC": for stored text (timeline details), true whenever it is read. */
export function stampText(at: Date): string {
  return utcTime(at);
}
