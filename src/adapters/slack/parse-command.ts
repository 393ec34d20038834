// What `/reset-passcode <text>` asks for. Slack sends a mention as `<@U123|name>` when the
// command escapes users (the manifest sets should_escape), and an email as `<mailto:a@b|a@b>`.
// Any workspace member can send any text, before anything is authorized: it is read in linear time
// (core/addresses.ts), and text too long to be a command is refused before it is split.
import { emailProblem, MAX_EMAIL_LENGTH, slackMailto, slackMentionId } from "../../core/addresses.ts";

export type ParsedCommand =
  | { kind: "help" }
  | { kind: "status"; requestId: string | null }
  | { kind: "cancel"; requestId: string; reason: string }
  | { kind: "reset"; target: { slackUserId: string } | { email: string } | { name: string } }
  | { kind: "invalid"; message: string };

const REQUEST_ID = /^rq_[A-Za-z0-9_-]{4,64}$/;

/** An email, a cancel with its reason (200 characters are kept) and room to spare. */
export const MAX_COMMAND_LENGTH = 1000;
/** How much of a word that cannot be read is quoted back. */
const QUOTED = 80;

export const USAGE =
  "Usage: `/reset-passcode @user` (or an email) to reset and lock one of their devices · " +
  "`/reset-passcode status [request]` · `/reset-passcode cancel <request>` · `/reset-passcode help`";

export function parseCommand(text: string): ParsedCommand {
  if (text.length > MAX_COMMAND_LENGTH) {
    return invalid(
      `That is too long for a command (${text.length} characters; at most ${MAX_COMMAND_LENGTH}).`,
    );
  }
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
  const mention = slackMentionId(first);
  if (mention) return { kind: "reset", target: { slackUserId: mention } };
  const email = (slackMailto(first) ?? first).toLowerCase();
  const problem = emailProblem(email);
  if (!problem) return { kind: "reset", target: { email } };
  if (problem === "too_long" && email.includes("@")) {
    return invalid(
      `That address is longer than ${MAX_EMAIL_LENGTH} characters, so it is not an email address.`,
    );
  }
  if (/^<[#!]/.test(first)) return invalid("That is a channel or a group, not a person. Mention one person.");
  const name = first.replace(/^@/, "");
  if (/^[\p{L}\p{N}._-]{2,80}$/u.test(name)) return { kind: "reset", target: { name } };
  const quoted = first.length > QUOTED ? `${first.slice(0, QUOTED)}…` : first;
  return invalid(`I could not read "${quoted}" as a person.`);
}

function invalid(message: string): ParsedCommand {
  return { kind: "invalid", message: `${message}\n${USAGE}` };
}
