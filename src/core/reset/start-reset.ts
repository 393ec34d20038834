// Use case: an admin (or an employee reporting their own device lost) starts a reset-and-lock
// or lock-only request. Check -> generate -> store encrypted -> push, each step in the timeline.

import type { AuditAction } from "../audit-actions.ts";
import { authorize } from "../authorization.ts";
import type { Capability } from "../capability.ts";
import type { Engine } from "../engine.ts";
import { STATE_LABELS, stateAfterCheck } from "../lifecycle.ts";
import { generatePasscode, passcodeRulesFor } from "../passcode.ts";
import type { AuditInput, NewEvent } from "../ports.ts";
import { createRequest } from "../request-gate.ts";
import { sha256 } from "../secrets.ts";
import type { Device, RequestKind, ResetRequest, Surface, ThreadTarget } from "../types.ts";
import { approvalDeadline, approvalRequestedEvent, needsApproval } from "./approval-rules.ts";
import { assessDevice, backendMissing } from "./device-choices.ts";
import { pushRequest } from "./push-command.ts";

export interface StartInput {
  actorEmail: string;
  deviceId: string;
  notifyUser: boolean;
  surface: Surface;
  /** Same key, same request: a retried command or double click never starts a second reset. */
  idempotencyKey?: string;
  /** Chat threads to follow the request in, created in the same write as the request. */
  threads?: ThreadTarget[];
  /** The owner the confirmation named: a device that changed hands since is not reset. */
  expectedOwner?: string;
}

export type StartResult =
  | { status: "started"; request: ResetRequest; capability: Capability }
  | { status: "duplicate"; request: ResetRequest }
  | { status: "refused"; request: ResetRequest; capability: Capability }
  | { status: "busy"; request: ResetRequest; message: string }
  | { status: "not_allowed"; message: string }
  | { status: "not_found"; message: string };

export async function startReset(engine: Engine, input: StartInput): Promise<StartResult> {
  return start(engine, input, "reset");
}

/** An employee reports their own device lost: reset and lock when the rules allow, else lock only. */
export async function reportLostDevice(
  engine: Engine,
  input: Omit<StartInput, "notifyUser">,
): Promise<StartResult> {
  return start(engine, { ...input, notifyUser: true }, "report_lost");
}

async function start(
  engine: Engine,
  input: StartInput,
  action: "reset" | "report_lost",
): Promise<StartResult> {
  const { stores } = engine;
  const actorEmail = input.actorEmail.trim().toLowerCase();
  const keyHash = input.idempotencyKey ? sha256(`${actorEmail}\0${input.idempotencyKey}`) : null;
  if (keyHash) {
    const existing = await stores.requests.byIdempotencyKeyHash(keyHash);
    if (existing) return { status: "duplicate", request: existing };
  }
  const device = await stores.directory.device(input.deviceId);
  const decision = await authorize(engine, { actorEmail, action, device, surface: input.surface });
  if (!device) {
    return { status: "not_found", message: `No device with id "${input.deviceId}" is in the inventory.` };
  }
  if (!decision.allowed) return { status: "not_allowed", message: decision.message };
  if (input.expectedOwner !== undefined && device.ownerEmail !== input.expectedOwner.trim().toLowerCase()) {
    return {
      status: "not_found",
      message: "The device's owner changed since the confirmation. Start again.",
    };
  }

  const active = await stores.requests.activeForDevice(device.id);
  if (active) {
    // The same key started on another replica between the check above and now (a double click,
    // a redelivery): that request is this one, not a refusal.
    const same = keyHash ? await stores.requests.byIdempotencyKeyHash(keyHash) : null;
    if (same) return { status: "duplicate", request: same };
    return busy(engine, active, actorEmail, input.surface, action);
  }

  const now = engine.clock.now();
  const expiresAt = new Date(now.getTime() + engine.settings.requestExpiryMs);
  const capability = assessDevice(engine, device, null);
  const kind: RequestKind = action === "report_lost" && !capability.reset.allowed ? "lock" : "reset_and_lock";
  const base = {
    id: engine.random.id("rq"),
    kind,
    deviceId: device.id,
    requestedBy: actorEmail,
    surface: input.surface,
    notifyUser: input.notifyUser,
    expiresAt,
    idempotencyKeyHash: keyHash,
  };
  const requested: NewEvent = {
    type: "requested",
    actor: actorEmail,
    detail: requestedDetail(kind, device, action, input.notifyUser),
  };

  const refusal = refusalOf(engine, device, kind, capability);
  if (refusal) {
    const created = await createRequest(
      engine,
      {
        ...base,
        state: "refused",
        nextPushAt: null,
        passcodeCipher: null,
        outcome: refusal,
        finishedAt: now,
      },
      [requested, { type: "refused", actor: "latchkey", detail: refusal }],
      {
        audit: audit(actorEmail, input.surface, action, "refused", device.id, base.id, refusal),
        threads: input.threads ?? [],
      },
      device.backend,
    );
    if (!created.created) return afterConflict(engine, created, actorEmail, input.surface, action);
    return { status: "refused", request: created.request, capability };
  }

  if (needsApproval(engine, actorEmail, device)) {
    // Two-person rule: no passcode and no push until a second admin approves (the check runs again then).
    const waiting = approvalRequestedEvent(engine, now);
    const created = await createRequest(
      engine,
      {
        ...base,
        state: "awaiting_approval",
        expiresAt: approvalDeadline(engine, now),
        nextPushAt: null,
        passcodeCipher: null,
        outcome: null,
        finishedAt: null,
      },
      [requested, waiting],
      {
        audit: audit(
          actorEmail,
          input.surface,
          action,
          "ok",
          device.id,
          base.id,
          `${kind} request awaits a second admin's approval`,
        ),
        threads: input.threads ?? [],
      },
      device.backend,
    );
    if (!created.created) return afterConflict(engine, created, actorEmail, input.surface, action);
    return { status: "started", request: created.request, capability };
  }

  const { events: checks, passcode } = await checkedEvents(engine, device, kind, capability);
  const events = [requested, ...checks];
  const created = await createRequest(
    engine,
    {
      ...base,
      state: stateAfterCheck(kind, device.backend),
      nextPushAt: now,
      passcodeCipher: passcode?.cipher ?? null,
      outcome: null,
      finishedAt: null,
    },
    events,
    {
      ...(passcode ? { passcodeDigest: passcode.digest } : {}),
      audit: audit(actorEmail, input.surface, action, "ok", device.id, base.id, `${kind} request started`),
      threads: input.threads ?? [],
    },
    device.backend,
  );
  if (!created.created) return afterConflict(engine, created, actorEmail, input.surface, action);

  await pushRequest(engine, created.request.id); // or the MDM's first step
  const latest = (await stores.requests.get(created.request.id)) ?? created.request;
  return { status: "started", request: latest, capability };
}

/** Why the rules refuse this request on this device, or null when they allow it. */
export function refusalOf(
  engine: Engine,
  device: Device,
  kind: RequestKind,
  capability: Capability,
): string | null {
  const verdict = kind === "lock" ? capability.lock : capability.reset;
  if (!verdict.allowed) return verdict.reason;
  const missing = backendMissing(engine, device);
  if (missing) return missing;
  const rules = kind === "reset_and_lock" && device.backend === "agent" ? passcodeRulesFor(device) : null;
  return rules && !rules.ok ? rules.reason : null;
}

/**
 * The check's events for a request the rules allow (see refusalOf), with the new passcode for a
 * reset: generated here, returned only sealed, with its keyed digest for the device's history.
 */
export async function checkedEvents(
  engine: Engine,
  device: Device,
  kind: RequestKind,
  capability: Capability,
): Promise<{ events: NewEvent[]; passcode: { cipher: string; digest: string } | null }> {
  const verdict = kind === "lock" ? capability.lock : capability.reset;
  const events: NewEvent[] = [
    {
      type: "checked",
      actor: "latchkey",
      detail: [verdict.reason, ...capability.warnings.map((w) => `Warning: ${w}`)].join(" "),
    },
  ];
  // An MDM (Intune) generates its own passcode and reports it once set (core/mdm).
  const rules = kind === "reset_and_lock" && device.backend === "agent" ? passcodeRulesFor(device) : null;
  if (!rules?.ok) return { events, passcode: null };
  const recent = new Set(
    await engine.stores.requests.recentPasscodeDigests(device.id, engine.settings.passcodeHistory),
  );
  const passcode = generatePasscode(
    rules.rules,
    (max) => engine.random.int(max),
    (candidate) => recent.has(engine.secrets.digest(device.id, candidate)),
  );
  events.push({
    type: "passcode_generated",
    actor: "latchkey",
    detail: `A new ${rules.rules.length}-character ${rules.rules.type} passcode was generated and stored encrypted. It is never shown here.`,
  });
  return {
    events,
    passcode: { cipher: engine.secrets.seal(passcode), digest: engine.secrets.digest(device.id, passcode) },
  };
}

function requestedDetail(kind: RequestKind, device: Device, action: string, notifyUser: boolean): string {
  const what = kind === "lock" ? "Lock" : "Passcode reset and lock";
  const why = action === "report_lost" ? " (device reported lost by its user)" : "";
  const copy =
    kind === "reset_and_lock" && notifyUser ? "; the new passcode also goes to the device user" : "";
  return `${what} requested for ${device.name} (${device.id}, owner ${device.ownerEmail})${why}${copy}.`;
}

async function busy(
  engine: Engine,
  active: ResetRequest,
  actor: string,
  surface: Surface,
  action: "reset" | "report_lost",
): Promise<StartResult> {
  const message = `A request is already in progress for this device (${active.id}: ${STATE_LABELS[active.state].toLowerCase()}). Follow or cancel it instead of starting another.`;
  await engine.stores.audit.append(
    audit(actor, surface, action, "refused", active.deviceId, active.id, message),
  );
  return { status: "busy", request: active, message };
}

async function afterConflict(
  engine: Engine,
  conflict: { reason: "device_busy" | "duplicate"; existing: ResetRequest },
  actor: string,
  surface: Surface,
  action: "reset" | "report_lost",
): Promise<StartResult> {
  if (conflict.reason === "duplicate") return { status: "duplicate", request: conflict.existing };
  return busy(engine, conflict.existing, actor, surface, action);
}

function audit(
  actor: string,
  surface: Surface,
  action: AuditAction,
  outcome: AuditInput["outcome"],
  deviceId: string,
  requestId: string,
  detail: string,
): AuditInput {
  return { actor, surface, action, outcome, deviceId, requestId, detail };
}
