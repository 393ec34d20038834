// Use case: an admin (or whoever started it) cancels a request the device has not picked up.
import { authorize } from "../authorization.ts";
import type { Engine } from "../engine.ts";
import { reasonSuffix } from "../free-text.ts";
import { cancellableStates, cancelOffer, STATE_LABELS } from "../lifecycle.ts";
import type { NewEvent } from "../ports.ts";
import { moveRequest } from "../request-gate.ts";
import type { ResetRequest, Surface } from "../types.ts";
import { consoleNote } from "./approve-reset.ts";

export type CancelResult =
  | { status: "cancelled"; request: ResetRequest }
  | { status: "too_late" | "not_found" | "not_allowed"; message: string; request?: ResetRequest };

export async function cancelReset(
  engine: Engine,
  input: { actorEmail: string; requestId: string; surface: Surface; reason?: string },
): Promise<CancelResult> {
  const { requests, directory } = engine.stores;
  const actorEmail = input.actorEmail.trim().toLowerCase();
  const request = await requests.get(input.requestId);
  const device = request ? await directory.device(request.deviceId) : null;
  const decision = await authorize(engine, {
    actorEmail,
    action: "cancel",
    device,
    surface: input.surface,
    requestId: input.requestId,
    ...(request ? { requestedBy: request.requestedBy } : {}),
  });
  if (!request) return { status: "not_found", message: `No request "${input.requestId}".` };
  if (!decision.allowed) return { status: "not_allowed", message: decision.message };
  const cancellable = cancellableStates(request.kind, device?.backend ?? "agent");
  if (!cancellable.includes(request.state)) {
    const note = cancelOffer(request, device?.backend ?? null).noCancel;
    return {
      status: "too_late",
      request,
      message: note
        ? `Too late to cancel: ${note}`
        : request.state === "received" || request.state === "passcode_reset" || request.state === "locked"
          ? `Too late to cancel: the device already picked up the command (${STATE_LABELS[request.state].toLowerCase()}).`
          : `The request has already ended (${STATE_LABELS[request.state].toLowerCase()}).`,
    };
  }
  const why = reasonSuffix(input.reason);
  const e: NewEvent = { type: "cancelled", actor: actorEmail, detail: `Cancelled by ${actorEmail}.${why}` };
  const moved = await moveRequest(
    engine,
    request,
    {
      from: cancellable,
      to: "cancelled",
      event: e,
      outcome: `Cancelled by ${actorEmail}.${why}`,
      purgePasscode: true,
      audit: {
        actor: actorEmail,
        surface: input.surface,
        action: "request.cancel",
        outcome: "ok",
        deviceId: request.deviceId,
        requestId: request.id,
        detail: `cancelled in state ${request.state}${why}${consoleNote(input.surface)}`,
      },
    },
    device?.backend ?? "agent",
  );
  if (!moved) return cancelReset(engine, input);
  return { status: "cancelled", request: moved };
}
