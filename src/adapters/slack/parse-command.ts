// What `/reset-passcode <text>` asks for. Slack sends a mention as `<@U123|name>` when the
// command escapes users (the manifest sets should_escape), and an email as `<mailto:a@b|a@b>`.

export type ParsedCommand =
  | { kind: "help" }
  | { kind: "status"; requestId: string | null }
  | { kind: "cancel"; requestId: string; reason: string }
  | { kind: "reset"; target: { slackUserId: string } | { email: string } | { name: string } }
  | { kind: "invalid"; message: string };

const MENTION = /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$/;
const MAILTO = /^<mailto:([^|>]+)(?:\|[^>]*)?>$/;
const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;
const REQUEST_ID = /^rq_[A-Za-z0-9_-]{4,64}$/;

export const USAGE =
  "Usage: `/reset-passcode @user` (or an email) to reset and lock one of their devices · " +
  "`/reset-passcode status [request]` · `/reset-passcode cancel <request>` · `/reset-passcode help`";

export function parseCommand(text: string): ParsedCommand {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const [first, ...rest] = words;
  if (!first || /^(help|\?)$/i.test(first)) return { kind: "help" };
  if (/^status$/i.test(first)) {
    const id = rest[0] ?? null;
    if (id !== null && !REQUEST_ID.test(id))
      return invalid(`"${id}" is not a request id (they look like rq_…).`);
    return { kind: "status", requestId: id };
  }
  if (/^cancel$/i.test(first)) {
    const id = rest[0];
    if (!id) return invalid("Say which request to cancel: `/reset-passcode cancel rq_…`.");
    if (!REQUEST_ID.test(id)) return invalid(`"${id}" is not a request id (they look like rq_…).`);
    return { kind: "cancel", requestId: id, reason: rest.slice(1).join(" ") };
  }
  if (words.length > 1) {
    return invalid("Name one person: `/reset-passcode @alice` or `/reset-passcode alice@example.com`.");
  }
  const mention = MENTION.exec(first);
  if (mention?.[1]) return { kind: "reset", target: { slackUserId: mention[1] } };
  const mailto = MAILTO.exec(first);
  const email = (mailto?.[1] ?? first).toLowerCase();
  if (EMAIL.test(email)) return { kind: "reset", target: { email } };
  if (/^<[#!]/.test(first)) return invalid("That is a channel or a group, not a person. Mention one person.");
  const name = first.replace(/^@/, "");
  if (/^[\p{L}\p{N}._-]{2,80}$/u.test(name)) return { kind: "reset", target: { name } };
  return invalid(`I could not read "${first}" as a person.`);
}

function invalid(message: string): ParsedCommand {
  return { kind: "invalid", message: `${message}\n${USAGE}` };
}
