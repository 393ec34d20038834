// Use case: an admin (or an employee reporting their own device lost) starts a reset-and-lock
// or lock-only request. Check -> generate -> store encrypted -> push, each step in the timeline.
import { authorize } from "../authorization.ts";
import type { Capability } from "../capability.ts";
import { announce, type Engine } from "../engine.ts";
import { STATE_LABELS } from "../lifecycle.ts";
import { generatePasscode, passcodeRulesFor } from "../passcode.ts";
import type { AuditInput, NewEvent } from "../ports.ts";
import { sha256 } from "../secrets.ts";
import type { Device, RequestKind, ResetRequest, Surface, ThreadTarget } from "../types.ts";
import { assessDevice } from "./device-choices.ts";
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

  const active = await stores.requests.activeForDevice(device.id);
  if (active) return busy(engine, active, actorEmail, input.surface, action);

  const now = engine.clock.now();
  const expiresAt = new Date(now.getTime() + engine.settings.requestExpiryMs);
  const capability = assessDevice(engine, device, null);
  const kind: RequestKind = action === "report_lost" && !capability.reset.allowed ? "lock" : "reset_and_lock";
  const verdict = kind === "lock" ? capability.lock : capability.reset;
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

  const rules = kind === "reset_and_lock" ? passcodeRulesFor(device) : null;
  const refusal = !verdict.allowed ? verdict.reason : rules && !rules.ok ? rules.reason : null;
  if (refusal) {
    const created = await stores.requests.create(
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
    );
    if (!created.created) return afterConflict(engine, created, actorEmail, input.surface, action);
    announce(engine, created.request, { type: "refused", actor: "latchkey", detail: refusal });
    return { status: "refused", request: created.request, capability };
  }

  const checked: NewEvent = {
    type: "checked",
    actor: "latchkey",
    detail: [verdict.reason, ...capability.warnings.map((w) => `Warning: ${w}`)].join(" "),
  };
  let passcodeCipher: string | null = null;
  let passcodeDigest: string | undefined;
  const events = [requested, checked];
  if (rules?.ok) {
    const recent = new Set(
      await stores.requests.recentPasscodeDigests(device.id, engine.settings.passcodeHistory),
    );
    const passcode = generatePasscode(
      rules.rules,
      (max) => engine.random.int(max),
      (candidate) => recent.has(engine.secrets.digest(device.id, candidate)),
    );
    passcodeCipher = engine.secrets.seal(passcode);
    passcodeDigest = engine.secrets.digest(device.id, passcode);
    events.push({
      type: "passcode_generated",
      actor: "latchkey",
      detail: `A new ${rules.rules.length}-character ${rules.rules.type} passcode was generated and stored encrypted. It is never shown here.`,
    });
  }
  const created = await stores.requests.create(
    {
      ...base,
      state: kind === "lock" ? "checked" : "passcode_generated",
      nextPushAt: now,
      passcodeCipher,
      outcome: null,
      finishedAt: null,
    },
    events,
    {
      passcodeDigest,
      audit: audit(actorEmail, input.surface, action, "ok", device.id, base.id, `${kind} request started`),
      threads: input.threads ?? [],
    },
  );
  if (!created.created) return afterConflict(engine, created, actorEmail, input.surface, action);
  for (const e of events) announce(engine, created.request, e);

  await pushRequest(engine, created.request.id);
  const latest = (await stores.requests.get(created.request.id)) ?? created.request;
  return { status: "started", request: latest, capability };
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
  action: string,
  outcome: AuditInput["outcome"],
  deviceId: string,
  requestId: string,
  detail: string,
): AuditInput {
  return { actor, surface, action, outcome, deviceId, requestId, detail };
}
