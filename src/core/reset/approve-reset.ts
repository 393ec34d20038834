// Use cases of the two-person rule (REQUIRE_APPROVAL): a second admin approves a request waiting
// for approval (the check, the new passcode and the approval are then one write, and the push
// follows) or rejects it (it ends as "rejected"). The requester cannot approve their own request
// and an employee cannot approve at all; every decision and every refusal is audited with who,
// when and from which surface.
import { resolveActor } from "../authorization.ts";
import { at, type Engine } from "../engine.ts";
import { reasonSuffix } from "../free-text.ts";
import { awaitsApproval, STATE_LABELS, stateAfterCheck } from "../lifecycle.ts";
import { can, isAdmin } from "../policy.ts";
import type { AuditInput, NewEvent, Transition } from "../ports.ts";
import { moveRequest } from "../request-gate.ts";
import { isFinal, type Person, type ResetRequest, type Surface } from "../types.ts";
import { assessDevice } from "./device-choices.ts";
import { pushRequest } from "./push-command.ts";
import { checkedEvents, refusalOf } from "./start-reset.ts";

export interface ApprovalInput {
  actorEmail: string;
  requestId: string;
  surface: Surface;
  /** Why a request is rejected (shown in the timeline), at most 200 characters kept. */
  reason?: string;
}

export type ApprovalResult =
  | { status: "approved" | "rejected"; request: ResetRequest }
  | {
      status: "not_found" | "not_allowed" | "own_request" | "not_waiting";
      message: string;
      request?: ResetRequest;
    };

type Verb = "approve" | "reject";

/**
 * The CLI does not authenticate whoever runs it: it is an operator console with database access,
 * and `--as` names the actor on the operator's word. Its audit rows say so.
 */
export function consoleNote(surface: Surface): string {
  return surface === "cli"
    ? " (taken at the operator console on the word of --as: the CLI does not authenticate who runs it)"
    : "";
}

const ON: Record<Surface, string> = {
  slack: "in Slack",
  teams: "in Teams",
  cli: "from the command line",
  web: "on the web",
  device: "from the device",
  system: "by Latchkey",
};

/** A second admin approves: the request is checked, its passcode generated, and the device told. */
export async function approveReset(engine: Engine, input: ApprovalInput): Promise<ApprovalResult> {
  const gate = await admit(engine, input, "approve");
  if ("status" in gate) return gate;
  const { request, actor } = gate;
  const now = engine.clock.now();
  const device = await engine.stores.directory.device(request.deviceId);
  const approved: NewEvent = {
    type: "approved",
    actor: actor.email,
    detail: `Approved by ${actor.name} (${actor.email}) ${ON[input.surface]}; requested by ${request.requestedBy}.`,
  };
  const audit: AuditInput = {
    actor: actor.email,
    surface: input.surface,
    action: "approval.approve",
    outcome: "ok",
    deviceId: request.deviceId,
    requestId: request.id,
    detail: `approved the ${request.kind} request of ${request.requestedBy}${consoleNote(input.surface)}`,
  };
  const capability = device ? assessDevice(engine, device, null) : null;
  const refusal =
    !device || !capability
      ? "The device is no longer in the inventory."
      : refusalOf(engine, device, request.kind, capability);
  let events: NewEvent[];
  let t: Transition;
  if (refusal || !device || !capability) {
    // Approved, but the device changed while it waited (a wipe pending, a new OS): the rules decide.
    const e: NewEvent = { type: "refused", actor: "latchkey", detail: refusal ?? "" };
    events = [approved, e];
    t = {
      from: ["awaiting_approval"],
      to: "refused",
      before: [approved],
      event: e,
      outcome: e.detail,
      purgePasscode: true,
      audit: { ...audit, detail: `${audit.detail}; the check then refused it: ${e.detail}` },
    };
  } else {
    const checked = await checkedEvents(engine, device, request.kind, capability);
    events = [approved, ...checked.events];
    const last = events[events.length - 1] as NewEvent;
    t = {
      from: ["awaiting_approval"],
      to: stateAfterCheck(request.kind, device.backend),
      before: events.slice(0, -1),
      event: last,
      nextPushAt: now,
      expiresAt: new Date(now.getTime() + engine.settings.requestExpiryMs),
      ...(checked.passcode ? { passcode: checked.passcode } : {}),
      audit,
    };
  }
  const moved = await moveRequest(engine, request, t, device?.backend);
  if (!moved) return approveReset(engine, input); // someone else decided first: say what happened
  if (!isFinal(moved.state)) await pushRequest(engine, moved.id);
  return { status: "approved", request: (await engine.stores.requests.get(moved.id)) ?? moved };
}

/** A second admin rejects: the request ends as "rejected" and nothing reaches the device. */
export async function rejectReset(engine: Engine, input: ApprovalInput): Promise<ApprovalResult> {
  const gate = await admit(engine, input, "reject");
  if ("status" in gate) return gate;
  const { request, actor } = gate;
  const why = reasonSuffix(input.reason);
  const e: NewEvent = {
    type: "rejected",
    actor: actor.email,
    detail: `Rejected by ${actor.name} (${actor.email}) ${ON[input.surface]}.${why} Nothing was sent to the device.`,
  };
  const moved = await moveRequest(engine, request, {
    from: ["awaiting_approval"],
    to: "rejected",
    event: e,
    outcome: `Rejected by ${actor.email}.${why}`,
    purgePasscode: true,
    audit: {
      actor: actor.email,
      surface: input.surface,
      action: "approval.reject",
      outcome: "ok",
      deviceId: request.deviceId,
      requestId: request.id,
      detail: `rejected the ${request.kind} request of ${request.requestedBy}${why}${consoleNote(input.surface)}`,
    },
  });
  if (!moved) return rejectReset(engine, input);
  return { status: "rejected", request: moved };
}

/** Who may decide: an admin other than the requester, while the request waits. Refusals are audited. */
async function admit(
  engine: Engine,
  input: ApprovalInput,
  verb: Verb,
): Promise<{ request: ResetRequest; actor: Person } | ApprovalResult> {
  const actorEmail = input.actorEmail.trim().toLowerCase();
  const requestId = input.requestId.trim();
  const request = await engine.stores.requests.get(requestId);
  const refuse = async (
    status: Exclude<ApprovalResult["status"], "approved" | "rejected">,
    message: string,
  ) => {
    await engine.stores.audit.append({
      actor: actorEmail,
      surface: input.surface,
      action: `approval.${verb}`,
      outcome: "refused",
      deviceId: request?.deviceId ?? null,
      requestId: request?.id ?? (requestId.slice(0, 64) || null),
      detail: `${message}${consoleNote(input.surface)}`,
    });
    return { status, message, ...(request ? { request } : {}) };
  };
  if (!request) return refuse("not_found", `No request "${requestId.slice(0, 64)}".`);
  const actor = await resolveActor(engine, actorEmail);
  const verdict = can(actor, verb, { requestedBy: request.requestedBy });
  if (!verdict.allowed || !actor) {
    return refuse(isAdmin(actor) ? "own_request" : "not_allowed", verdict.allowed ? "" : verdict.message);
  }
  if (awaitsApproval(request.state) && request.expiresAt <= engine.clock.now()) {
    return refuse(
      "not_waiting",
      `Request ${request.id} waited for an approval until ${at(request.expiresAt)}: too late to ${verb} it. Start a new request if it is still needed.`,
    );
  }
  if (!awaitsApproval(request.state)) {
    const label = STATE_LABELS[request.state].toLowerCase();
    return refuse(
      "not_waiting",
      isFinal(request.state)
        ? `Request ${request.id} has already ended (${label}).`
        : `Request ${request.id} is not waiting for an approval: it is under way (${label}).`,
    );
  }
  return { request, actor };
}
