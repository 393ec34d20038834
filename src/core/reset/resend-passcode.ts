// Use case: send a passcode again whose every delivery failed (the mail server was down for longer
// than the retries, the chat account was gone). Such a passcode is kept, not erased (purge.ts),
// because the device may hold it; an admin asks for it to be sent again, to the same people on
// the same channels. Audited like a reset.
import { authorize } from "../authorization.ts";
import { moveDelivery } from "../delivery-gate.ts";
import type { Engine } from "../engine.ts";
import type { Surface } from "../types.ts";
import { CHANNEL_NAMES, deliverPending } from "./deliver.ts";

export type ResendResult =
  | { status: "sent"; sent: string[]; retrying: string[]; failed: string[] }
  | { status: "refused" | "not_found" | "nothing_to_send"; message: string };

export async function resendPasscode(
  engine: Engine,
  input: { actorEmail: string; requestId: string; surface: Surface },
): Promise<ResendResult> {
  const { requests, deliveries, directory } = engine.stores;
  const request = await requests.get(input.requestId);
  if (!request) return { status: "not_found", message: `No request ${input.requestId}.` };
  const device = await directory.device(request.deviceId);
  const decision = await authorize(engine, {
    actorEmail: input.actorEmail,
    action: "reset",
    device,
    surface: input.surface,
    requestId: request.id,
  });
  if (!decision.allowed) return { status: "refused", message: decision.message };
  if (request.kind !== "reset_and_lock") {
    return { status: "nothing_to_send", message: "This request locked the device only: it has no passcode." };
  }
  if (!(await requests.passcodeCipher(request.id))) {
    return {
      status: "nothing_to_send",
      message:
        "The passcode of this request was already erased after it was delivered; it cannot be sent again.",
    };
  }
  const all = await deliveries.forRequest(request.id);
  const failed = all.filter((d) => d.status === "failed");
  if (failed.length === 0) {
    const pending = all.some((d) => d.status === "pending");
    return {
      status: "nothing_to_send",
      message: pending
        ? "Its deliveries are still under way: see the timeline."
        : "No delivery of this request failed: there is nothing to send again.",
    };
  }
  const actor = decision.actor.email;
  for (const d of failed) {
    const to = `${CHANNEL_NAMES[d.channel]} to ${d.recipientEmail}`;
    const audit = {
      actor,
      surface: input.surface,
      action: "passcode.resend" as const,
      outcome: "ok" as const,
      deviceId: request.deviceId,
      requestId: request.id,
      detail: `${d.channel} to ${d.recipientEmail}`,
    };
    await moveDelivery(
      engine,
      request,
      d,
      { to: "requeued", audit },
      {
        type: "delivery_retry",
        actor,
        detail: `${actor} asked to send the passcode again by ${to}.`,
      },
    );
  }
  await deliverPending(engine, { requestId: request.id });
  const after = (await deliveries.forRequest(request.id)).filter((d) => failed.some((f) => f.id === d.id));
  const label = (d: (typeof after)[number]) => `${d.recipientEmail} (${CHANNEL_NAMES[d.channel]})`;
  return {
    status: "sent",
    sent: after.filter((d) => d.status === "sent").map(label),
    retrying: after.filter((d) => d.status === "pending").map(label),
    failed: after.filter((d) => d.status === "failed").map(label),
  };
}
