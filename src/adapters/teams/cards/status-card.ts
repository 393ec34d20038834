// The conversation's view of a request: one status card kept up to date, milestones in its thread.
// Built from the request, the device and the timeline, none of which hold a passcode. The card
// posted in the conversation is the same for everyone and has no Cancel: Teams refreshes it for
// the requester (refresh.userIds) and for whoever presses Refresh, and that per-person card shows
// Cancel only to someone who may cancel (Universal Actions' user-specific views). While a request
// waits for a second admin, Approve and Reject are on it too.
import { eventTitle } from "../../../core/labels.ts";
import { awaitsApproval, STATE_LABELS } from "../../../core/lifecycle.ts";
import type { ThreadView } from "../../../core/ports.ts";
import { isFinal, type RequestState, type TimelineEvent } from "../../../core/types.ts";
import { cardDate } from "./card-time.ts";
import { type Card, deviceLabel, render } from "./render.ts";

export const STATE_ICONS: Record<RequestState, string> = {
  requested: "⏳",
  awaiting_approval: "✋",
  checked: "🔎",
  passcode_generated: "🔑",
  pushed: "📡",
  received: "📱",
  passcode_reset: "🔑",
  locked: "🔒",
  completed: "✅",
  refused: "⛔",
  failed: "❌",
  expired: "⏰",
  cancelled: "✖️",
  rejected: "🚫",
};

export type StatusView = Omit<ThreadView, "thread"> & { thread: Pick<ThreadView["thread"], "purpose"> };

export function statusTitle(view: StatusView): string {
  const name = view.device?.name ?? view.request.deviceId;
  if (view.thread.purpose === "security") return `Lost device reported: ${name}`;
  return view.request.kind === "lock" ? `Lock: ${name}` : `Passcode reset: ${name}`;
}

export interface StatusAudience {
  /** Teams user ids (29:...) the card refreshes for by itself: the requester, never everyone. */
  userIds: string[];
  /** Show Cancel: only on a card refreshed for someone who may cancel, while the request may be. */
  cancel: boolean;
  /**
   * Show Approve / Reject while the request waits for a second admin (two-person rule). The card
   * posted for everyone shows them (the core decides on each click); a card refreshed for one
   * person shows them only to an admin other than the requester. Default true.
   */
  approve?: boolean;
}

/** Verbs of the two-person rule's buttons (Action.Execute, data.requestId). */
export const APPROVAL_VERBS = { approve: "request.approve", reject: "request.reject" } as const;

export function statusCard(view: StatusView, audience: StatusAudience): Card {
  const { request, device, owner, requester } = view;
  return render("status", {
    title: statusTitle(view),
    state: `${STATE_ICONS[request.state]} ${STATE_LABELS[request.state]}`,
    device: device ? deviceLabel(device) : request.deviceId,
    owner: owner ? `${owner.name} (${owner.email})` : (device?.ownerEmail ?? "unknown"),
    requesterTitle: view.thread.purpose === "security" ? "Reported by" : "Requested by",
    requester: requester ? `${requester.name} (${requester.email})` : request.requestedBy,
    outcome: request.outcome && isFinal(request.state) ? request.outcome : "",
    requestId: request.id,
    started: cardDate(request.createdAt),
    cancellable: audience.cancel && view.cancellable,
    noCancel: view.noCancel ?? "",
    approvable: (audience.approve ?? true) && awaitsApproval(request.state),
    userIds: audience.userIds.slice(0, 60),
  });
}

/** The notification text (what a toast or the chat list shows). */
export function statusSummary(view: StatusView): string {
  return `${statusTitle(view)}: ${STATE_LABELS[view.request.state]}`;
}

const EVENT_ICONS: Record<string, string> = {
  requested: "⏳",
  approval_requested: "✋",
  approved: "👍",
  checked: "🔎",
  passcode_generated: "🔑",
  pushed: "📡",
  push_retry: "🔁",
  push_failed: "⚠️",
  received: "📱",
  passcode_reset: "🔑",
  lock_skipped: "🔓",
  lock_sent: "📡",
  locked: "🔒",
  delivered: "📨",
  delivery_retry: "🔁",
  delivery_failed: "⚠️",
  redacted: "🧹",
  redaction_failed: "⚠️",
  passcode_purged: "🗑️",
  completed: "✅",
  refused: "⛔",
  failed: "❌",
  expired: "⏰",
  cancelled: "✖️",
  rejected: "🚫",
};

/** "🔒 Locked": an event's title as a Teams card or reply shows it. */
export function eventHeading(type: string): string {
  return `${EVENT_ICONS[type] ?? "🔹"} ${eventTitle(type)}`;
}

/** One reply per batch of milestones ("requested" is the status card itself), within Teams' size limit. */
export function milestoneTexts(events: TimelineEvent[]): string[] {
  const lines = events
    .filter((e) => e.type !== "requested")
    .map((e) => `**${eventHeading(e.type)}** · ${e.detail}`.slice(0, 3000));
  const out: string[] = [];
  let chunk: string[] = [];
  for (const line of lines) {
    if (chunk.length > 0 && [...chunk, line].join("\n\n").length > 20_000) {
      out.push(chunk.join("\n\n"));
      chunk = [];
    }
    chunk.push(line);
  }
  if (chunk.length > 0) out.push(chunk.join("\n\n"));
  return out;
}
