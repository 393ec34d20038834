// The request lifecycle as an explicit state machine (domain.md, "Life of one request").
// Every change of state goes through `canMove`; the store applies it as a compare-and-set,
// so a transition happens once even when two workers race for it.
import {
  type ActiveState,
  BACKEND_NAMES,
  type DeviceBackend,
  isFinal,
  type RequestKind,
  type RequestState,
} from "./types.ts";

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

// Through an MDM (Intune): Latchkey sends the MDM's command ("checked" -> "pushed" once the MDM
// accepted it) and follows the MDM's result; the MDM generates the passcode ("passcode_reset"
// carries it), nothing is "received" by a device of ours, and an accepted command cannot be
// cancelled (no MDM action takes it back). A device the MDM cannot lock ends after its reset
// ("passcode_reset" -> "completed" once the passcode was delivered).
const MDM_RESET_PATH: Record<ActiveState, readonly RequestState[]> = {
  requested: ["checked", "refused", "cancelled"],
  awaiting_approval: ["checked", "refused", "rejected", "expired", "cancelled"],
  checked: ["pushed", "failed", "expired"],
  passcode_generated: [],
  pushed: ["passcode_reset", "failed", "expired"],
  received: [],
  passcode_reset: ["locked", "completed", "failed", "expired"],
  locked: ["completed"],
};

const MDM_LOCK_PATH: Record<ActiveState, readonly RequestState[]> = {
  requested: ["checked", "refused", "cancelled"],
  awaiting_approval: ["checked", "refused", "rejected", "expired", "cancelled"],
  checked: ["pushed", "failed", "expired"],
  passcode_generated: [],
  pushed: ["locked", "failed", "expired"],
  received: [],
  passcode_reset: [],
  locked: ["completed"],
};

function tableFor(kind: RequestKind, backend: DeviceBackend): Record<ActiveState, readonly RequestState[]> {
  if (backend === "agent") return kind === "lock" ? LOCK_PATH : RESET_PATH;
  return kind === "lock" ? MDM_LOCK_PATH : MDM_RESET_PATH;
}

export function nextStates(
  kind: RequestKind,
  from: RequestState,
  backend: DeviceBackend = "agent",
): readonly RequestState[] {
  return (tableFor(kind, backend) as Record<string, readonly RequestState[]>)[from] ?? [];
}

export function canMove(
  kind: RequestKind,
  from: RequestState,
  to: RequestState,
  backend: DeviceBackend = "agent",
): boolean {
  return nextStates(kind, from, backend).includes(to);
}

/** States a transition to `to` may start from, for the store's compare-and-set. */
export function statesLeadingTo(
  kind: RequestKind,
  to: RequestState,
  backend: DeviceBackend = "agent",
): RequestState[] {
  const table = tableFor(kind, backend);
  return (Object.keys(table) as ActiveState[]).filter((s) => table[s].includes(to));
}

/** Where a request the rules allow starts (or goes once approved): the agent's reset carries a passcode Latchkey generated. */
export function stateAfterCheck(kind: RequestKind, backend: DeviceBackend): RequestState {
  return kind === "reset_and_lock" && backend === "agent" ? "passcode_generated" : "checked";
}

/** Waiting for the device: a push (or a re-push) is due in these states. */
export function awaitsPickup(kind: RequestKind): RequestState[] {
  return kind === "lock" ? ["checked", "pushed"] : ["passcode_generated", "pushed"];
}

/**
 * The states a request may be cancelled in, read from the table: for the agent until the device has
 * picked the command up; through an MDM only before Latchkey sends the command (once sent, the MDM
 * cannot take it back, and a cancel racing the send would leave a reset running that nobody follows).
 */
export function cancellableStates(kind: RequestKind, backend: DeviceBackend): RequestState[] {
  return statesLeadingTo(kind, "cancelled", backend);
}

/**
 * What a surface offers about cancelling, the same everywhere: a Cancel button while the request can
 * be cancelled; while it is open and cannot, through an MDM, the sentence that says why.
 */
export function cancelOffer(
  request: { kind: RequestKind; state: RequestState },
  backend: DeviceBackend | null,
): { cancellable: boolean; noCancel: string | null } {
  const b = backend ?? "agent";
  const cancellable = cancellableStates(request.kind, b).includes(request.state);
  const noCancel =
    cancellable || b === "agent" || isFinal(request.state)
      ? null
      : request.state === "checked"
        ? `Latchkey is sending this to ${BACKEND_NAMES[b]}, which cannot cancel a command once it has it: this request runs to its end.`
        : `${BACKEND_NAMES[b]} cannot cancel a command it has accepted: this request runs to its end.`;
  return { cancellable, noCancel };
}

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
