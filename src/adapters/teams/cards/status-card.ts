// The conversation's view of a request: one status card kept up to date (Cancel while the device
// has not picked the command up), milestones in its thread. Built from the request, the device
// and the timeline, none of which hold a passcode.
import { STATE_LABELS } from "../../../core/lifecycle.ts";
import type { ThreadView } from "../../../core/ports.ts";
import { isFinal, type RequestState, type TimelineEvent } from "../../../core/types.ts";
import { deviceLabel } from "./labels.ts";
import { type Card, render } from "./render.ts";

export const STATE_ICONS: Record<RequestState, string> = {
  requested: "⏳",
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
};

export type StatusView = Omit<ThreadView, "thread"> & { thread: Pick<ThreadView["thread"], "purpose"> };

export function statusTitle(view: StatusView): string {
  const name = view.device?.name ?? view.request.deviceId;
  if (view.thread.purpose === "security") return `Lost device reported: ${name}`;
  return view.request.kind === "lock" ? `Lock: ${name}` : `Passcode reset: ${name}`;
}

export function statusCard(view: StatusView): Card {
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
    started: request.createdAt.toISOString().replace(/\.\d{3}Z$/, "Z"),
    cancellable: view.cancellable,
    purpose: view.thread.purpose,
  });
}

/** The notification text (what a toast or the chat list shows). */
export function statusSummary(view: StatusView): string {
  return `${statusTitle(view)}: ${STATE_LABELS[view.request.state]}`;
}

const EVENT_TITLES: Record<string, string> = {
  checked: "🔎 Checked",
  passcode_generated: "🔑 Passcode generated",
  pushed: "📡 Sent to the device",
  push_retry: "🔁 Sending again",
  push_failed: "⚠️ Could not reach the device",
  received: "📱 Received by the device",
  passcode_reset: "🔑 Passcode reset",
  locked: "🔒 Locked",
  delivered: "📨 Passcode delivered",
  delivery_retry: "🔁 Delivery retry",
  delivery_failed: "⚠️ Delivery failed",
  redacted: "🧹 Passcode removed from chat",
  redaction_failed: "⚠️ Could not remove the passcode from chat",
  passcode_purged: "🗑️ Passcode erased",
  completed: "✅ Completed",
  refused: "⛔ Refused",
  failed: "❌ Failed",
  expired: "⏰ Expired",
  cancelled: "✖️ Cancelled",
};

/** One reply per batch of milestones ("requested" is the status card itself), within Teams' size limit. */
export function milestoneTexts(events: TimelineEvent[]): string[] {
  const lines = events
    .filter((e) => e.type !== "requested")
    .map((e) => `**${EVENT_TITLES[e.type] ?? e.type}** · ${e.detail}`.slice(0, 3000));
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
