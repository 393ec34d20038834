// The hottest single-row reads, written as SQL. A Prisma model query costs about 0.5 ms of CPU in
// the JS query engine (compiling the query each time); the same read through $queryRaw costs a
// quarter of that, which matters before a Slack or Teams acknowledgement (bench/results.md).
// Both databases return the model's column names and types (SQLite's adapter restores booleans
// and dates from the declared column types), so the usual mappers apply. Table names are
// unqualified: on PostgreSQL the connection's search path is the configured schema.
import type {
  Device as DbDevice,
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
