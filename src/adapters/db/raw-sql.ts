// The hottest statements (the forms' lookups, a chat thread catching up), written as SQL. A
// Prisma model query costs about 0.5 ms of CPU in the JS query engine (it is compiled each time);
// these run on the driver itself (direct-reads.ts: microseconds), writes included: the lease
// steps, appends and updates are one statement each (a model updateMany is a transaction of three).
// Both databases return the model's column names and types, so the usual mappers apply. Table
// names are unqualified: on PostgreSQL the search path is the configured schema.

import type { AuditInput, NewEvent } from "../../core/ports.ts";
import type {
  ChatThread as DbChatThread,
  TimelineEvent as DbEvent,
  ResetRequest as DbRequest,
} from "../../generated/postgresql/client.ts";
import { Prisma } from "../../generated/postgresql/client.ts";
import type { Reads } from "./direct-reads.ts";
import { DEVICE_COLUMNS, type DeviceRow, PERSON_COLUMNS, type PersonRow } from "./mappers.ts";

async function first<T>(db: Reads, query: Prisma.Sql): Promise<T | null> {
  const rows = await db.rows<T>(query);
  return rows[0] ?? null;
}

const columns = (names: readonly string[], table = "") =>
  Prisma.raw(names.map((c) => `${table}"${c}"`).join(", "));
const PERSON = columns(PERSON_COLUMNS);
const DEVICE = columns(DEVICE_COLUMNS);
const DEVICE_D = columns(DEVICE_COLUMNS, "d.");
/** The column holding a person's Slack or Teams account id. */
const CHAT_ID = { slack: Prisma.raw('"slackUserId"'), teams: Prisma.raw('"teamsUserId"') };

export const personRow = (db: Reads, email: string) =>
  first<PersonRow>(db, Prisma.sql`SELECT ${PERSON} FROM "Person" WHERE "email" = ${email}`);

export const deviceRow = (db: Reads, id: string) =>
  first<DeviceRow>(db, Prisma.sql`SELECT ${DEVICE} FROM "Device" WHERE "id" = ${id}`);

/** A device and its owner in one statement (a form's confirmation step names both). */
export const deviceWithOwnerRow = (db: Reads, id: string) =>
  first<DeviceRow & { ownerName: string; ownerRole: string }>(
    db,
    Prisma.sql`SELECT ${DEVICE_D}, p."name" AS "ownerName", p."role" AS "ownerRole"
      FROM "Device" d JOIN "Person" p ON p."email" = d."ownerEmail" WHERE d."id" = ${id}`,
  );

export const deviceRowBySecretHash = (db: Reads, secretHash: string) =>
  first<DeviceRow>(db, Prisma.sql`SELECT ${DEVICE} FROM "Device" WHERE "secretHash" = ${secretHash}`);

/** The person a Slack or Teams account is linked to. */
export const personRowByChatUser = (db: Reads, surface: "slack" | "teams", chatUserId: string) =>
  first<PersonRow>(db, Prisma.sql`SELECT ${PERSON} FROM "Person" WHERE ${CHAT_ID[surface]} = ${chatUserId}`);

/** The Slack or Teams account a person is linked to, if any. */
export async function chatUserIdOf(
  db: Reads,
  surface: "slack" | "teams",
  email: string,
): Promise<string | null> {
  const row = await first<{ id: string | null }>(
    db,
    Prisma.sql`SELECT ${CHAT_ID[surface]} AS "id" FROM "Person" WHERE "email" = ${email}`,
  );
  return row?.id ?? null;
}

export const deviceRowsOf = (db: Reads, ownerEmail: string) =>
  db.rows<DeviceRow>(
    Prisma.sql`SELECT ${DEVICE} FROM "Device" WHERE "ownerEmail" = ${ownerEmail} ORDER BY "id"`,
  );

export const activeRequestRow = (db: Reads, deviceId: string) =>
  first<DbRequest>(db, Prisma.sql`SELECT * FROM "ResetRequest" WHERE "activeDeviceId" = ${deviceId}`);

/** The requests still open on any of these devices (one query for a whole form). */
export async function activeRequestRows(db: Reads, deviceIds: string[]): Promise<DbRequest[]> {
  if (deviceIds.length === 0) return [];
  return db.rows<DbRequest>(
    Prisma.sql`SELECT * FROM "ResetRequest" WHERE "activeDeviceId" IN (${Prisma.join(deviceIds)})`,
  );
}

export const requestRow = (db: Reads, id: string) =>
  first<DbRequest>(db, Prisma.sql`SELECT * FROM "ResetRequest" WHERE "id" = ${id}`);

/** A request's timeline after an event id, oldest first (what a chat thread has not shown yet). */
export const eventRows = (db: Reads, requestId: string, afterId: number) =>
  db.rows<DbEvent>(
    Prisma.sql`SELECT * FROM "TimelineEvent" WHERE "requestId" = ${requestId} AND "id" > ${afterId} ORDER BY "id"`,
  );

export const threadRow = (db: Reads, id: string) =>
  first<DbChatThread>(db, Prisma.sql`SELECT * FROM "ChatThread" WHERE "id" = ${id}`);

export const threadRowsFor = (db: Reads, requestId: string) =>
  db.rows<DbChatThread>(
    Prisma.sql`SELECT * FROM "ChatThread" WHERE "requestId" = ${requestId} ORDER BY "createdAt", "id"`,
  );

/** Whether a thread lacks something, in one statement: its request's state, or a later event. */
export async function threadBehind(db: Reads, id: string): Promise<boolean> {
  const row = await first<{ state: string | null; shownState: string | null; later: unknown }>(
    db,
    Prisma.sql`SELECT r."state" AS "state", t."shownState" AS "shownState", EXISTS (SELECT 1 FROM "TimelineEvent" e WHERE e."requestId" = t."requestId" AND e."id" > t."syncedEventId") AS "later" FROM "ChatThread" t LEFT JOIN "ResetRequest" r ON r."id" = t."requestId" WHERE t."id" = ${id}`,
  );
  if (!row) return false;
  if (row.state !== null && row.state !== row.shownState) return true;
  // EXISTS is a boolean on PostgreSQL, 0 or 1 on SQLite.
  return row.later === true || Number(row.later) === 1;
}

/**
 * A chat thread's lease, as compare-and-set updates (the lease holder's steps), and the appends
 * and updates of the hot paths: one statement each, on the driver (`Reads.run`), or part of a
 * guarded write (write-sql.ts). Dates are bound as the model queries store them;
 * `updatedAt` is kept as Prisma would.
 */
export async function claimThread(db: Reads, id: string, owner: string, now: Date, until: Date) {
  const n = await db.run(
    Prisma.sql`UPDATE "ChatThread" SET "leaseOwner" = ${owner}, "leaseUntil" = ${until}, "updatedAt" = ${new Date()} WHERE "id" = ${id} AND ("leaseUntil" IS NULL OR "leaseUntil" < ${now})`,
  );
  return n === 1;
}

export async function renewThread(db: Reads, id: string, owner: string, until: Date) {
  const n = await db.run(
    Prisma.sql`UPDATE "ChatThread" SET "leaseUntil" = ${until}, "updatedAt" = ${new Date()} WHERE "id" = ${id} AND "leaseOwner" = ${owner}`,
  );
  return n === 1;
}

export async function releaseThread(db: Reads, id: string, owner: string) {
  await db.run(
    Prisma.sql`UPDATE "ChatThread" SET "leaseOwner" = NULL, "leaseUntil" = NULL, "updatedAt" = ${new Date()} WHERE "id" = ${id} AND "leaseOwner" = ${owner}`,
  );
}

export async function advanceThread(db: Reads, id: string, from: number, to: number) {
  const n = await db.run(
    Prisma.sql`UPDATE "ChatThread" SET "syncedEventId" = ${to}, "updatedAt" = ${new Date()} WHERE "id" = ${id} AND "syncedEventId" = ${from}`,
  );
  return n === 1;
}

/** A timeline event appended. */
export const eventInsert = (requestId: string, e: NewEvent, at: Date) =>
  Prisma.sql`INSERT INTO "TimelineEvent" ("requestId", "at", "type", "actor", "detail") VALUES (${requestId}, ${at}, ${e.type}, ${e.actor}, ${e.detail})`;

/** An audit row appended. */
export const auditInsert = (entry: AuditInput, at: Date) =>
  Prisma.sql`INSERT INTO "AuditEntry" ("at", "actor", "surface", "action", "outcome", "deviceId", "requestId", "detail") VALUES (${at}, ${entry.actor}, ${entry.surface}, ${entry.action}, ${entry.outcome}, ${entry.deviceId ?? null}, ${entry.requestId ?? null}, ${entry.detail})`;

export async function insertEvents(
  db: Reads,
  requestId: string,
  events: NewEvent[],
  at: Date,
): Promise<void> {
  for (const e of events) await db.run(eventInsert(requestId, e, at));
}

export async function insertAudit(db: Reads, entry: AuditInput, at: Date): Promise<void> {
  await db.run(auditInsert(entry, at));
}

/** A device seen now (each authenticated device call). */
export async function touchDevice(db: Reads, id: string, at: Date): Promise<void> {
  await db.run(
    Prisma.sql`UPDATE "Device" SET "lastSeenAt" = ${at}, "updatedAt" = ${new Date()} WHERE "id" = ${id}`,
  );
}

/** What a chat thread's status message shows now, and whether it still follows its request. */
export async function markThreadShown(db: Reads, id: string, state: string, open: boolean): Promise<void> {
  await db.run(
    Prisma.sql`UPDATE "ChatThread" SET "shownState" = ${state}, "open" = ${open}, "updatedAt" = ${new Date()} WHERE "id" = ${id}`,
  );
}
