// Operator commands. Each parses its arguments, calls one core function, prints the result.
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { auditTrail } from "../core/audit-trail.ts";
import type { Engine } from "../core/engine.ts";
import { issueEnrollmentCode } from "../core/enrollment.ts";
import { deviceCheck, deviceList, importInventory } from "../core/inventory/device-list.ts";
import { awaitsApproval } from "../core/lifecycle.ts";
import { approveReset, rejectReset } from "../core/reset/approve-reset.ts";
import { cancelReset } from "../core/reset/cancel-reset.ts";
import { deliverPending } from "../core/reset/deliver.ts";
import { pushRequest } from "../core/reset/push-command.ts";
import { latestForOperator, requestProgress } from "../core/reset/request-progress.ts";
import { reportLostDevice, type StartResult, startReset } from "../core/reset/start-reset.ts";
import { timeText } from "../core/time-text.ts";
import { isFinal, type ResetRequest } from "../core/types.ts";
import { formatFromFileName, parseInventory } from "../inventory/parse-inventory.ts";
import { csvCell, eventLine, table } from "./format.ts";

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export class UsageError extends Error {}

type Flags = Record<string, string | boolean | undefined>;

export async function importFile(engine: Engine, io: Io, file: string | undefined): Promise<number> {
  if (!file) throw new UsageError("usage: latchkey import <file.json|file.csv>");
  const format = formatFromFileName(file);
  if (!format) throw new UsageError(`Cannot tell the format of "${basename(file)}": name it .json or .csv.`);
  const parsed = parseInventory(readFileSync(file, "utf8"), format);
  if (!parsed.ok) {
    io.err(`${basename(file)} was not imported (nothing was changed):`);
    for (const e of parsed.errors) io.err(`  ${e.location}: ${e.message}`);
    return 1;
  }
  const n = await importInventory(engine, parsed.people, parsed.devices, {
    actor: "operator",
    surface: "cli",
    action: "inventory.import",
    outcome: "ok",
    detail: `${basename(file)}: ${parsed.people.length} people, ${parsed.devices.length} devices`,
  });
  io.out(`Imported ${n.people} people and ${n.devices} devices from ${basename(file)}.`);
  return 0;
}

export async function listDevices(engine: Engine, io: Io, flags: Flags): Promise<number> {
  const owner = typeof flags.owner === "string" ? flags.owner : undefined;
  const listed = await deviceList(engine, owner ? { ownerEmail: owner } : {});
  const rows = listed.map(({ device: d, capability: c }) => [
    d.id,
    d.ownerEmail,
    d.platform,
    d.osVersion,
    d.managementMode,
    c.capable ? "yes" : "no",
    d.name,
  ]);
  io.out(table([["ID", "OWNER", "PLATFORM", "OS", "MODE", "RESETTABLE", "NAME"], ...rows]));
  return 0;
}

export async function checkDevice(
  engine: Engine,
  io: Io,
  id: string | undefined,
  flags: Flags,
): Promise<number> {
  if (!id) throw new UsageError("usage: latchkey check <deviceId> [--json]");
  const checked = await deviceCheck(engine, id);
  if (!checked) {
    io.err(`No device with id "${id}" is in the inventory.`);
    return 1;
  }
  const { device, capability: c } = checked;
  if (flags.json) {
    io.out(
      JSON.stringify({ deviceId: c.deviceId, capable: c.capable, reason: c.reason, warnings: c.warnings }),
    );
    return 0;
  }
  io.out(`${device.name} (${device.id}), owner ${device.ownerEmail}`);
  io.out(`Reset passcode and lock: ${c.reset.allowed ? "yes" : "no"}. ${c.reset.reason}`);
  io.out(`Lock only: ${c.lock.allowed ? "yes" : "no"}. ${c.lock.reason}`);
  for (const w of c.warnings) io.out(`Warning: ${w}`);
  return 0;
}

export async function requestReset(
  engine: Engine,
  io: Io,
  id: string | undefined,
  flags: Flags,
  kind: "reset" | "lost",
): Promise<number> {
  const as = typeof flags.as === "string" ? flags.as : undefined;
  if (!id || !as)
    throw new UsageError(
      `usage: latchkey ${kind} <deviceId> --as <email>${kind === "reset" ? " [--notify-user]" : ""}`,
    );
  const input = {
    actorEmail: as,
    deviceId: id,
    surface: "cli" as const,
    ...(typeof flags.key === "string" ? { idempotencyKey: flags.key } : {}),
  };
  const result =
    kind === "reset"
      ? await startReset(engine, { ...input, notifyUser: flags["notify-user"] === true })
      : await reportLostDevice(engine, input);
  if (result.status === "not_found" || result.status === "not_allowed") {
    io.err(result.message);
    return 1;
  }
  if (result.status === "busy") {
    io.err(result.message);
    return 1;
  }
  io.out(startedLine(result));
  if (flags.follow === false) return 0;
  const final = await follow(engine, io, result.request);
  return final.state === "completed" ? 0 : 1;
}

function startedLine(result: Exclude<StartResult, { status: "not_found" | "not_allowed" | "busy" }>): string {
  if (result.status === "duplicate")
    return `Already started as ${result.request.id} (${result.request.state}); following it.`;
  if (awaitsApproval(result.request.state))
    return `Request ${result.request.id}: waits for a second admin's approval (in the chat thread, or \`latchkey approve ${result.request.id} --as <another admin>\`).`;
  return `Request ${result.request.id}:`;
}

export async function follow(
  engine: Engine,
  io: Io,
  request: ResetRequest,
  pollMs = 300,
): Promise<ResetRequest> {
  let last = 0;
  let current = request;
  let drive: boolean | null = null;
  for (;;) {
    const progress = await requestProgress(engine, request.id, last);
    if (!progress) return current;
    current = progress.request;
    // An Intune device needs no server: the CLI takes Intune's steps itself (each claimed, so a
    // running server taking them too does each once). An agent device reports to the server.
    drive ??= progress.backend !== null && progress.backend !== "agent";
    for (const e of progress.events) {
      io.out(eventLine(e, engine.clock.now()));
      last = e.id;
    }
    if (isFinal(current.state)) return current;
    await new Promise((r) => setTimeout(r, pollMs));
    if (drive) {
      await pushRequest(engine, current.id);
      await deliverPending(engine, { requestId: current.id });
    }
  }
}

export async function cancel(engine: Engine, io: Io, id: string | undefined, flags: Flags): Promise<number> {
  const as = typeof flags.as === "string" ? flags.as : undefined;
  if (!id || !as) throw new UsageError("usage: latchkey cancel <requestId> --as <email> [--reason TEXT]");
  const r = await cancelReset(engine, {
    actorEmail: as,
    requestId: id,
    surface: "cli",
    ...(typeof flags.reason === "string" ? { reason: flags.reason } : {}),
  });
  if (r.status === "cancelled") {
    io.out(`Cancelled ${id}.`);
    return 0;
  }
  io.err(r.message);
  return 1;
}

/** The two-person rule: a second admin approves or rejects a request waiting for approval. */
export async function decide(
  engine: Engine,
  io: Io,
  id: string | undefined,
  flags: Flags,
  verb: "approve" | "reject",
): Promise<number> {
  const as = typeof flags.as === "string" ? flags.as : undefined;
  if (!id || !as) {
    const reason = verb === "reject" ? " [--reason TEXT]" : "";
    throw new UsageError(`usage: latchkey ${verb} <requestId> --as <adminEmail>${reason}`);
  }
  const input = {
    actorEmail: as,
    requestId: id,
    surface: "cli" as const,
    ...(typeof flags.reason === "string" ? { reason: flags.reason } : {}),
  };
  const r = verb === "approve" ? await approveReset(engine, input) : await rejectReset(engine, input);
  if ("message" in r) {
    io.err(r.message);
    return 1;
  }
  if (r.status === "rejected") {
    io.out(`Rejected ${id}.`);
    return 0;
  }
  if (isFinal(r.request.state)) {
    io.err(`Approved ${id}, but the check then refused it: ${r.request.outcome ?? r.request.state}`);
    return 1;
  }
  io.out(`Approved ${id}; the reset goes on (latchkey timeline ${id}).`);
  return 0;
}

export async function listRequests(engine: Engine, io: Io, flags: Flags): Promise<number> {
  const limit = Number(flags.limit ?? 20);
  const list = await latestForOperator(engine, Number.isFinite(limit) && limit > 0 ? limit : 20);
  io.out(
    table([
      ["ID", "DEVICE", "KIND", "STATE", "BY", "CREATED", "OUTCOME"],
      ...list.map((r) => [
        r.id,
        r.deviceId,
        r.kind,
        r.state,
        r.requestedBy,
        timeText(r.createdAt, engine.clock.now()),
        r.outcome ?? "",
      ]),
    ]),
  );
  return 0;
}

export async function timeline(engine: Engine, io: Io, id: string | undefined): Promise<number> {
  if (!id) throw new UsageError("usage: latchkey timeline <requestId>");
  const progress = await requestProgress(engine, id);
  if (!progress) {
    io.err(`No request "${id}".`);
    return 1;
  }
  const { request } = progress;
  io.out(
    `${request.id}  ${request.kind} of ${request.deviceId}, requested by ${request.requestedBy}: ${request.state}`,
  );
  for (const e of progress.events) io.out(eventLine(e, engine.clock.now()));
  return 0;
}

export async function audit(engine: Engine, io: Io, flags: Flags): Promise<number> {
  let since: Date | undefined;
  if (typeof flags.since === "string") {
    since = new Date(flags.since);
    if (Number.isNaN(since.getTime()))
      throw new UsageError(`--since: "${flags.since}" is not a date (use 2026-11-01 or an ISO time)`);
  }
  const format = flags.format ?? "csv";
  if (format !== "csv" && format !== "json") throw new UsageError("--format must be csv or json");
  const rows = await auditTrail(engine, since ? { since } : {});
  if (format === "json") {
    io.out(JSON.stringify(rows, null, 2));
    return 0;
  }
  const cols = [
    "id",
    "at",
    "actor",
    "surface",
    "action",
    "outcome",
    "deviceId",
    "requestId",
    "detail",
  ] as const;
  io.out(cols.join(","));
  for (const r of rows) io.out(cols.map((c) => csvCell(r[c])).join(","));
  return 0;
}

export async function enrollmentCode(engine: Engine, io: Io, id: string | undefined): Promise<number> {
  if (!id) throw new UsageError("usage: latchkey enroll-code <deviceId>");
  const r = await issueEnrollmentCode(engine, id);
  if (!r.ok) {
    io.err(r.message);
    return 1;
  }
  io.out(
    `Enrollment code for ${id} (expires ${timeText(r.expiresAt, engine.clock.now())}, shown once):\n${r.code}`,
  );
  return 0;
}
