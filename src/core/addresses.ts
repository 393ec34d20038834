// Email addresses and Slack mentions as chat users type them, read by hand in one pass and within a
// length cap. Whatever a chat user sends reaches these before any authorization, so they must not
// cost more than the input's length: the regular expression they replace
// (/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/) backtracked quadratically, and a 100 KB Slack command or
// Teams card field held the event loop, and every other request, for seconds.

/** The longest address SMTP can carry (RFC 5321's 256-character path, less its angle brackets). */
export const MAX_EMAIL_LENGTH = 254;

/**
 * The longest `<@U…|name>` or `<mailto:…|…>` token read: a mailto of the longest address, shown
 * twice, with room to spare. Slack's user ids are about a dozen characters, names 80 at most.
 */
export const MAX_SLACK_TOKEN_LENGTH = 2 * MAX_EMAIL_LENGTH + 20;

/** Why `text` is not an email address: nothing given, too long to be one, or not shaped like one. */
export type EmailProblem = "empty" | "too_long" | "malformed";

// One character class, no quantifier: a single linear scan.
const FORBIDDEN = /[\s<>]/;

/**
 * Null when `text` is an email address as Latchkey accepts one: something, one `@`, and a domain
 * with a dot that is neither its first nor its last character; no whitespace or angle brackets;
 * at most MAX_EMAIL_LENGTH characters (checked before anything else is looked at).
 */
export function emailProblem(text: string): EmailProblem | null {
  if (text.length === 0) return "empty";
  if (text.length > MAX_EMAIL_LENGTH) return "too_long";
  const at = text.indexOf("@");
  if (at < 1 || text.indexOf("@", at + 1) !== -1) return "malformed";
  if (FORBIDDEN.test(text)) return "malformed";
  const domain = text.slice(at + 1);
  const dot = domain.indexOf(".", 1);
  return dot !== -1 && dot < domain.length - 1 ? null : "malformed";
}

export function isEmailAddress(text: string): boolean {
  return emailProblem(text) === null;
}

const SLACK_USER_ID = /^[UW][A-Z0-9]+$/;

/** `<@U123ABC|name>` or `<@U123ABC>` (Slack's escaped mention): the user id; null for anything else. */
export function slackMentionId(token: string): string | null {
  const inner = slackEscape(token, "<@");
  if (inner === null) return null;
  const bar = inner.indexOf("|");
  const id = bar === -1 ? inner : inner.slice(0, bar);
  return SLACK_USER_ID.test(id) ? id : null;
}

/**
 * `<mailto:a@example.com|a@example.com>` or `<mailto:a@example.com>` (how Slack sends an email it
 * linked): the address as written, not yet checked; null for anything else.
 */
export function slackMailto(token: string): string | null {
  const inner = slackEscape(token, "<mailto:");
  if (inner === null) return null;
  const bar = inner.indexOf("|");
  const address = bar === -1 ? inner : inner.slice(0, bar);
  return address.length > 0 ? address : null;
}

/** What lies between `open` and the closing `>` of a Slack escape, which holds no other `>`. */
function slackEscape(token: string, open: string): string | null {
  if (token.length > MAX_SLACK_TOKEN_LENGTH || !token.startsWith(open) || !token.endsWith(">")) return null;
  const inner = token.slice(open.length, -1);
  return inner.includes(">") ? null : inner;
}
