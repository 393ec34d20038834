// Sweep: requests that did not finish before their expiry end as "expired", saying where they stopped.
import { at, type Engine } from "../engine.ts";
import { awaitsApproval } from "../lifecycle.ts";
import { expiredText } from "../mdm/mdm-words.ts";
import type { NewEvent } from "../ports.ts";
import { moveRequest } from "../request-gate.ts";
import { BACKEND_NAMES, type ResetRequest } from "../types.ts";
import { deliverPending } from "./deliver.ts";
import { mayHaveApplied, plannedDeliveries, recipientsText } from "./unconfirmed-reset.ts";

export async function expireDue(engine: Engine, limit = 100): Promise<number> {
  const due = await engine.stores.requests.dueExpiries(engine.clock.now(), limit);
  let expired = 0;
  for (const r of due) if (await expireOne(engine, r)) expired++;
  return expired;
}

async function expireOne(engine: Engine, request: ResetRequest): Promise<boolean> {
  const picked = ["received", "passcode_reset"].includes(request.state);
  const unapproved = awaitsApproval(request.state);
  // Picked up and not confirmed: the device may have applied the passcode, so it is sent, not erased.
  const keep = mayHaveApplied(request);
  const deliveries = keep ? await plannedDeliveries(engine, request) : [];
  const sending =
    deliveries.length > 0
      ? ` It may have applied the new passcode: it is sent privately to ${recipientsText(deliveries)}.`
      : "";
  const device = await engine.stores.directory.device(request.deviceId);
  const mdm = device && device.backend !== "agent" && !unapproved ? BACKEND_NAMES[device.backend] : null;
  const outcome = mdm
    ? expiredText(mdm, request, sending)
    : unapproved
      ? `Expired at ${at(request.expiresAt)}: no second admin approved the request in time (two-person rule). Nothing was sent to the device.`
      : picked
        ? `Expired at ${at(request.expiresAt)}: the device picked up the command but did not report the result (last step: ${request.state}).${sending}`
        : `Expired at ${at(request.expiresAt)}: the device never picked up the command (${request.pushAttempts} push attempt(s)). Nothing was changed on the device.`;
  const e: NewEvent = { type: "expired", actor: "latchkey", detail: outcome };
  const moved = await moveRequest(
    engine,
    request,
    {
      from: [request.state],
      to: "expired",
      event: e,
      outcome,
      purgePasscode: !keep,
      deliveries,
      audit: {
        actor: "latchkey",
        surface: "system",
        action: unapproved ? "approval.expire" : "request.expire",
        outcome: "ok",
        deviceId: request.deviceId,
        requestId: request.id,
        detail: unapproved
          ? "expired waiting for a second admin's approval"
          : `expired in state ${request.state}`,
      },
    },
    device?.backend ?? "agent",
  );
  if (moved && deliveries.length > 0) await deliverPending(engine, { requestId: moved.id });
  return moved !== null;
}
