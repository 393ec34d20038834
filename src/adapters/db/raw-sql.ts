// The hottest statements (the forms' lookups, a chat thread catching up), written as SQL. A
// Prisma model query costs about 0.5 ms of CPU in the JS query engine (it is compiled each time);
// the same statement through $queryRaw costs a quarter of that, which matters before a Slack or
// Teams acknowledgement and in every step of a reset (bench/results.md). Both databases return
// the model's column names and types (SQLite's adapter restores booleans and dates from the
// declared column types, and binds dates as the model queries store them), so the usual mappers
// apply. Table names are unqualified: on PostgreSQL the search path is the configured schema.
import type {
  ChatThread as DbChatThread,
  Device as DbDevice,
  TimelineEvent as DbEvent,
  Person as DbPerson,
  ResetRequest as DbRequest,
} from "../../generated/postgresql/client.ts";
import { Prisma } from "../../generated/postgresql/client.ts";
import type { Db } from "./open-database.ts";

async function first<T>(db: Db, query: Prisma.Sql): Promise<T | null> {
  const rows = await db.$queryRaw<T[]>(query);
  return rows[0] ?? null;
}

export const personRow = (db: Db, email: string) =>
  first<DbPerson>(db, Prisma.sql`SELECT * FROM "Person" WHERE "email" = ${email}`);

export const deviceRow = (db: Db, id: string) =>
  first<DbDevice>(db, Prisma.sql`SELECT * FROM "Device" WHERE "id" = ${id}`);

export const deviceRowsOf = (db: Db, ownerEmail: string) =>
  db.$queryRaw<DbDevice[]>(
    Prisma.sql`SELECT * FROM "Device" WHERE "ownerEmail" = ${ownerEmail} ORDER BY "id"`,
  );

export const activeRequestRow = (db: Db, deviceId: string) =>
  first<DbRequest>(db, Prisma.sql`SELECT * FROM "ResetRequest" WHERE "activeDeviceId" = ${deviceId}`);

/** The requests still open on any of these devices (one query for a whole form). */
export async function activeRequestRows(db: Db, deviceIds: string[]): Promise<DbRequest[]> {
  if (deviceIds.length === 0) return [];
  return db.$queryRaw<DbRequest[]>(
    Prisma.sql`SELECT * FROM "ResetRequest" WHERE "activeDeviceId" IN (${Prisma.join(deviceIds)})`,
  );
}

export const requestRow = (db: Db, id: string) =>
  first<DbRequest>(db, Prisma.sql`SELECT * FROM "ResetRequest" WHERE "id" = ${id}`);

/** A request's timeline after an event id, oldest first (what a chat thread has not shown yet). */
export const eventRows = (db: Db, requestId: string, afterId: number) =>
  db.$queryRaw<DbEvent[]>(
    Prisma.sql`SELECT * FROM "TimelineEvent" WHERE "requestId" = ${requestId} AND "id" > ${afterId} ORDER BY "id"`,
  );

export const threadRow = (db: Db, id: string) =>
  first<DbChatThread>(db, Prisma.sql`SELECT * FROM "ChatThread" WHERE "id" = ${id}`);

export const threadRowsFor = (db: Db, requestId: string) =>
  db.$queryRaw<DbChatThread[]>(
    Prisma.sql`SELECT * FROM "ChatThread" WHERE "requestId" = ${requestId} ORDER BY "createdAt", "id"`,
  );

/**
 * A chat thread's lease, as compare-and-set updates (the lease holder's steps). Written by hand:
 * Prisma runs each updateMany in its own transaction, three statements for one. Dates are bound
 * as parameters, stored as the model queries store them; `updatedAt` is kept as Prisma would.
 */
export async function claimThread(db: Db, id: string, owner: string, now: Date, until: Date) {
  const n =
    await db.$executeRaw`UPDATE "ChatThread" SET "leaseOwner" = ${owner}, "leaseUntil" = ${until}, "updatedAt" = ${new Date()} WHERE "id" = ${id} AND ("leaseUntil" IS NULL OR "leaseUntil" < ${now})`;
  return n === 1;
}

export async function renewThread(db: Db, id: string, owner: string, until: Date) {
  const n =
    await db.$executeRaw`UPDATE "ChatThread" SET "leaseUntil" = ${until}, "updatedAt" = ${new Date()} WHERE "id" = ${id} AND "leaseOwner" = ${owner}`;
  return n === 1;
}

export async function releaseThread(db: Db, id: string, owner: string) {
  await db.$executeRaw`UPDATE "ChatThread" SET "leaseOwner" = NULL, "leaseUntil" = NULL, "updatedAt" = ${new Date()} WHERE "id" = ${id} AND "leaseOwner" = ${owner}`;
}

export async function advanceThread(db: Db, id: string, from: number, to: number) {
  const n =
    await db.$executeRaw`UPDATE "ChatThread" SET "syncedEventId" = ${to}, "updatedAt" = ${new Date()} WHERE "id" = ${id} AND "syncedEventId" = ${from}`;
  return n === 1;
}
