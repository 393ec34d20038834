// Slack's error codes in plain words. What a chat user or the timeline sees of a failed Slack
// call goes through here, never the raw code or the Web API client's message.
import { PermanentDeliveryError } from "../../core/ports.ts";

const PLAIN: Record<string, string> = {
  ratelimited: "Slack asked Latchkey to slow down; it will try again.",
  channel_not_found: "Slack could not find that conversation.",
  user_not_found: "Slack could not find that account.",
  cannot_dm_bot: "that Slack account is a bot.",
  user_disabled: "that Slack account is deactivated.",
  account_inactive: "that Slack account is deactivated.",
  message_not_found: "the message is no longer in Slack (deleted?).",
  cant_update_message: "Slack no longer lets Latchkey edit that message.",
  edit_window_closed: "Slack no longer lets Latchkey edit that message.",
  invalid_auth: "Slack refused Latchkey's bot token (check SLACK_BOT_TOKEN).",
  not_authed: "Slack refused Latchkey's bot token (check SLACK_BOT_TOKEN).",
  token_revoked: "Slack refused Latchkey's bot token (check SLACK_BOT_TOKEN).",
  missing_scope: "the Slack app lacks a permission it needs (reinstall it from the manifest).",
};

export function slackErrorCode(err: unknown): string | null {
  const data = (err as { data?: { error?: unknown } } | null)?.data;
  return typeof data?.error === "string" ? data.error : null;
}

export function plainSlackError(err: unknown): string {
  const code = slackErrorCode(err);
  if (code) return PLAIN[code] ?? "Slack refused the call.";
  const name = (err as { code?: unknown } | null)?.code;
  if (name === "slack_webapi_request_error" || name === "slack_webapi_http_error") {
    return "Slack did not answer (network or Slack outage); it will try again.";
  }
  return err instanceof Error ? err.message : String(err);
}

/** Codes that say the person cannot be reached in Slack at all: retrying cannot help. */
const FINAL = new Set(["user_not_found", "cannot_dm_bot", "user_disabled", "account_inactive"]);

/**
 * Runs a Slack call for the timeline or a delivery; a failure comes out in plain words, as a
 * PermanentDeliveryError when Slack says the account cannot be reached at all.
 */
export async function plainly<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof PermanentDeliveryError) throw err;
    const code = slackErrorCode(err);
    throw code && FINAL.has(code)
      ? new PermanentDeliveryError(plainSlackError(err))
      : new Error(plainSlackError(err));
  }
}
