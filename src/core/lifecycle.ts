// The request lifecycle as an explicit state machine (domain.md, "Life of one request").
// Every change of state goes through `canMove`; the store applies it as a compare-and-set,
// so a transition happens once even when two workers race for it.
import type { ActiveState, RequestKind, RequestState } from "./types.ts";

// Approval (two-person rule) leads straight to the checked request: the check, the passcode and
// the approval are written in one transition, so an approved request never waits half-way.
const RESET_PATH: Record<ActiveState, readonly RequestState[]> = {
  requested: ["checked", "refused", "cancelled"],
  awaiting_approval: ["passcode_generated", "refused", "rejected", "expired", "cancelled"],
  checked: ["passcode_generated", "failed", "cancelled"],
  passcode_generated: ["pushed", "received", "failed", "expired", "cancelled"],
  pushed: ["received", "failed", "expired", "cancelled"],
  received: ["passcode_reset", "failed", "expired"],
  passcode_reset: ["locked", "failed", "expired"],
  locked: ["completed"],
};

const LOCK_PATH: Record<ActiveState, readonly RequestState[]> = {
  requested: ["checked", "refused", "cancelled"],
  awaiting_approval: ["checked", "refused", "rejected", "expired", "cancelled"],
  checked: ["pushed", "received", "failed", "expired", "cancelled"],
  passcode_generated: [],
  pushed: ["received", "failed", "expired", "cancelled"],
  received: ["locked", "failed", "expired"],
  passcode_reset: [],
  locked: ["completed"],
};

export function nextStates(kind: RequestKind, from: RequestState): readonly RequestState[] {
  const table = kind === "lock" ? LOCK_PATH : RESET_PATH;
  return (table as Record<string, readonly RequestState[]>)[from] ?? [];
}

export function canMove(kind: RequestKind, from: RequestState, to: RequestState): boolean {
  return nextStates(kind, from).includes(to);
}

/** States a transition to `to` may start from, for the store's compare-and-set. */
export function statesLeadingTo(kind: RequestKind, to: RequestState): RequestState[] {
  const table = kind === "lock" ? LOCK_PATH : RESET_PATH;
  return (Object.keys(table) as ActiveState[]).filter((s) => table[s].includes(to));
}

/** Waiting for the device: a push (or a re-push) is due in these states. */
export function awaitsPickup(kind: RequestKind): RequestState[] {
  return kind === "lock" ? ["checked", "pushed"] : ["passcode_generated", "pushed"];
}

/** An admin may cancel until the device has picked the command up; after that it runs to its end. */
export const CANCELLABLE: readonly RequestState[] = [
  "requested",
  "awaiting_approval",
  "checked",
  "passcode_generated",
  "pushed",
];

/** Waiting for a second admin (REQUIRE_APPROVAL): Approve and Reject make sense. */
export function awaitsApproval(state: RequestState): boolean {
  return state === "awaiting_approval";
}

/** The device steps a device agent reports, in order, per kind. */
export const DEVICE_STEPS = ["received", "passcode_reset", "locked", "failed"] as const;
export type DeviceStep = (typeof DEVICE_STEPS)[number];

export const STATE_LABELS: Record<RequestState, string> = {
  requested: "Requested",
  awaiting_approval: "Waiting for a second admin's approval",
  checked: "Checked",
  passcode_generated: "Passcode generated",
  pushed: "Sent to device",
  received: "Received by device",
  passcode_reset: "Passcode reset",
  locked: "Locked",
  completed: "Completed",
  refused: "Refused",
  failed: "Failed",
  expired: "Expired",
  cancelled: "Cancelled",
  rejected: "Rejected",
};
