// The read statements the stores share or that need care (the forms' lookups, a chat thread
// catching up), written as SQL and run on the driver connection (driver-connection.ts:
// microseconds, where a Prisma model query costs about 0.5 ms of CPU in its JS engine). Their
// writes are in write-sql.ts. Both databases return the model's column names and types, so the
// usual mappers apply. Table names are unqualified: on PostgreSQL the search path is the schema.
import type {
  ChatThread as DbChatThread,
  TimelineEvent as DbEvent,
  ResetRequest as DbRequest,
} from "../../generated/postgresql/client.ts";
import { Prisma } from "../../generated/postgresql/client.ts";
import type { DriverSql } from "./driver-connection.ts";
import { DEVICE_COLUMNS, type DeviceRow, PERSON_COLUMNS, type PersonRow } from "./mappers.ts";

async function first<T>(db: DriverSql, query: Prisma.Sql): Promise<T | null> {
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

export const personRow = (db: DriverSql, email: string) =>
  first<PersonRow>(db, Prisma.sql`SELECT ${PERSON} FROM "Person" WHERE "email" = ${email}`);

export const deviceRow = (db: DriverSql, id: string) =>
  first<DeviceRow>(db, Prisma.sql`SELECT ${DEVICE} FROM "Device" WHERE "id" = ${id}`);

/** A device and its owner in one statement (a form's confirmation step names both). */
export const deviceWithOwnerRow = (db: DriverSql, id: string) =>
  first<DeviceRow & { ownerName: string; ownerRole: string }>(
    db,
    Prisma.sql`SELECT ${DEVICE_D}, p."name" AS "ownerName", p."role" AS "ownerRole"
      FROM "Device" d JOIN "Person" p ON p."email" = d."ownerEmail" WHERE d."id" = ${id}`,
  );

export const deviceRowBySecretHash = (db: DriverSql, secretHash: string) =>
  first<DeviceRow>(db, Prisma.sql`SELECT ${DEVICE} FROM "Device" WHERE "secretHash" = ${secretHash}`);

/** The person a Slack or Teams account is linked to. */
export const personRowByChatUser = (db: DriverSql, surface: "slack" | "teams", chatUserId: string) =>
  first<PersonRow>(db, Prisma.sql`SELECT ${PERSON} FROM "Person" WHERE ${CHAT_ID[surface]} = ${chatUserId}`);

/** The Slack or Teams account a person is linked to, if any. */
export async function chatUserIdOf(
  db: DriverSql,
  surface: "slack" | "teams",
  email: string,
): Promise<string | null> {
  const row = await first<{ id: string | null }>(
    db,
    Prisma.sql`SELECT ${CHAT_ID[surface]} AS "id" FROM "Person" WHERE "email" = ${email}`,
  );
  return row?.id ?? null;
}

export const deviceRowsOf = (db: DriverSql, ownerEmail: string) =>
  db.rows<DeviceRow>(
    Prisma.sql`SELECT ${DEVICE} FROM "Device" WHERE "ownerEmail" = ${ownerEmail} ORDER BY "id"`,
  );

export const activeRequestRow = (db: DriverSql, deviceId: string) =>
  first<DbRequest>(db, Prisma.sql`SELECT * FROM "ResetRequest" WHERE "activeDeviceId" = ${deviceId}`);

/** The requests still open on any of these devices (one query for a whole form). */
export async function activeRequestRows(db: DriverSql, deviceIds: string[]): Promise<DbRequest[]> {
  if (deviceIds.length === 0) return [];
  return db.rows<DbRequest>(
    Prisma.sql`SELECT * FROM "ResetRequest" WHERE "activeDeviceId" IN (${Prisma.join(deviceIds)})`,
  );
}

export const requestRow = (db: DriverSql, id: string) =>
  first<DbRequest>(db, Prisma.sql`SELECT * FROM "ResetRequest" WHERE "id" = ${id}`);

/** A request's timeline after an event id, oldest first (what a chat thread has not shown yet). */
export const eventRows = (db: DriverSql, requestId: string, afterId: number) =>
  db.rows<DbEvent>(
    Prisma.sql`SELECT * FROM "TimelineEvent" WHERE "requestId" = ${requestId} AND "id" > ${afterId} ORDER BY "id"`,
  );

export const threadRow = (db: DriverSql, id: string) =>
  first<DbChatThread>(db, Prisma.sql`SELECT * FROM "ChatThread" WHERE "id" = ${id}`);

export const threadRowsFor = (db: DriverSql, requestId: string) =>
  db.rows<DbChatThread>(
    Prisma.sql`SELECT * FROM "ChatThread" WHERE "requestId" = ${requestId} ORDER BY "createdAt", "id"`,
  );

/** Whether a thread lacks something, in one statement: its request's state, or a later event. */
export async function threadBehind(db: DriverSql, id: string): Promise<boolean> {
  const row = await first<{ state: string | null; shownState: string | null; later: unknown }>(
    db,
    Prisma.sql`SELECT r."state" AS "state", t."shownState" AS "shownState", EXISTS (SELECT 1 FROM "TimelineEvent" e WHERE e."requestId" = t."requestId" AND e."id" > t."syncedEventId") AS "later" FROM "ChatThread" t LEFT JOIN "ResetRequest" r ON r."id" = t."requestId" WHERE t."id" = ${id}`,
  );
  if (!row) return false;
  if (row.state !== null && row.state !== row.shownState) return true;
  // EXISTS is a boolean on PostgreSQL, 0 or 1 on SQLite.
  return row.later === true || Number(row.later) === 1;
}
