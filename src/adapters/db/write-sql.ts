// The write statements the stores share (their reads are in read-sql.ts). The state changes of
// requests, deliveries and devices: each a compare-and-set (the guard) and the rows written with
// it, run as one guarded write (guarded-write.ts, `DriverSql.atomic`) on the driver connection.
// Through Prisma each was an interactive transaction of model queries (compiled each time, about
// 0.5 ms of CPU each, and on SQLite open across awaits, so other flows' statements could join
// it). Then the single statements (a thread's lease, an appended event or audit row). Dates are
// bound as the model queries store them; `updatedAt` is kept as Prisma would; SQLite's column
// defaults are not used (their format is not Prisma's).
import type {
  AuditInput,
  EnrollHashes,
  NewDelivery,
  NewEvent,
  NewRequest,
  Transition,
} from "../../core/ports.ts";
import { isFinal, type ThreadTarget } from "../../core/types.ts";
import { Prisma } from "../../generated/postgresql/client.ts";
import type { DriverSql } from "./driver-connection.ts";
import { fromGuard, type GuardedWrite, type Insert, insertFor } from "./guarded-write.ts";

type Sets = [column: string, value: unknown][];

/** `"a" = $1, "b" = $2`: the columns are this file's constants, never input. */
function assignments(sets: Sets): Prisma.Sql {
  return Prisma.join(
    sets.map(([column, value]) => Prisma.sql`${Prisma.raw(`"${column}"`)} = ${value}`),
    ", ",
  );
}

const insert = (table: string, values: Sets): Insert => ({ table, values });

/**
 * A timeline event: of the guarded request unless `requestId` says whose. The single appends (an
 * event, an audit row, below) are literal SQL of the same columns: the append-only check of the
 * audit log (test/audit-append-only.test.ts) reads the statements that name its table.
 */
const eventRow = (e: NewEvent, at: Date, requestId: unknown = fromGuard("id")) =>
  insert("TimelineEvent", [
    ["requestId", requestId],
    ["at", at],
    ["type", e.type],
    ["actor", e.actor],
    ["detail", e.detail],
  ]);

const auditRow = (entry: AuditInput, at: Date) =>
  insert("AuditEntry", [
    ["at", at],
    ["actor", entry.actor],
    ["surface", entry.surface],
    ["action", entry.action],
    ["outcome", entry.outcome],
    ["deviceId", entry.deviceId ?? null],
    ["requestId", entry.requestId ?? null],
    ["detail", entry.detail],
  ]);

/** The thread row's id: one per request, surface and purpose, so a retry cannot add a second. */
export function threadId(requestId: string, t: { surface: string; purpose: string }): string {
  return `th_${requestId}_${t.surface}_${t.purpose}`;
}

/**
 * A new request with its first events, audit row, chat threads and passcode digest. The insert is
 * the guard: it does nothing when the device already has an open request or the idempotency key
 * was used (ON CONFLICT DO NOTHING), so a refused start writes nothing and raises nothing.
 */
export function createRequestWrite(
  request: NewRequest,
  events: NewEvent[],
  extras: { passcodeDigest?: string; audit?: AuditInput; threads?: ThreadTarget[] },
  now: Date,
): GuardedWrite {
  const row: Sets = [
    ["id", request.id],
    ["kind", request.kind],
    ["deviceId", request.deviceId],
    ["requestedBy", request.requestedBy],
    ["surface", request.surface],
    ["notifyUser", request.notifyUser],
    ["state", request.state],
    ["activeDeviceId", isFinal(request.state) ? null : request.deviceId],
    ["idempotencyKeyHash", request.idempotencyKeyHash],
    ["passcodeCipher", request.passcodeCipher],
    ["pushAttempts", 0],
    ["nextPushAt", request.nextPushAt],
    ["expiresAt", request.expiresAt],
    ["outcome", request.outcome],
    ["createdAt", now],
    ["updatedAt", now],
    ["finishedAt", request.finishedAt],
  ];
  const rest = events.map((e) => eventRow(e, now));
  if (extras.audit) rest.push(auditRow(extras.audit, now));
  for (const t of extras.threads ?? []) {
    rest.push(
      insert("ChatThread", [
        ["id", threadId(request.id, t)],
        ["requestId", fromGuard("id")],
        ["surface", t.surface],
        ["purpose", t.purpose],
        ["conversation", t.conversation],
        ["syncedEventId", 0],
        ["open", true],
        ["createdAt", now],
        ["updatedAt", now],
      ]),
    );
  }
  if (extras.passcodeDigest) rest.push(passcodeHistory(extras.passcodeDigest, now));
  return {
    guard: Prisma.sql`${insertFor(insert("ResetRequest", row), {})} ON CONFLICT DO NOTHING`,
    rest,
  };
}

/** The guarded request's device's passcode history. */
const passcodeHistory = (digest: string, now: Date) =>
  insert("PasscodeHistory", [
    ["deviceId", fromGuard("deviceId")],
    ["digest", digest],
    ["createdAt", now],
  ]);

function delivery(d: NewDelivery, now: Date): Insert {
  return insert("Delivery", [
    ["id", d.id],
    ["requestId", fromGuard("id")],
    ["recipientEmail", d.recipientEmail],
    ["channel", d.channel],
    ["status", "pending"],
    ["attempts", 0],
    ["nextAttemptAt", now],
    ["createdAt", now],
  ]);
}

/** A compare-and-set on the request's state, with its events, audit row, deliveries and passcode. */
export function transitionWrite(id: string, t: Transition, now: Date): GuardedWrite {
  const sets = new Map<string, unknown>([["state", t.to]]);
  if (t.outcome !== undefined) sets.set("outcome", t.outcome);
  if (t.nextPushAt !== undefined) sets.set("nextPushAt", t.nextPushAt);
  // A request that stays in its final state (a note, such as a device's late report) keeps the
  // time it finished: only a move into a final state sets it.
  if (isFinal(t.to) && !t.from.includes(t.to)) {
    sets.set("activeDeviceId", null);
    sets.set("finishedAt", now);
    sets.set("nextPushAt", null);
  }
  if (t.purgePasscode) {
    sets.set("passcodeCipher", null);
    sets.set("purgedAt", now);
  }
  if (t.passcode) sets.set("passcodeCipher", t.passcode.cipher);
  if (t.expiresAt) sets.set("expiresAt", t.expiresAt);
  sets.set("updatedAt", now);
  const rest = [...(t.before ?? []), t.event].map((e) => eventRow(e, now));
  if (t.audit) rest.push(auditRow(t.audit, now));
  for (const d of t.deliveries ?? []) rest.push(delivery(d, now));
  if (t.passcode) rest.push(passcodeHistory(t.passcode.digest, now));
  return {
    guard: Prisma.sql`UPDATE "ResetRequest" SET ${assignments([...sets])} WHERE "id" = ${id} AND "state" IN (${Prisma.join([...t.from])})`,
    rest,
  };
}

/** The stored passcode material dropped (once), with its event. */
export function purgePasscodeWrite(id: string, e: NewEvent, now: Date): GuardedWrite {
  return {
    guard: Prisma.sql`UPDATE "ResetRequest" SET "passcodeCipher" = NULL, "purgedAt" = ${now}, "updatedAt" = ${now} WHERE "id" = ${id} AND "passcodeCipher" IS NOT NULL`,
    rest: [eventRow(e, now)],
  };
}

/** A request column update outside the lifecycle (push bookkeeping): one statement. */
export function requestUpdate(id: string, sets: Sets, where: Prisma.Sql, now: Date): Prisma.Sql {
  return Prisma.sql`UPDATE "ResetRequest" SET ${assignments([...sets, ["updatedAt", now]])} WHERE "id" = ${id} AND ${where}`;
}

/**
 * A delivery row updated, with the event (on its request's timeline) and audit row that say so.
 * The guard is the row's id (and `where`, when given).
 */
export function deliveryWrite(
  id: string,
  sets: Sets,
  now: Date,
  extras: { event?: NewEvent; audit?: AuditInput; where?: Prisma.Sql } = {},
): GuardedWrite {
  const rest: Insert[] = [];
  if (extras.event) rest.push(eventRow(extras.event, now, fromGuard("requestId")));
  if (extras.audit) rest.push(auditRow(extras.audit, now));
  const where = extras.where ? Prisma.sql` AND ${extras.where}` : Prisma.empty;
  return {
    guard: Prisma.sql`UPDATE "Delivery" SET ${assignments(sets)} WHERE "id" = ${id}${where}`,
    rest,
  };
}

/** A new enrollment code's digest on the device, with the audit row of its issue. */
export function enrollmentCodeWrite(
  deviceId: string,
  codeHash: string,
  expiresAt: Date,
  audit: AuditInput,
  now: Date,
): GuardedWrite {
  const sets: Sets = [
    ["enrollmentCodeHash", codeHash],
    ["enrollmentCodeExpiresAt", expiresAt],
    ["updatedAt", now],
  ];
  return {
    guard: Prisma.sql`UPDATE "Device" SET ${assignments(sets)} WHERE "id" = ${deviceId}`,
    rest: [auditRow(audit, now)],
  };
}

/**
 * A valid, unexpired enrollment code swapped for the device secret's digest (the code is spent),
 * with the audit row of the enrollment. The guard is the code: a wrong or expired one writes nothing.
 */
export function enrollmentWrite(
  deviceId: string,
  codes: EnrollHashes,
  now: Date,
  audit: AuditInput,
): GuardedWrite {
  const sets: Sets = [
    ["secretHash", codes.secretHash],
    ["enrollmentCodeHash", null],
    ["enrollmentCodeExpiresAt", null],
    ["lastSeenAt", now],
    ["updatedAt", now],
  ];
  return {
    guard: Prisma.sql`UPDATE "Device" SET ${assignments(sets)} WHERE "id" = ${deviceId} AND "enrollmentCodeHash" = ${codes.codeHash} AND "enrollmentCodeExpiresAt" > ${now}`,
    rest: [auditRow(audit, now)],
  };
}

// Single statements, each one write on the driver (`DriverSql.run`): the appends any store makes
// (a chat thread's lease steps and cursor are in thread-store.ts, next to its reads).

/** A timeline event appended. */
export const eventInsert = (requestId: string, e: NewEvent, at: Date) =>
  Prisma.sql`INSERT INTO "TimelineEvent" ("requestId", "at", "type", "actor", "detail") VALUES (${requestId}, ${at}, ${e.type}, ${e.actor}, ${e.detail})`;

/** An audit row appended. */
export const auditInsert = (entry: AuditInput, at: Date) =>
  Prisma.sql`INSERT INTO "AuditEntry" ("at", "actor", "surface", "action", "outcome", "deviceId", "requestId", "detail") VALUES (${at}, ${entry.actor}, ${entry.surface}, ${entry.action}, ${entry.outcome}, ${entry.deviceId ?? null}, ${entry.requestId ?? null}, ${entry.detail})`;

export async function insertEvents(db: DriverSql, requestId: string, events: NewEvent[], at: Date) {
  for (const e of events) await db.run(eventInsert(requestId, e, at));
}

export async function insertAudit(db: DriverSql, entry: AuditInput, at: Date): Promise<void> {
  await db.run(auditInsert(entry, at));
}
