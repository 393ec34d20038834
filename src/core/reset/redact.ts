// Use case: once the retention time has passed, edit each chat DM that carried a passcode so it
// no longer shows it, leaving a note of when it was sent. Each attempt is claimed in the database.

import { moveDelivery } from "../delivery-gate.ts";
import { at, type Engine, errorText } from "../engine.ts";
import type { NewEvent } from "../ports.ts";
import type { Delivery } from "../types.ts";
import { CHANNEL_NAMES } from "./deliver.ts";

/** Give up after a day of failed attempts: the message is then reported as not redacted. */
const GIVE_UP_AFTER_MS = 86_400_000;
const RETRY_MS = 5 * 60_000;

export async function redactDue(engine: Engine, limit = 50): Promise<number> {
  const due = await engine.stores.deliveries.dueRedactions(engine.clock.now(), limit);
  for (const d of due) await redactOne(engine, d);
  return due.length;
}

async function redactOne(engine: Engine, delivery: Delivery): Promise<void> {
  const { deliveries, requests, directory } = engine.stores;
  const now = engine.clock.now();
  const seen = delivery.redactAt;
  if (!seen || !delivery.externalRef) return;
  const retryAt = new Date(now.getTime() + RETRY_MS);
  if (!(await deliveries.claimRedaction(delivery.id, seen, retryAt))) return;
  const sender = engine.senders.find((s) => s.channel === delivery.channel);
  const request = await requests.get(delivery.requestId);
  const device = request ? await directory.device(request.deviceId) : null;
  const channel = CHANNEL_NAMES[delivery.channel];
  const sentAt = delivery.sentAt ?? now;
  const auditBase = {
    actor: "latchkey",
    surface: "system" as const,
    deviceId: request?.deviceId ?? null,
    requestId: delivery.requestId,
  };
  try {
    if (!sender?.redact) throw new Error("this channel is no longer configured");
    await sender.redact(delivery.externalRef, { sentAt, device });
  } catch (err) {
    const reason = errorText(err);
    engine.log.warn(
      { requestId: delivery.requestId, deliveryId: delivery.id, err: reason },
      "redaction failed",
    );
    if (now.getTime() - sentAt.getTime() < GIVE_UP_AFTER_MS + engine.settings.chatRedactAfterMs) return;
    const e: NewEvent = {
      type: "redaction_failed",
      actor: "latchkey",
      detail: `Could not remove the passcode from the ${channel} to ${delivery.recipientEmail} (sent ${at(sentAt)}): ${reason} Delete that message by hand.`,
    };
    const audit = {
      ...auditBase,
      action: "passcode.redact" as const,
      outcome: "failed" as const,
      detail: `${delivery.channel} to ${delivery.recipientEmail}: ${reason}`,
    };
    await moveDelivery(engine, request, delivery, { to: "redaction_abandoned", error: reason, audit }, e);
    return;
  }
  const e: NewEvent = {
    type: "redacted",
    actor: "latchkey",
    detail: `The passcode was removed from the ${channel} to ${delivery.recipientEmail} (sent ${at(sentAt)}).`,
  };
  const audit = {
    ...auditBase,
    action: "passcode.redact" as const,
    outcome: "ok" as const,
    detail: `${delivery.channel} to ${delivery.recipientEmail}`,
  };
  await moveDelivery(engine, request, delivery, { to: "redacted", at: now, audit }, e);
}
