// Block Kit text helpers: Slack's length limits and mrkdwn escaping in one place, so every
// view stays within what Slack accepts (a too-long field makes the whole call fail).
import { platformLabel } from "../../core/labels.ts";
import { relativeTime, utcTime } from "../../core/time-text.ts";
import type { Device, RequestState } from "../../core/types.ts";

export { platformLabel };

export interface PlainText {
  type: "plain_text";
  text: string;
  emoji?: boolean;
}
export interface Mrkdwn {
  type: "mrkdwn";
  text: string;
}
export type Block = Record<string, unknown>;

/** Slack's own escaping for mrkdwn: user-supplied names must not turn into mentions or links. */
export function esc(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export const plain = (text: string, max = 150): PlainText => ({
  type: "plain_text",
  text: cut(text, max),
  emoji: true,
});
export const md = (text: string, max = 3000): Mrkdwn => ({ type: "mrkdwn", text: cut(text, max) });

export const section = (text: string): Block => ({ type: "section", text: md(text) });
export const context = (...texts: string[]): Block => ({
  type: "context",
  elements: texts.slice(0, 10).map((t) => md(t, 2000)),
});
export const header = (text: string): Block => ({ type: "header", text: plain(text, 150) });
export const divider = (): Block => ({ type: "divider" });

export function deviceLabel(device: Pick<Device, "name" | "platform" | "osVersion">): string {
  return `${device.name} · ${platformLabel(device)}`;
}

export const STATE_EMOJI: Record<RequestState, string> = {
  requested: ":hourglass_flowing_sand:",
  awaiting_approval: ":raised_hand:",
  checked: ":mag:",
  passcode_generated: ":key:",
  pushed: ":satellite_antenna:",
  received: ":iphone:",
  passcode_reset: ":key:",
  locked: ":lock:",
  completed: ":white_check_mark:",
  refused: ":no_entry:",
  failed: ":x:",
  expired: ":alarm_clock:",
  cancelled: ":heavy_multiplication_x:",
  rejected: ":no_entry_sign:",
};

/**
 * A moment Slack shows in each reader's own time zone and clock ("Today 5:23 AM"), falling back to
 * "08 Dec 2026 04:23 UTC" where a client cannot. Client-rendered, so it never goes stale in a
 * message that stays up for days (the status message).
 */
export function slackDate(date: Date, now?: Date): string {
  return `<!date^${Math.floor(date.getTime() / 1000)}^{date_short_pretty} {time}|${utcTime(date, now)}>`;
}

/** "in 24 hours (Tomorrow 5:23 AM)": for a view read at `now` (a modal, the Home tab). */
export function slackWhen(date: Date, now: Date): string {
  return `${relativeTime(date, now)} (${slackDate(date, now)})`;
}
