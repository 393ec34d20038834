// The words every surface uses for the same things (email, Slack, Teams, CLI): platform names and
// timeline event titles, what Details calls a request's deadline. Rendering (emoji, markup) stays
// with each adapter.
import { type Device, isFinal, type Platform, type ResetRequest } from "./types.ts";

export const PLATFORM_NAMES: Record<Platform, string> = {
  android: "Android",
  ios: "iOS",
  ipados: "iPadOS",
  macos: "macOS",
  windows_phone: "Windows Phone",
  windows_mobile: "Windows 10 Mobile",
  windows: "Windows",
};

/** "Android 14", "iOS 17.4". */
export function platformLabel(device: Pick<Device, "platform" | "osVersion">): string {
  return `${PLATFORM_NAMES[device.platform] ?? device.platform} ${device.osVersion}`;
}

/** Titles of timeline events, as a person reads them in a thread or a details view. */
export const EVENT_TITLES: Record<string, string> = {
  requested: "Requested",
  approval_requested: "Waiting for a second admin's approval",
  approved: "Approved",
  checked: "Checked",
  passcode_generated: "Passcode generated",
  pushed: "Sent to the device",
  push_retry: "Sending again",
  push_failed: "Could not reach the device",
  received: "Received by the device",
  passcode_reset: "Passcode reset",
  lock_sent: "Lock sent",
  lock_skipped: "No remote lock",
  locked: "Locked",
  delivered: "Passcode delivered",
  delivery_retry: "Delivery retry",
  delivery_failed: "Delivery failed",
  redacted: "Passcode removed from chat",
  redaction_failed: "Could not remove the passcode from chat",
  passcode_purged: "Passcode erased",
  completed: "Completed",
  refused: "Refused",
  failed: "Failed",
  expired: "Expired",
  cancelled: "Cancelled",
  rejected: "Rejected",
};

export function eventTitle(type: string): string {
  return EVENT_TITLES[type] ?? type.replace(/_/g, " ");
}

/** The moment Details shows for a request: when it will expire while open, when it ended after. */
export function requestDeadline(request: Pick<ResetRequest, "state" | "expiresAt" | "finishedAt">): {
  label: "Expires" | "Ended";
  at: Date;
} {
  if (!isFinal(request.state)) return { label: "Expires", at: request.expiresAt };
  return { label: "Ended", at: request.finishedAt ?? request.expiresAt };
}
