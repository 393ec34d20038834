// The two-person rule (REQUIRE_APPROVAL): which requests wait for a second admin, until when, and
// what their timeline says while they wait. The use cases are in approve-reset.ts.
import { at, type Engine } from "../engine.ts";
import type { NewEvent } from "../ports.ts";
import type { Device } from "../types.ts";

/** A reset (or lock) of someone else's device waits; a person acting on their own device never does. */
export function needsApproval(engine: Engine, actorEmail: string, device: Device): boolean {
  return engine.settings.requireApproval && device.ownerEmail.toLowerCase() !== actorEmail.toLowerCase();
}

/** When a request still waiting for its approval expires (never later than the request itself would). */
export function approvalDeadline(engine: Engine, now: Date): Date {
  const { approvalTtlMs, requestExpiryMs } = engine.settings;
  return new Date(now.getTime() + Math.min(approvalTtlMs, requestExpiryMs));
}

export function approvalRequestedEvent(engine: Engine, now: Date): NewEvent {
  return {
    type: "approval_requested",
    actor: "latchkey",
    detail: `Waiting for a second admin's approval (two-person rule): no passcode is generated and nothing is sent to the device until another admin approves. Unless approved, the request expires at ${at(approvalDeadline(engine, now))}.`,
  };
}
