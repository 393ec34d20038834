// Use cases of the device agent: fetch the pending command, report each step.
import type { Engine } from "../engine.ts";
import { cleanFreeText } from "../free-text.ts";
import { awaitsPickup, canMove, type DeviceStep } from "../lifecycle.ts";
import type { NewEvent, Transition } from "../ports.ts";
import { moveRequest } from "../request-gate.ts";
import type { Device, RequestState, ResetRequest } from "../types.ts";
import { completeIfDelivered, deliverPending } from "./deliver.ts";
import { recordLateReport } from "./late-report.ts";
import { mayHaveApplied, plannedDeliveries, recipientsText } from "./unconfirmed-reset.ts";

export interface DeviceCommand {
  requestId: string;
  type: "reset_passcode_and_lock" | "lock";
  /** Present for reset_passcode_and_lock only: the one place the passcode leaves the server. */
  passcode?: string;
  expiresAt: string;
}

/** The device's pending command, or null. Picking it up moves the request to "received". */
export async function fetchPendingCommand(engine: Engine, device: Device): Promise<DeviceCommand | null> {
  const { requests } = engine.stores;
  const active = await requests.activeForDevice(device.id);
  if (!active || !["received", "passcode_reset", ...awaitsPickup(active.kind)].includes(active.state))
    return null;
  if (awaitsPickup(active.kind).includes(active.state)) {
    const e: NewEvent = {
      type: "received",
      actor: `device:${device.id}`,
      detail: pickedUpDetail(engine, active),
    };
    const moved = await moveRequest(
      engine,
      active,
      {
        from: awaitsPickup(active.kind),
        to: "received",
        event: e,
        nextPushAt: null, // picked up: no push (and no sweep) is due any more
      },
      device.backend,
    );
    if (!moved) {
      // Lost the race: a cancel or expiry won (hand out nothing), or another fetch did (go on).
      const now = await requests.get(active.id);
      if (!now || !["received", "passcode_reset"].includes(now.state)) return null;
    }
  }
  if (active.kind === "lock")
    return { requestId: active.id, type: "lock", expiresAt: active.expiresAt.toISOString() };
  const cipher = await requests.passcodeCipher(active.id);
  if (!cipher) return null;
  return {
    requestId: active.id,
    type: "reset_passcode_and_lock",
    passcode: engine.secrets.open(cipher),
    expiresAt: active.expiresAt.toISOString(),
  };
}

/**
 * Said when the device picks the command up. Before the push is recorded as sent (the phone
 * checked in on its own, or the push reached it before the push service answered us), the
 * timeline has no "Sent to the device" step, and says why instead of leaving a gap.
 */
function pickedUpDetail(engine: Engine, request: ResetRequest): string {
  if (request.state === "pushed") return "The device picked up the command.";
  return request.pushAttempts > 0
    ? `The device picked up the command before ${engine.pushChannelName} confirmed the push to it.`
    : "The device picked up the command at its own check-in, before any push was sent to it.";
}

export type ReportResult =
  | { ok: true; state: RequestState; changed: boolean }
  | { ok: false; status: 404 | 409; message: string };

const TARGET: Record<DeviceStep, RequestState> = {
  received: "received",
  passcode_reset: "passcode_reset",
  locked: "locked",
  failed: "failed",
};
const ORDER: RequestState[] = ["received", "passcode_reset", "locked", "completed"];

export async function reportDeviceStep(
  engine: Engine,
  device: Device,
  requestId: string,
  report: { step: DeviceStep; reason?: string },
): Promise<ReportResult> {
  const { requests } = engine.stores;
  const request = await requests.get(requestId);
  if (!request || request.deviceId !== device.id) {
    return { ok: false, status: 404, message: "No such request for this device." };
  }
  const to = TARGET[report.step];
  if (alreadyThere(request.state, to)) return { ok: true, state: request.state, changed: false };
  const reason = cleanReason(await scrub(engine, request, report.reason));
  // The request ended unconfirmed (it expired, or failed) and the device now says it applied the
  // passcode or locked: its word is evidence, and that passcode must reach someone. Recorded,
  // never refused into the void. Other steps after the end change nothing (409, as before).
  if (isLateConfirmation(request, report.step)) {
    return recordLateReport(engine, device, request, report.step, reason);
  }
  if (!canMove(request.kind, request.state, to)) {
    return {
      ok: false,
      status: 409,
      message: `The request is ${request.state}; the step "${report.step}" cannot follow it.`,
    };
  }
  const transition = transitionFor(request, device, to, reason);
  if (
    (to === "locked" && request.kind === "reset_and_lock") ||
    (to === "failed" && mayHaveApplied(request))
  ) {
    // The deliveries are queued in the same write as the lock (or the failure after pickup), so a
    // crash cannot lose them.
    transition.deliveries = await plannedDeliveries(engine, request);
    if (to === "failed") {
      const sending = unconfirmedOutcome(transition);
      transition.outcome += sending;
      const said = transition.event.detail.replace(/([^.!?])$/, "$1.");
      transition.event = { ...transition.event, detail: said + sending };
    }
  }
  const moved = await moveRequest(engine, request, transition, device.backend);
  if (!moved) {
    const now = await requests.get(request.id);
    return now && alreadyThere(now.state, to)
      ? { ok: true, state: now.state, changed: false }
      : { ok: false, status: 409, message: "The request changed meanwhile; fetch it again." };
  }
  if (to === "passcode_reset") await engine.stores.directory.markPasscodeSet(device.id);
  if (to === "locked") await afterLocked(engine, moved);
  if (to === "failed" && transition.deliveries?.length) await deliverPending(engine, { requestId: moved.id });
  return { ok: true, state: moved.state, changed: true };
}

function isLateConfirmation(request: ResetRequest, step: DeviceStep): boolean {
  return (
    (request.state === "failed" || request.state === "expired") &&
    (step === "passcode_reset" || step === "locked")
  );
}

function alreadyThere(current: RequestState, to: RequestState): boolean {
  if (current === to) return true;
  const a = ORDER.indexOf(current);
  const b = ORDER.indexOf(to);
  return a >= 0 && b >= 0 && a > b;
}

function eventFor(device: Device, to: RequestState, reason: string, request: ResetRequest): NewEvent {
  const actor = `device:${device.id}`;
  switch (to) {
    case "received":
      return { type: "received", actor, detail: "The device picked up the command." };
    case "passcode_reset":
      return { type: "passcode_reset", actor, detail: "The device set the new passcode." };
    case "locked":
      return {
        type: "locked",
        actor,
        detail:
          request.kind === "lock"
            ? "The device is locked. The passcode was not changed."
            : "The device is locked: the new passcode is needed to use it.",
      };
    default:
      return { type: "failed", actor, detail: `The device could not complete the command: ${reason}` };
  }
}

function transitionFor(request: ResetRequest, device: Device, to: RequestState, reason: string): Transition {
  const event = eventFor(device, to, reason, request);
  if (to === "failed") {
    return {
      from: [request.state],
      to,
      event,
      outcome: `Failed: the device reported "${reason}".`,
      // Before pickup the device never had the passcode: nothing to keep. After it, it may have
      // applied it, and the passcode goes to the requester instead (unconfirmed-reset.ts).
      purgePasscode: !mayHaveApplied(request),
      audit: {
        actor: `device:${device.id}`,
        surface: "device" as const,
        action: "device.failed",
        outcome: "failed" as const,
        deviceId: device.id,
        requestId: request.id,
        detail: reason,
      },
    };
  }
  return { from: [request.state], to, event, ...(to === "received" ? { nextPushAt: null } : {}) };
}

/** After the lock: send the private deliveries (reset), then complete. */
async function afterLocked(engine: Engine, request: ResetRequest): Promise<void> {
  await deliverPending(engine, { requestId: request.id });
  await completeIfDelivered(engine, request.id);
}

/** A device's failure text is shown to admins: make sure it can never carry the passcode. */
async function scrub(engine: Engine, request: ResetRequest, reason: string | undefined): Promise<string> {
  if (!reason) return "no reason given";
  const cipher =
    request.kind === "reset_and_lock" ? await engine.stores.requests.passcodeCipher(request.id) : null;
  if (!cipher) return reason;
  const passcode = engine.secrets.open(cipher);
  return reason.split(passcode).join("[redacted]");
}

function unconfirmedOutcome(t: Transition): string {
  const to = recipientsText(t.deliveries ?? []);
  return to
    ? ` The device had picked up the new passcode and may have applied it: it is sent privately to ${to}.`
    : " The device had picked up the new passcode and may have applied it, but nobody can be sent it.";
}

function cleanReason(reason: string): string {
  return cleanFreeText(reason, 300) || "no reason given";
}
