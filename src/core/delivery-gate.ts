// The one way a private delivery of a passcode changes: each move is checked against the delivery
// lifecycle below, written with its timeline event (and audit row) in one transaction by the store,
// and told to observers after the commit. An illegal move is a typed error and writes nothing.
//
//   pending --sent--> sent --redacted | redaction_abandoned--> (sent, the chat copy handled)
//   pending --failed--> failed --requeued--> pending          pending --retry--> pending
import { announce, type Engine } from "./engine.ts";
import type { AuditInput, NewEvent } from "./ports.ts";
import type { Delivery, DeliveryStatus, ResetRequest } from "./types.ts";

export type DeliveryMove =
  | {
      to: "sent" | "failed";
      outcome: { status: "sent" | "failed"; at: Date; error?: string; externalRef?: string; redactAt?: Date };
      audit: AuditInput;
    }
  | { to: "retry"; error: string; nextAttemptAt?: Date }
  | { to: "requeued"; audit: AuditInput }
  | { to: "redacted"; at: Date; audit: AuditInput }
  | { to: "redaction_abandoned"; error: string; audit: AuditInput };

const DELIVERY_PATH: Record<DeliveryStatus, readonly DeliveryMove["to"][]> = {
  pending: ["sent", "failed", "retry"],
  failed: ["requeued"],
  sent: ["redacted", "redaction_abandoned"],
};

export class IllegalDeliveryMove extends Error {
  override name = "IllegalDeliveryMove";
  constructor(
    readonly from: DeliveryStatus,
    readonly to: DeliveryMove["to"],
  ) {
    super(`A ${from} delivery cannot move to ${to}.`);
  }
}

export function canMoveDelivery(from: DeliveryStatus, to: DeliveryMove["to"]): boolean {
  return DELIVERY_PATH[from].includes(to);
}

/**
 * Applies `move` to the delivery as the caller read it, with its timeline `event`. False when a
 * requeue found it no longer failed (someone else did it first).
 */
export async function moveDelivery(
  engine: Engine,
  request: ResetRequest | null,
  delivery: Pick<Delivery, "id" | "status">,
  move: DeliveryMove,
  event: NewEvent,
): Promise<boolean> {
  if (!canMoveDelivery(delivery.status, move.to)) throw new IllegalDeliveryMove(delivery.status, move.to);
  const { deliveries } = engine.stores;
  let written = true;
  switch (move.to) {
    case "sent":
    case "failed":
      await deliveries.settle(delivery.id, move.outcome, event, move.audit);
      break;
    case "retry":
      await deliveries.retryLater(delivery.id, move.error, event, move.nextAttemptAt);
      break;
    case "requeued":
      written = await deliveries.requeueFailed(delivery.id, event, move.audit);
      break;
    case "redacted":
      await deliveries.markRedacted(delivery.id, move.at, event, move.audit);
      break;
    case "redaction_abandoned":
      await deliveries.abandonRedaction(delivery.id, move.error, event, move.audit);
      break;
  }
  if (written && request) announce(engine, request, event);
  return written;
}
